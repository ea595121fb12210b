package dev.baton.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.baton.AcquireTimeoutException;
import dev.baton.AsyncCondition;
import dev.baton.Permit;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Conditions on a Redis lock shared by two backends, each standing for one JVM, and a child. */
class RedisConditionTest {

  @RegisterExtension
  static final SharedRedis redis = SharedRedis.leavingNothing();

  RedisServer server = redis.server();
  RedisBackend one = redis.one();
  RedisBackend two = redis.two();

  @Test
  void aWaiterInOneBackendIsSignalledFromTheOtherAndReacquiresWithAHigherToken() throws Exception {
    AsyncCondition a = one.condition("jobs");
    AsyncCondition b = two.condition("jobs");
    Permit first = a.acquire().join();
    CompletableFuture<Permit> waiting = a.await(first);
    await().until(() -> b.waiters() == 1);
    assertThat(first.isReleased()).isTrue();
    Permit signaller = b.acquire().get(5, TimeUnit.SECONDS);
    b.signal();
    assertThat(b.waiters()).isZero();
    assertThat(waiting).as("the signaller still holds the lock").isNotDone();
    signaller.release();
    Permit again = waiting.get(5, TimeUnit.SECONDS);
    assertThat(again.token()).isGreaterThan(signaller.token()).isGreaterThan(first.token());
    assertThat(b.lock().isLocked()).isTrue();
    again.release();
  }

  /**
   * README: a signal moves the wait to the lock's FIFO queue, behind the acquires of the lock
   * that were already waiting in any instance; the wait then completes with a higher token.
   */
  @Test
  void aSignalledWaitQueuesForTheLockBehindAcquiresAlreadyWaiting() throws Exception {
    AsyncCondition a = one.condition("queued");
    AsyncCondition b = two.condition("queued");
    CompletableFuture<Permit> waiting = a.await(a.acquire().get(5, TimeUnit.SECONDS));
    await().until(() -> b.waiters() == 1);
    Permit signaller = b.acquire().get(5, TimeUnit.SECONDS);
    CompletableFuture<Permit> earlier = a.lock().acquire();
    await().until(() -> b.lock().waiters() == 1);
    b.signal();
    assertThat(b.waiters()).isZero();
    assertThat(b.lock().waiters()).as("the signalled wait, behind the earlier acquire")
        .isEqualTo(2);
    signaller.release();
    Permit first = earlier.get(5, TimeUnit.SECONDS);
    assertThat(waiting).as("queued behind the acquire that waited first").isNotDone();
    first.release();
    Permit again = waiting.get(5, TimeUnit.SECONDS);
    assertThat(again.token()).isGreaterThan(first.token()).isGreaterThan(signaller.token());
    again.release();
  }

  /**
   * An await hands the lock it gives up to the acquire waiting for it at once, by message: both
   * backends have their renewals stalled, so no tick could hand the lock on later.
   */
  @Test
  void anAwaitHandsItsLockToAWaitingAcquireByMessage() throws Exception {
    AsyncCondition a = one.condition("handover");
    AsyncCondition b = two.condition("handover");
    Permit held = a.acquire().get(5, TimeUnit.SECONDS);
    CompletableFuture<Permit> next = b.acquire();
    await().until(() -> a.lock().waiters() == 1);
    CountDownLatch timersOfOne = RedisFaultsTest.stallRenewals(one);
    CountDownLatch timersOfTwo = RedisFaultsTest.stallRenewals(two);
    CompletableFuture<Permit> waiting;
    Permit permit;
    try {
      waiting = a.await(held);
      permit = next.get(2, TimeUnit.SECONDS);
    } finally {
      timersOfOne.countDown();
      timersOfTwo.countDown();
    }
    assertThat(permit.token()).isGreaterThan(held.token());
    assertThat(waiting.cancel(false)).isTrue();
    permit.release();
    await().until(() -> !a.lock().isLocked());
  }

  /**
   * The keys of a condition's waiters for a signal expire one lease after the last lease they
   * record, so that instances that all died leave nothing behind: at most two leases from now.
   */
  @Test
  void theKeysOfAConditionsWaitersExpireWithinTwoLeases() throws Exception {
    AsyncCondition a = one.condition("expiring");
    CompletableFuture<Permit> waiting = a.await(a.acquire().get(5, TimeUnit.SECONDS));
    await().until(() -> a.waiters() == 1);
    assertThat(server.keys()).filteredOn(key -> key.startsWith("{baton:condition:expiring}"))
        .isNotEmpty().allSatisfy(key -> assertThat(Long.parseLong(server.cli("PTTL", key)))
            .as("time to live of %s", key).isPositive()
            .isLessThanOrEqualTo(SharedRedis.LEASE.multipliedBy(2).toMillis()));
    assertThat(waiting.cancel(false)).isTrue();
    await().until(() -> !a.lock().isLocked());
  }

  /** A condition's Redis lock is its own, apart from the lock of the same name. */
  @Test
  void aConditionsLockIsNotTheLockOfTheSameName() throws Exception {
    Permit ofCondition = one.condition("stock").acquire().get(5, TimeUnit.SECONDS);
    try {
      assertThat(two.condition("stock").lock().isLocked()).isTrue();
      assertThat(two.lock("stock").isLocked()).isFalse();
      Permit ofLock = two.lock("stock").tryAcquire().orElseThrow();
      assertThat(one.condition("stock").lock().tryAcquire()).isEmpty();
      ofLock.release();
    } finally {
      ofCondition.release();
    }
  }

  @Test
  void signalWakesTheOldestInOrderAcrossBackendsAndSignalAllTheRest() throws Exception {
    List<CompletableFuture<Permit>> waits = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      AsyncCondition c = (i % 2 == 0 ? one : two).condition("orders");
      waits.add(c.await(c.acquire().get(5, TimeUnit.SECONDS)));
      int queued = i + 1;
      await().until(() -> c.waiters() == queued);
    }
    AsyncCondition b = two.condition("orders");
    Permit signaller = b.acquire().get(5, TimeUnit.SECONDS);
    b.signal(2);
    assertThat(b.waiters()).isEqualTo(3);
    signaller.release();
    expectInOrder(waits.subList(0, 2), waits.subList(2, 5));
    signaller = one.condition("orders").acquire().get(5, TimeUnit.SECONDS);
    one.condition("orders").signalAll();
    assertThat(b.waiters()).isZero();
    signaller.release();
    expectInOrder(waits.subList(2, 5), List.of());
  }

  @Test
  void aCancelledSignalledWaiterPassesItsSignalToTheNext() throws Exception {
    AsyncCondition a = one.condition("handoff");
    AsyncCondition b = two.condition("handoff");
    CompletableFuture<Permit> cancelled = a.await(a.acquire().get(5, TimeUnit.SECONDS));
    await().until(() -> a.waiters() == 1);
    CompletableFuture<Permit> next = b.await(b.acquire().get(5, TimeUnit.SECONDS));
    await().until(() -> a.waiters() == 2);
    Permit signaller = b.acquire().get(5, TimeUnit.SECONDS);
    b.signal();
    assertThat(a.waiters()).isEqualTo(1);
    cancelled.cancel(false);
    await().until(() -> a.waiters() == 0);
    signaller.release();
    Permit permit = next.get(5, TimeUnit.SECONDS);
    assertThat(permit.token()).isGreaterThan(signaller.token());
    permit.release();
  }

  @Test
  void aCancelRacingTheGrantEitherTakesThePermitOrPassesTheSignalOn() throws Exception {
    AsyncCondition a = one.condition("race");
    AsyncCondition b = two.condition("race");
    int passedOn = 0;
    for (int round = 0; round < 30; round++) {
      CompletableFuture<Permit> racing = a.await(a.acquire().get(5, TimeUnit.SECONDS));
      await().until(() -> b.waiters() == 1);
      CompletableFuture<Permit> next = b.await(b.acquire().get(5, TimeUnit.SECONDS));
      await().until(() -> b.waiters() == 2);
      Permit signaller = b.acquire().get(5, TimeUnit.SECONDS);
      b.signal();
      signaller.release();
      if (racing.cancel(false)) {
        passedOn++;
      } else {
        racing.join().release();
        Permit again = b.acquire().get(5, TimeUnit.SECONDS);
        b.signal();
        again.release();
      }
      next.get(5, TimeUnit.SECONDS).release();
    }
    System.out.println("cancel racing a condition's grant: the signal passed on in " + passedOn
        + " of 30 rounds");
  }

  @Test
  void aWaiterCancelledBeforeItsSignalLeavesTheQueue() throws Exception {
    AsyncCondition a = one.condition("leaving");
    CompletableFuture<Permit> waiting = a.await(a.acquire().get(5, TimeUnit.SECONDS));
    await().until(() -> two.condition("leaving").waiters() == 1);
    waiting.cancel(false);
    await().until(() -> two.condition("leaving").waiters() == 0);
    assertThat(two.condition("leaving").lock().isLocked()).isFalse();
  }

  /** API.md: a cancelled waiter is withdrawn before its future fails. */
  @Test
  void aWaiterCancelledBeforeItsSignalNoLongerCountsWhenItsCancelIsSeen() throws Exception {
    AsyncCondition a = one.condition("cancel-seen");
    CompletableFuture<Permit> waiting = a.await(a.acquire().get(5, TimeUnit.SECONDS));
    await().until(() -> a.waiters() == 1);
    AtomicInteger waitersSeen = new AtomicInteger(-1);
    waiting.whenComplete((p, failure) -> waitersSeen.set(a.waiters()));

    assertThat(waiting.cancel(false)).isTrue();

    assertThat(waitersSeen).as("waiters() seen by the cancel's callback").hasValue(0);
    await().until(() -> !a.lock().isLocked());
  }

  /**
   * A wait whose JVM stopped renewing it (frozen) no longer counts once its lease has run out,
   * though no condition call has purged it since: waiters() counts live leases only, not the keys
   * Redis keeps for one more lease. The frozen JVM, renewing again, learns that its wait was
   * forgotten and re-acquires the lock without a signal.
   */
  @Test
  void aWaitWhoseLeaseRanOutNoLongerCountsBeforeAnyCallPurgesIt() throws Exception {
    AsyncCondition a = one.condition("lapsed");
    AsyncCondition b = two.condition("lapsed");
    CompletableFuture<Permit> lapsing = b.await(b.acquire().get(5, TimeUnit.SECONDS));
    await().until(() -> a.waiters() == 1);
    CountDownLatch timers = RedisFaultsTest.stallRenewals(two);
    try {
      await().atMost(SharedRedis.LEASE.plusSeconds(1)).until(() -> a.waiters() == 0);
    } finally {
      timers.countDown();
    }
    lapsing.get(5, TimeUnit.SECONDS).release();
  }

  @Test
  void aTimedOutWaiterHoldsNothingAndTakesNoSignal() throws Exception {
    AsyncCondition a = one.condition("timeouts");
    AsyncCondition b = two.condition("timeouts");
    CompletableFuture<Permit> unsignalled =
        a.await(a.acquire().get(5, TimeUnit.SECONDS), Duration.ofMillis(300));
    assertThatThrownBy(() -> unsignalled.get(5, TimeUnit.SECONDS))
        .hasCauseInstanceOf(AcquireTimeoutException.class);
    assertThat(b.waiters()).isZero();
    assertThat(b.lock().isLocked()).isFalse();

    CompletableFuture<Permit> signalled =
        a.await(a.acquire().get(5, TimeUnit.SECONDS), Duration.ofMillis(500));
    await().until(() -> b.waiters() == 1);
    Permit signaller = b.acquire().get(5, TimeUnit.SECONDS);
    b.signal();
    assertThatThrownBy(() -> signalled.get(5, TimeUnit.SECONDS))
        .as("timed out waiting for the lock after its signal")
        .hasCauseInstanceOf(AcquireTimeoutException.class);
    signaller.release();
    await().alias("the lock passed over the timed-out waiter, or returned its grant")
        .until(() -> !b.lock().isLocked());
  }

  /**
   * An await with a zero or negative timeout times out at once, as the local one does, and gives
   * the lock up all the same: its caller no longer holds the permit it passed.
   */
  @Test
  void anAwaitWithNoTimeLeftTimesOutAtOnceAndReleasesTheLock() throws Exception {
    AsyncCondition a = one.condition("no-time");
    for (Duration timeout : List.of(Duration.ZERO, Duration.ofMillis(-1))) {
      Permit held = a.acquire().get(5, TimeUnit.SECONDS);
      CompletableFuture<Permit> timedOut = a.await(held, timeout);
      assertThatThrownBy(timedOut::join).hasCauseInstanceOf(AcquireTimeoutException.class);
      assertThat(held.isReleased()).isTrue();
      assertThat(a.lock().tryAcquire()).as("the lock, free again (read after the release)")
          .hasValueSatisfying(Permit::release);
    }
  }

  @Test
  void awaitUntilWaitsAcrossSignalsUntilThePredicateHolds() throws Exception {
    AsyncCondition a = one.condition("stock");
    AsyncCondition b = two.condition("stock");
    AtomicInteger stock = new AtomicInteger();
    Permit held = a.acquire().get(5, TimeUnit.SECONDS);
    assertThat(a.awaitUntil(() -> true, held)).isCompletedWithValue(held);
    CompletableFuture<Permit> enough = a.awaitUntil(() -> stock.get() >= 2, held);
    for (int round = 1; round <= 2; round++) {
      int expected = round;
      await().until(() -> b.waiters() == 1);
      Permit producer = b.acquire().get(5, TimeUnit.SECONDS);
      stock.set(expected);
      b.signal();
      producer.release();
    }
    enough.get(5, TimeUnit.SECONDS).release();
  }

  /**
   * An awaitUntil woken by a signal that then ends without handing the lock to its caller (its
   * predicate throws) passes that signal on, as a withdrawn await does: the next wait wakes.
   */
  @Test
  void anAwaitUntilThatFailsAfterItsSignalPassesTheSignalOn() throws Exception {
    AsyncCondition a = one.condition("predicate-fails");
    AsyncCondition b = two.condition("predicate-fails");
    AtomicInteger checks = new AtomicInteger();
    CompletableFuture<Permit> failing = a.awaitUntil(() -> {
      if (checks.incrementAndGet() > 1) {
        throw new IllegalStateException("the predicate failed");
      }
      return false;
    }, a.acquire().get(5, TimeUnit.SECONDS));
    await().until(() -> b.waiters() == 1);
    CompletableFuture<Permit> next = b.await(b.acquire().get(5, TimeUnit.SECONDS));
    await().until(() -> b.waiters() == 2);
    Permit signaller = b.acquire().get(5, TimeUnit.SECONDS);
    b.signal();
    signaller.release();
    assertThatThrownBy(() -> failing.get(5, TimeUnit.SECONDS))
        .hasRootCauseMessage("the predicate failed");
    next.get(5, TimeUnit.SECONDS).release();
    await().until(() -> !b.lock().isLocked());
  }

  @Test
  void signallingWithoutTheLockOrAwaitingAnotherLocksPermitIsRefused() throws Exception {
    AsyncCondition a = one.condition("rules");
    assertThatThrownBy(a::signal).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(a::signalAll).isInstanceOf(IllegalStateException.class);
    Permit other = one.lock("another").acquire().get(5, TimeUnit.SECONDS);
    assertThatThrownBy(() -> a.await(other)).isInstanceOf(IllegalArgumentException.class);
    other.release();
    assertThatThrownBy(() -> a.await(other)).isInstanceOf(IllegalArgumentException.class);
  }

  /** {@code signal(n)} with {@code n} below one is refused, as a local condition's is. */
  @Test
  void aSignalOfNoWaitsIsRefusedAndWakesNobody() throws Exception {
    AsyncCondition a = one.condition("none");
    AsyncCondition b = two.condition("none");
    CompletableFuture<Permit> waiting = a.await(a.acquire().get(5, TimeUnit.SECONDS));
    await().until(() -> b.waiters() == 1);
    Permit signaller = b.acquire().get(5, TimeUnit.SECONDS);
    try {
      assertThatThrownBy(() -> b.signal(0)).isInstanceOf(IllegalArgumentException.class)
          .hasMessage("n must be positive, was 0");
      assertThatThrownBy(() -> b.signal(-1)).isInstanceOf(IllegalArgumentException.class)
          .hasMessage("n must be positive, was -1");
      assertThat(b.waiters()).isEqualTo(1);
    } finally {
      signaller.release();
    }
    assertThat(waiting).isNotDone();
    waiting.cancel(false);
    assertThat(a.waiters()).as("read where the wait was withdrawn").isZero();
  }

  /**
   * An await passed a permit its caller released already is refused up front, saying so, and
   * waits for nothing: not blamed on another owner releasing it meanwhile.
   */
  @Test
  void awaitingWithAPermitReleasedAlreadyIsRefusedSayingSo() throws Exception {
    AsyncCondition a = one.condition("released");
    Permit held = a.acquire().get(5, TimeUnit.SECONDS);
    held.release();
    assertThatThrownBy(() -> a.await(held)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("held permit " + held.token() + " was already released:");
    assertThatThrownBy(() -> a.awaitUntil(() -> false, held))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("held permit " + held.token() + " was already released:");
    assertThat(a.waiters()).isZero();
  }

  @Test
  void closingABackendFailsItsWaitsAndWithdrawsThem() throws Exception {
    RedisBackend leaving = RedisBackend.connect(server.uri(),
        RedisBackendOptions.DEFAULTS.withLease(SharedRedis.LEASE));
    AsyncCondition c = leaving.condition("closing");
    CompletableFuture<Permit> waiting = c.await(c.acquire().get(5, TimeUnit.SECONDS));
    await().until(() -> one.condition("closing").waiters() == 1);
    leaving.close();
    assertThat(waiting).isCompletedExceptionally();
    assertThat(one.condition("closing").waiters()).isZero();
  }

  @Test
  void aWaiterIsWokenEvenIfItsPubSubConnectionWasKilled() throws Exception {
    AsyncCondition a = one.condition("pubsub");
    CompletableFuture<Permit> waiting = a.await(a.acquire().get(5, TimeUnit.SECONDS));
    await().until(() -> a.waiters() == 1);
    Permit signaller = two.condition("pubsub").acquire().get(5, TimeUnit.SECONDS);
    server.cli("CLIENT", "KILL", "TYPE", "pubsub");
    two.condition("pubsub").signal();
    signaller.release();
    waiting.get(SharedRedis.LEASE.toMillis() * 2, TimeUnit.MILLISECONDS).release();
  }

  @Test
  void aKilledJvmsWaiterIsNeverSignalledAndLeavesWithinTheLease() throws Exception {
    AsyncCondition a = one.condition("killed");
    try (ChildJvm child = ChildJvm.start(server, SharedRedis.LEASE, "condition", "killed")) {
      child.expect("AWAITING", Duration.ofSeconds(30));
      await().alias("the child's wait in Redis; it printed " + child.unread())
          .until(() -> a.waiters() == 1);
      CompletableFuture<Permit> live = a.await(a.acquire().get(5, TimeUnit.SECONDS));
      await().until(() -> a.waiters() == 2);
      child.kill();
      Permit signaller = two.condition("killed").acquire().get(5, TimeUnit.SECONDS);
      two.condition("killed").signal();
      signaller.release();
      live.get(5, TimeUnit.SECONDS).release();
      await().atMost(SharedRedis.LEASE.multipliedBy(2)).until(() -> a.waiters() == 0);
      assertThat(child.unread()).noneMatch(line -> line.startsWith("SIGNALLED"));
    }
    await().alias("the dead wait, moved to the lock's queue, expires with its lease")
        .atMost(SharedRedis.LEASE.multipliedBy(3)).until(() -> server.keys().isEmpty());
  }

  /** Each of {@code woken} is granted in turn while the others wait; {@code asleep} stay so. */
  private static void expectInOrder(List<CompletableFuture<Permit>> woken,
      List<CompletableFuture<Permit>> asleep) throws ExecutionException, InterruptedException,
      java.util.concurrent.TimeoutException {
    long lastToken = 0;
    for (int i = 0; i < woken.size(); i++) {
      Permit p = woken.get(i).get(5, TimeUnit.SECONDS);
      assertThat(p.token()).isGreaterThan(lastToken);
      lastToken = p.token();
      for (CompletableFuture<Permit> later : woken.subList(i + 1, woken.size())) {
        assertThat(later).isNotDone();
      }
      for (CompletableFuture<Permit> waiting : asleep) {
        assertThat(waiting).isNotDone();
      }
      p.release();
    }
  }
}
