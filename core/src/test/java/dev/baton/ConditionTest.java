package dev.baton;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Behaviour of {@link AsyncCondition}: asyncio.Condition semantics plus the Baton fine points. */
class ConditionTest {

  private static final int STRESS = Integer.getInteger("baton.stress", 1);

  private final AsyncCondition condition = AsyncCondition.create();

  /** Acquires the condition's lock, which must be free. */
  private Permit lockNow() {
    CompletableFuture<Permit> f = condition.acquire();
    assertThat(f).as("the lock is free").isDone();
    return f.join();
  }

  /** Starts a wait: acquires the free lock, then awaits with that permit. */
  private CompletableFuture<Permit> startWaiting() {
    return condition.await(lockNow());
  }

  // ---------------------------------------------------------------- argument and state checks

  @Test
  void signalWithoutTheLockHeldThrowsIllegalStateExceptionWithAHelpfulMessage() {
    assertThatThrownBy(condition::signal).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("signal()").hasMessageContaining("lock to be held")
        .hasMessageContaining("acquire");
  }

  @Test
  void signalNWithoutTheLockHeldThrowsIllegalStateExceptionWithAHelpfulMessage() {
    CompletableFuture<Permit> waiter = startWaiting();

    assertThatThrownBy(() -> condition.signal(2)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("lock to be held").hasMessageContaining("acquire");
    assertThat(condition.waiters()).as("nobody was woken").isEqualTo(1);
    assertThat(waiter).isNotDone();
  }

  @Test
  void signalAllWithoutTheLockHeldThrowsIllegalStateExceptionWithAHelpfulMessage() {
    CompletableFuture<Permit> waiter = startWaiting();

    assertThatThrownBy(condition::signalAll).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("signalAll()").hasMessageContaining("lock to be held")
        .hasMessageContaining("acquire");
    assertThat(condition.waiters()).as("nobody was woken").isEqualTo(1);
    assertThat(waiter).isNotDone();
  }

  @ParameterizedTest(name = "signal({0})")
  @ValueSource(ints = {0, -1})
  void signalWithANonPositiveCountThrowsIllegalArgumentExceptionNamingN(int n) {
    Permit held = lockNow();

    assertThatThrownBy(() -> condition.signal(n)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("n ").hasMessageContaining(String.valueOf(n));
    held.release();
  }

  @Test
  void awaitWithAReleasedPermitThrowsIllegalArgumentException() {
    Permit stale = lockNow();
    stale.release();

    assertThatThrownBy(() -> condition.await(stale)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("already released");
    assertThatThrownBy(() -> condition.await(stale, Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> condition.awaitUntil(() -> true, stale))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(condition.waiters()).isZero();
    assertThat(condition.lock().isLocked()).isFalse();
  }

  @Test
  void awaitWithAPermitOfAnotherLockThrowsIllegalArgumentExceptionAndReleasesNothing() {
    AsyncLock other = AsyncLock.create();
    Permit foreign = other.acquire().join();

    assertThatThrownBy(() -> condition.await(foreign)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a permit of this condition's lock");
    assertThatThrownBy(() -> condition.await(foreign, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> condition.awaitUntil(() -> true, foreign))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(foreign.isReleased()).isFalse();
    assertThat(other.isLocked()).isTrue();
    assertThat(condition.waiters()).isZero();
  }

  @Test
  void nullArgumentsThrowNullPointerException() {
    Permit held = lockNow();

    assertThatThrownBy(() -> condition.await(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> condition.await(held, null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> condition.awaitUntil(null, held))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> AsyncCondition.create(null)).isInstanceOf(NullPointerException.class);
    assertThat(held.isReleased()).isFalse();
    assertThat(condition.waiters()).isZero();
  }

  // ---------------------------------------------------------------- waiting and signalling

  @Test
  void awaitReleasesTheLock() {
    Permit held = lockNow();

    CompletableFuture<Permit> waiter = condition.await(held);

    assertThat(held.isReleased()).isTrue();
    assertThat(condition.lock().isLocked()).isFalse();
    assertThat(waiter).isNotDone();
    assertThat(condition.waiters()).isEqualTo(1);
    assertThat(condition.acquire()).as("someone else can take the lock now").isDone();
  }

  @Test
  void aSignalledWaiterProceedsOnlyAfterTheSignallerReleasesAndThenHoldsTheLock() {
    CompletableFuture<Permit> waiter = startWaiting();
    AtomicBoolean lockedInCallback = new AtomicBoolean();
    AtomicBoolean permitLiveInCallback = new AtomicBoolean();
    waiter.thenAccept(p -> {
      lockedInCallback.set(condition.lock().isLocked());
      permitLiveInCallback.set(!p.isReleased());
    });
    Permit signaller = lockNow();

    condition.signal();

    assertThat(waiter).as("the signaller still holds the lock").isNotDone();
    assertThat(condition.waiters()).isZero();

    signaller.release();

    assertThat(waiter).isDone();
    Permit reacquired = waiter.join();
    assertThat(lockedInCallback).isTrue();
    assertThat(permitLiveInCallback).isTrue();
    assertThat(reacquired.isReleased()).isFalse();
    assertThat(reacquired.token()).isGreaterThan(signaller.token());
    assertThat(condition.lock().isLocked()).isTrue();
    assertThat(condition.lock().tryAcquire()).isEmpty();

    reacquired.release();
    assertThat(condition.lock().isLocked()).isFalse();
  }

  @Test
  void signalNWakesTheFirstNWaitersInFifoOrder() {
    List<Integer> order = new ArrayList<>();
    List<CompletableFuture<Permit>> waits = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      int id = i;
      CompletableFuture<Permit> w = startWaiting();
      w.thenAccept(p -> {
        order.add(id);
        p.release();
      });
      waits.add(w);
    }
    Permit signaller = lockNow();

    condition.signal(3);
    assertThat(condition.waiters()).isEqualTo(2);
    signaller.release();

    assertThat(order).containsExactly(0, 1, 2);
    assertThat(waits.subList(0, 3)).allMatch(CompletableFuture::isDone);
    assertThat(waits.subList(3, 5)).noneMatch(CompletableFuture::isDone);
    assertThat(condition.lock().isLocked()).isFalse();

    Permit again = lockNow();
    condition.signal();
    again.release();
    assertThat(order).containsExactly(0, 1, 2, 3);
    assertThat(condition.waiters()).isEqualTo(1);
  }

  @Test
  void signalWakesOnlyTheOldestWaiter() {
    CompletableFuture<Permit> first = startWaiting();
    CompletableFuture<Permit> second = startWaiting();
    Permit signaller = lockNow();

    condition.signal();
    signaller.release();

    assertThat(first).isDone();
    assertThat(second).isNotDone();
    assertThat(condition.waiters()).isEqualTo(1);
    first.join().release();
  }

  @Test
  void signalAllWakesEveryWaiterInFifoOrder() {
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      int id = i;
      startWaiting().thenAccept(p -> {
        order.add(id);
        p.release();
      });
    }
    Permit signaller = lockNow();

    condition.signalAll();
    assertThat(condition.waiters()).isZero();
    signaller.release();

    assertThat(order).containsExactly(0, 1, 2, 3);
    assertThat(condition.lock().isLocked()).isFalse();
  }

  @Test
  void aSignalWithNobodyWaitingIsNotRemembered() {
    Permit signaller = lockNow();
    condition.signal();
    signaller.release();

    CompletableFuture<Permit> late = startWaiting();

    assertThat(late).isNotDone();
    assertThat(condition.waiters()).isEqualTo(1);
  }

  @Test
  void waitersCountsOnlyThoseWaitingForASignal() {
    CompletableFuture<Permit> a = startWaiting();
    CompletableFuture<Permit> b = startWaiting();
    CompletableFuture<Permit> c = startWaiting();
    assertThat(condition.waiters()).isEqualTo(3);
    Permit signaller = lockNow();

    condition.signal(2);

    assertThat(condition.waiters()).as("a and b now wait for the lock, not for a signal")
        .isEqualTo(1);
    assertThat(condition.lock().waiters()).isEqualTo(2);
    signaller.release();
    assertThat(condition.waiters()).isEqualTo(1);
    assertThat(a).isDone();
    assertThat(b).isNotDone();
    assertThat(c).isNotDone();
  }

  // ---------------------------------------------------------------- awaitUntil

  @Test
  void awaitUntilReturnsHeldItselfWhenThePredicateIsAlreadyTrue() {
    Permit held = lockNow();
    AtomicBoolean lockedDuringCheck = new AtomicBoolean();

    CompletableFuture<Permit> f = condition.awaitUntil(() -> {
      lockedDuringCheck.set(condition.lock().isLocked());
      return true;
    }, held);

    assertThat(f).isDone();
    assertThat(f.join()).isSameAs(held);
    assertThat(held.isReleased()).isFalse();
    assertThat(lockedDuringCheck).isTrue();
    assertThat(condition.waiters()).isZero();
  }

  @Test
  void awaitUntilKeepsWaitingAcrossSignalsWhileThePredicateIsFalse() {
    AtomicInteger value = new AtomicInteger();
    AtomicInteger checks = new AtomicInteger();
    List<Boolean> lockedDuringChecks = new ArrayList<>();
    CompletableFuture<Permit> f = condition.awaitUntil(() -> {
      checks.incrementAndGet();
      lockedDuringChecks.add(condition.lock().isLocked());
      return value.get() >= 3;
    }, lockNow());
    assertThat(checks).hasValue(1);
    assertThat(condition.lock().isLocked()).isFalse();

    for (int i = 1; i <= 2; i++) {
      Permit producer = lockNow();
      value.set(i);
      condition.signal();
      producer.release();
      assertThat(f).as("predicate still false after value %d", i).isNotDone();
      assertThat(condition.waiters()).isEqualTo(1);
      assertThat(condition.lock().isLocked()).isFalse();
    }
    Permit producer = lockNow();
    value.set(3);
    condition.signal();
    producer.release();

    assertThat(f).isDone();
    assertThat(f.join().isReleased()).isFalse();
    assertThat(condition.lock().isLocked()).isTrue();
    assertThat(checks).hasValue(4);
    assertThat(lockedDuringChecks).containsOnly(true);
    assertThat(condition.waiters()).isZero();
  }

  @Test
  void awaitUntilWithAPredicateThatThrowsAtOnceFailsTheFutureAndReleasesTheLock() {
    Permit held = lockNow();
    IllegalStateException boom = new IllegalStateException("boom");

    CompletableFuture<Permit> f = condition.awaitUntil(() -> {
      throw boom;
    }, held);

    assertThat(f).isCompletedExceptionally();
    assertThatThrownBy(f::join).isInstanceOf(CompletionException.class).hasCause(boom);
    assertThat(held.isReleased()).isTrue();
    assertThat(condition.lock().isLocked()).isFalse();
    assertThat(condition.waiters()).isZero();
  }

  @Test
  void awaitUntilWithAPredicateThatThrowsAfterASignalFailsTheFutureAndReleasesTheLock() {
    AtomicInteger checks = new AtomicInteger();
    IllegalStateException boom = new IllegalStateException("boom");
    CompletableFuture<Permit> f = condition.awaitUntil(() -> {
      if (checks.incrementAndGet() > 1) {
        throw boom;
      }
      return false;
    }, lockNow());
    Permit producer = lockNow();

    condition.signal();
    producer.release();

    assertThat(f).isCompletedExceptionally();
    assertThatThrownBy(f::join).hasCause(boom);
    assertThat(condition.lock().isLocked()).isFalse();
    assertThat(condition.waiters()).isZero();
  }

  @Test
  void cancellingAnAwaitUntilWithdrawsItAndHoldsNoPermit() {
    CompletableFuture<Permit> f = condition.awaitUntil(() -> false, lockNow());
    assertThat(condition.waiters()).isEqualTo(1);

    assertThat(f.cancel(false)).isTrue();

    assertThat(condition.waiters()).isZero();
    assertThat(condition.lock().isLocked()).isFalse();
  }

  /**
   * The lost wake-up of ASYNCIO-SEMANTICS.md with {@code awaitUntil}: cancelled once a signal
   * woke it, before it has the lock again, it passes the signal to the next waiter.
   */
  @Test
  void anAwaitUntilCancelledAfterASignalWokeItPassesTheSignalToTheNextWaiter() {
    CompletableFuture<Permit> until = condition.awaitUntil(() -> false, lockNow());
    CompletableFuture<Permit> next = startWaiting();
    Permit signaller = lockNow();
    condition.signal();
    assertThat(condition.waiters()).as("the signal woke the awaitUntil").isOne();

    assertThat(until.cancel(false)).isTrue();
    signaller.release();

    assertThat(next).as("the signal passed on").isCompleted();
    assertThat(condition.waiters()).isZero();
    next.join().release();
    assertThat(condition.lock().isLocked()).isFalse();
  }

  // ---------------------------------------------------------------- cancellation and lost wake-ups

  @Test
  void cancelWhileWaitingForASignalWithdrawsTheWaiterAndHoldsNoPermit() {
    CompletableFuture<Permit> cancelled = startWaiting();
    CompletableFuture<Permit> kept = startWaiting();
    assertThat(condition.waiters()).isEqualTo(2);

    assertThat(cancelled.cancel(true)).isTrue();

    assertThat(cancelled).isCancelled();
    assertThat(condition.waiters()).isEqualTo(1);
    assertThat(condition.lock().isLocked()).isFalse();

    Permit signaller = lockNow();
    condition.signal();
    signaller.release();
    assertThat(kept).as("the one signal goes to the waiter still waiting").isDone();
    assertThat(cancelled).isCancelled();
  }

  /**
   * Regression (asyncio gh-112202 style): a signal taken by a waiter that is cancelled before it
   * gets the lock must not be lost.
   */
  @Test
  void aSignalledWaiterCancelledBeforeItGetsTheLockPassesItsSignalToTheNextWaiter() {
    CompletableFuture<Permit> first = startWaiting();
    CompletableFuture<Permit> second = startWaiting();
    Permit producer = lockNow();
    condition.signal();
    assertThat(condition.waiters()).isEqualTo(1);

    assertThat(first.cancel(false)).isTrue();
    producer.release();

    assertThat(first).isCancelled();
    assertThat(second).as("the signal passed on to the second consumer").isDone();
    Permit p = second.join();
    assertThat(p.isReleased()).isFalse();
    assertThat(condition.waiters()).isZero();
    assertThat(condition.lock().waiters()).isZero();
    p.release();
    assertThat(condition.lock().isLocked()).isFalse();
  }

  /**
   * A signalled waiter cancelled once its re-acquired permit is decided but before it is
   * delivered (it waits on the releasing thread behind other callbacks) loses: the cancel
   * completes it with the permit, so it holds the lock, and the signal stays used. Regression,
   * twice over: such a cancel once returned false with the wait still pending, and later won and
   * passed signal and lock on, although the lock was already seen handed over.
   */
  @Test
  void aSignalledWaiterCancelledWhileItsPermitIsInTransitLosesAndHoldsTheLock() {
    CompletableFuture<Permit> a = startWaiting();
    CompletableFuture<Permit> b = startWaiting();
    CompletableFuture<Permit> c = startWaiting();
    Permit producer = lockNow();
    condition.signal(2);
    AsyncEvent cue = AsyncEvent.create();
    AtomicBoolean bDoneWhenCancelled = new AtomicBoolean(true);
    AtomicBoolean cancelled = new AtomicBoolean(true);
    AtomicBoolean bDoneAfterCancel = new AtomicBoolean();
    a.thenAccept(p -> {
      p.release(); // the lock goes to B, whose permit is decided only after this callback
      cue.set(); // so the cue's callback runs once B's permit is decided, before it is delivered
    });
    cue.await().thenRun(() -> {
      bDoneWhenCancelled.set(b.isDone());
      cancelled.set(b.cancel(false));
      bDoneAfterCancel.set(b.isDone());
    });

    producer.release();

    assertThat(bDoneWhenCancelled).as("B was still in transit when cancelled").isFalse();
    assertThat(cancelled).as("the cancel lost").isFalse();
    assertThat(bDoneAfterCancel).as("the losing cancel completed B").isTrue();
    assertThat(b.join().isReleased()).isFalse();
    assertThat(c).as("C still waits for a signal").isNotDone();
    assertThat(condition.waiters()).isOne();
    b.join().release();
    assertThat(condition.lock().isLocked()).as("nothing held afterwards").isFalse();
    assertThat(c).isNotDone();
  }

  /**
   * An awaitUntil whose predicate held after a signal, cancelled before the grant is delivered,
   * loses as any wait does: it holds the lock, and the signal it took stays used.
   */
  @Test
  void anAwaitUntilCancelledWhileItsGrantIsInTransitLosesAndHoldsTheLock() {
    AtomicBoolean ready = new AtomicBoolean();
    CompletableFuture<Permit> until = condition.awaitUntil(ready::get, lockNow());
    CompletableFuture<Permit> other = startWaiting();
    Permit producer = lockNow();
    ready.set(true);
    condition.signal();
    AsyncEvent start = AsyncEvent.create();
    AsyncEvent first = AsyncEvent.create();
    AsyncEvent second = AsyncEvent.create();
    AtomicBoolean doneWhenCancelled = new AtomicBoolean(true);
    AtomicBoolean cancelled = new AtomicBoolean(true);
    // Each step runs as a grant's callback, so what it grants waits behind it: the release's
    // grants and the first cue, then the awaitUntil's own grant and the second cue.
    start.await().thenRun(() -> {
      producer.release();
      first.set();
    });
    first.await().thenRun(second::set);
    second.await().thenRun(() -> {
      doneWhenCancelled.set(until.isDone());
      cancelled.set(until.cancel(false));
    });

    start.set();

    assertThat(doneWhenCancelled).as("awaitUntil was still in transit when cancelled").isFalse();
    assertThat(cancelled).as("the cancel lost").isFalse();
    assertThat(until.join().isReleased()).isFalse();
    assertThat(other).as("the other waiter still waits for a signal").isNotDone();
    assertThat(condition.waiters()).isOne();
    until.join().release();
    assertThat(condition.lock().isLocked()).as("nothing held afterwards").isFalse();
  }

  /** Regression: as above, but the signalled waiter times out while queued for the lock. */
  @Test
  void aSignalledWaiterThatTimesOutBeforeItGetsTheLockPassesItsSignalToTheNextWaiter()
      throws Exception {
    CompletableFuture<Permit> first = condition.await(lockNow(), Duration.ofMillis(200));
    CompletableFuture<Permit> second = startWaiting();
    Permit producer = lockNow();
    condition.signal();
    assumeTrue(condition.waiters() == 1, "the signal reached first before its timeout");

    Awaitility.await().atMost(Duration.ofSeconds(5)).until(first::isDone);
    assertThatThrownBy(first::join).hasCauseInstanceOf(AcquireTimeoutException.class);
    assertThat(condition.lock().waiters()).as("the signal moved on to second").isEqualTo(1);
    producer.release();

    Permit p = second.get(5, SECONDS);
    assertThat(p.isReleased()).isFalse();
    p.release();
    assertThat(condition.lock().isLocked()).isFalse();
  }

  @Test
  void aSignalledWaiterRacingCancelAgainstTheSignallersReleaseNeverLosesTheWakeUp()
      throws Exception {
    int rounds = 2_000 * STRESS;
    for (int round = 0; round < rounds; round++) {
      AsyncCondition c = AsyncCondition.create();
      CompletableFuture<Permit> first = c.await(c.acquire().join());
      CompletableFuture<Permit> second = c.await(c.acquire().join());
      Permit producer = c.acquire().join();
      CountDownLatch start = new CountDownLatch(1);
      AtomicReference<Boolean> cancelled = new AtomicReference<>();
      Thread canceller = new Thread(() -> {
        awaitLatch(start);
        cancelled.set(first.cancel(false));
      });
      canceller.start();
      start.countDown();
      c.signal();
      producer.release();
      canceller.join(SECONDS.toMillis(10));

      assertThat(first).isDone();
      assertThat(first.isCancelled()).isEqualTo(cancelled.get());
      if (cancelled.get()) {
        assertThat(second).as("round %d: the signal was lost", round).isDone();
        second.join().release();
      } else {
        assertThat(second).as("round %d: one signal woke two waiters", round).isNotDone();
        first.join().release();
        assertThat(c.waiters()).isEqualTo(1);
        assertThat(second.cancel(false)).isTrue();
      }
      assertThat(c.lock().isLocked()).as("round %d: a permit leaked", round).isFalse();
      assertThat(c.waiters()).isZero();
      assertThat(c.lock().waiters()).isZero();
    }
  }

  /**
   * Regression: an await whose {@code held} permit is released by another party between the
   * liveness check and the release fails, and must not leave behind a waiter that nobody holds the
   * future of. Such a waiter swallows the next signal, re-acquires the lock and holds it forever.
   *
   * <p>The interleaving is forced with a lock that behaves exactly like {@link AsyncLock#create()}
   * but whose permit is closed by its other holder right after the condition checked it. The same
   * race happens with the real lock (about 1 in 20,000 tries of concurrent {@code await(p)} and
   * {@code p.close()}).
   */
  @Test
  void anAwaitWhoseHeldPermitIsReleasedConcurrentlyLeavesNoWaiterBehindToSwallowASignal() {
    AsyncLock real = AsyncLock.create();
    AsyncCondition c = AsyncCondition.create(delegatingTo(real));
    Permit racing = closedByItsOtherHolderRightAfterTheLivenessCheck(real.acquire().join());

    assertThatThrownBy(() -> c.await(racing)).isInstanceOf(RuntimeException.class);

    assertThat(c.waiters()).as("the failed await left a waiter behind").isZero();
    CompletableFuture<Permit> consumer = c.await(real.acquire().join());
    Permit producer = real.acquire().join();
    c.signal();
    producer.release();
    assertThat(consumer).as("the signal went to the consumer").isDone();
    consumer.join().release();
    assertThat(real.isLocked()).as("nobody holds the lock").isFalse();
  }

  /**
   * As above, for an await with a zero or negative timeout, which releases its permit and times
   * out at once: the permit released by its other holder meanwhile is not a live permit of the
   * lock, an {@link IllegalArgumentException} as for every await (API.md), not the permit's own
   * {@link IllegalStateException} (a zero or negative timeout never throws otherwise).
   */
  @Test
  void aZeroTimeoutAwaitWhoseHeldPermitIsReleasedConcurrentlyThrowsIllegalArgumentException() {
    AsyncLock real = AsyncLock.create();
    AsyncCondition c = AsyncCondition.create(delegatingTo(real));
    for (Duration timeout : List.of(Duration.ZERO, Duration.ofMillis(-1))) {
      Permit racing = closedByItsOtherHolderRightAfterTheLivenessCheck(real.acquire().join());

      assertThatThrownBy(() -> c.await(racing, timeout))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("released by someone else");
      assertThat(real.isLocked()).as("nobody holds the lock").isFalse();
    }
  }

  /**
   * The neighbour of the test above: by the time await's own release of its permit fails, the
   * lock went free, a signal came and the waiter's re-acquire won the lock. That grant is final,
   * and nobody can reach the waiter of a failed await: the signal passes on and the lock goes
   * back.
   */
  @Test
  void anAwaitWhoseWaiterWasRegrantedBeforeItsReleaseFailedLeavesTheLockFreeAndPassesTheSignal() {
    AsyncLock real = AsyncLock.create();
    AsyncCondition c = AsyncCondition.create(delegatingTo(real));
    AtomicReference<CompletableFuture<Permit>> other = new AtomicReference<>();
    Permit shared = real.acquire().join();
    Permit racing = new Permit() {
      @Override public boolean isReleased() { return shared.isReleased(); }
      @Override public long token() { return shared.token(); }
      @Override public void close() { shared.close(); }
      @Override public void release() {
        shared.close(); // the other holder lets go first
        Permit third = real.acquire().join();
        c.signal(); // the failing await's waiter takes this signal and queues for the lock
        other.set(c.await(third)); // another waiter; its release grants the first the lock
        shared.release(); // only now does the failing await's own release fail
      }
    };

    assertThatThrownBy(() -> c.await(racing)).isInstanceOf(IllegalArgumentException.class);

    assertThat(c.waiters()).isZero();
    assertThat(other.get()).as("the signal passed on to the other waiter").isCompleted();
    other.get().join().release();
    assertThat(real.isLocked()).as("nobody holds the lock").isFalse();
  }

  /**
   * A lock given to {@code create(lock)} may fail an acquire (a registry's lock refusing it in
   * strict mode, say): a signalled wait whose re-acquire fails fails with that cause. Regression
   * (found by review): the failure was taken for the cancel of an abandoned re-acquire, and the
   * wait never ended.
   */
  @Test
  void aSignalledWaitWhoseLockFailsToComeBackFailsWithTheLocksFailure() {
    AsyncLock real = AsyncLock.create();
    AtomicBoolean refuse = new AtomicBoolean();
    IllegalStateException refusal = new IllegalStateException("refused");
    AsyncCondition c = AsyncCondition.create(delegatingTo(real,
        () -> refuse.get() ? CompletableFuture.failedFuture(refusal) : real.acquire()));
    CompletableFuture<Permit> waiting = c.await(real.acquire().join());
    Permit signaller = real.acquire().join();
    refuse.set(true);

    c.signal();

    assertThat(waiting).as("the wait ended").isCompletedExceptionally();
    assertThatThrownBy(waiting::join).hasCause(refusal);
    assertThat(c.waiters()).isZero();
    signaller.release();
    assertThat(real.isLocked()).isFalse();
  }

  /** An {@link AsyncLock} that only delegates (so the condition cannot check permit ownership). */
  private static AsyncLock delegatingTo(AsyncLock lock) {
    return delegatingTo(lock, lock::acquire);
  }

  /** {@link #delegatingTo(AsyncLock)}, whose {@code acquire()} is {@code acquire}'s. */
  private static AsyncLock delegatingTo(AsyncLock lock,
      java.util.function.Supplier<CompletableFuture<Permit>> acquire) {
    return new AsyncLock() {
      @Override public CompletableFuture<Permit> acquire() { return acquire.get(); }
      @Override public CompletableFuture<Permit> acquire(Duration timeout) {
        return lock.acquire(timeout);
      }
      @Override public java.util.Optional<Permit> tryAcquire() { return lock.tryAcquire(); }
      @Override public boolean isLocked() { return lock.isLocked(); }
      @Override public int waiters() { return lock.waiters(); }
      @Override public <T> CompletableFuture<T> withLock(
          java.util.function.Supplier<? extends java.util.concurrent.CompletionStage<T>> action) {
        return lock.withLock(action);
      }
    };
  }

  /**
   * A view of {@code shared}, a permit two parties hold, in which the other party's
   * {@code close()} lands right after the first {@code isReleased()} check reports it live.
   */
  private static Permit closedByItsOtherHolderRightAfterTheLivenessCheck(Permit shared) {
    return new Permit() {
      private boolean otherPartyClosed;
      @Override public boolean isReleased() {
        boolean released = shared.isReleased();
        if (!released && !otherPartyClosed) {
          otherPartyClosed = true;
          shared.close();
        }
        return released;
      }
      @Override public void release() { shared.release(); }
      @Override public long token() { return shared.token(); }
      @Override public void close() { shared.close(); }
    };
  }

  // ---------------------------------------------------------------- SignalledWait

  @Test
  void aWaitsSignalledActionRunsOnceWhenASignalWakesItNotBefore() {
    AtomicInteger ran = new AtomicInteger();
    CompletableFuture<Permit> waiting = condition.await(lockNow());
    ((SignalledWait) waiting).whenSignalled(ran::incrementAndGet);
    Permit signaller = lockNow();
    assertThat(ran).as("before any signal").hasValue(0);

    condition.signal();

    assertThat(ran).as("once signalled, before the lock came").hasValue(1);
    assertThat(waiting).isNotDone();
    signaller.release();
    waiting.join().release();
    assertThat(ran).hasValue(1);
  }

  @Test
  void anActionGivenAfterTheSignalRunsAtOnceAndOnlyOneMayBeGiven() {
    CompletableFuture<Permit> waiting = condition.await(lockNow());
    Permit signaller = lockNow();
    condition.signal();
    AtomicInteger ran = new AtomicInteger();

    ((SignalledWait) waiting).whenSignalled(ran::incrementAndGet);

    assertThat(ran).hasValue(1);
    assertThatThrownBy(() -> ((SignalledWait) waiting).whenSignalled(ran::incrementAndGet))
        .isInstanceOf(IllegalStateException.class);
    signaller.release();
    waiting.join().release();
  }

  @Test
  void aWaitWithdrawnBeforeAnySignalNeverRunsItsActionAndAnHeirRunsItsOwn() {
    AtomicInteger firstRan = new AtomicInteger();
    AtomicInteger heirRan = new AtomicInteger();
    CompletableFuture<Permit> first = condition.await(lockNow());
    ((SignalledWait) first).whenSignalled(firstRan::incrementAndGet);
    CompletableFuture<Permit> heir = condition.await(lockNow());
    ((SignalledWait) heir).whenSignalled(heirRan::incrementAndGet);
    CompletableFuture<Permit> untouched = condition.await(lockNow());
    AtomicInteger untouchedRan = new AtomicInteger();
    ((SignalledWait) untouched).whenSignalled(untouchedRan::incrementAndGet);
    Permit signaller = lockNow();
    condition.signal(); // the first takes it

    first.cancel(false); // and hands it on to the heir

    assertThat(firstRan).as("the first was signalled before it withdrew").hasValue(1);
    assertThat(heirRan).as("the heir was handed the signal").hasValue(1);
    assertThat(untouchedRan).hasValue(0);
    untouched.cancel(false);
    assertThat(untouchedRan).as("withdrawn before any signal").hasValue(0);
    signaller.release();
    heir.join().release();
  }

  /**
   * A signalled wait that times out before it has the lock back hands its signal on, on the
   * timeouts' expiry thread, which must run no user code: the heir's action runs on a completer.
   * Regression (found by review): it ran on the expiry thread, and a stall view's refusal there
   * completed the heir's future, running its callbacks on that thread.
   */
  @Test
  void anHeirsActionForASignalHandedOnByATimeoutRunsOffTheExpiryThread() {
    CompletableFuture<Permit> first = condition.await(lockNow(), Duration.ofMillis(20));
    CompletableFuture<Permit> heir = condition.await(lockNow());
    CompletableFuture<String> ranOn = new CompletableFuture<>();
    ((SignalledWait) heir).whenSignalled(() -> ranOn.complete(Thread.currentThread().getName()));
    Permit signaller = lockNow();
    condition.signal(); // the first takes it, then times out waiting for the lock

    assertThatThrownBy(first::join).hasCauseInstanceOf(AcquireTimeoutException.class);

    assertThat(ranOn.join()).as("the thread the heir's action ran on")
        .startsWith("baton-timeouts-completer-");
    signaller.release();
    heir.join().release();
  }

  // ---------------------------------------------------------------- timeouts

  @Test
  void aTimeoutWhileWaitingForASignalFailsWithAcquireTimeoutExceptionAndHoldsNoPermit()
      throws Exception {
    Duration timeout = Duration.ofMillis(30);
    AtomicInteger waitersSeenInCallback = new AtomicInteger(-1);
    CompletableFuture<Permit> timed = condition.await(lockNow(), timeout);
    CompletableFuture<Throwable> observed = new CompletableFuture<>();
    timed.whenComplete((p, e) -> {
      waitersSeenInCallback.set(condition.waiters());
      observed.complete(e);
    });

    Throwable failure = observed.get(5, SECONDS);

    assertThat(failure).isInstanceOf(AcquireTimeoutException.class);
    assertThat(((AcquireTimeoutException) failure).timeout()).isEqualTo(timeout);
    assertThat(waitersSeenInCallback).hasValue(0);
    assertThat(condition.lock().isLocked()).isFalse();
    CompletableFuture<Permit> next = condition.acquire();
    assertThat(next).as("the lock is usable afterwards").isDone();
    next.join().release();
  }

  @Test
  void aTimeoutWhileReacquiringTheLockHoldsNoPermitAndLeavesTheLockUsable() throws Exception {
    CompletableFuture<Permit> timed = condition.await(lockNow(), Duration.ofMillis(200));
    Permit signaller = lockNow();
    assumeFalse(timed.isDone(), "the signal must reach the waiter before its timeout");
    condition.signal();
    assertThat(condition.lock().waiters()).isEqualTo(1);

    Awaitility.await().atMost(Duration.ofSeconds(5)).until(timed::isDone);

    assertThatThrownBy(timed::join).hasCauseInstanceOf(AcquireTimeoutException.class);
    assertThat(condition.lock().waiters()).isZero();
    signaller.release();
    assertThat(condition.lock().isLocked()).isFalse();
    CompletableFuture<Permit> next = condition.acquire();
    assertThat(next).isDone();
    next.join().release();
  }

  @ParameterizedTest(name = "timeout {0} ms")
  @ValueSource(longs = {0, -1})
  void awaitWithAZeroOrNegativeTimeoutReleasesHeldAndTimesOutAtOnce(long millis) {
    Permit held = lockNow();

    CompletableFuture<Permit> f = condition.await(held, Duration.ofMillis(millis));

    assertThat(f).isCompletedExceptionally();
    assertThatThrownBy(f::join).hasCauseInstanceOf(AcquireTimeoutException.class);
    assertThat(held.isReleased()).isTrue();
    assertThat(condition.lock().isLocked()).isFalse();
    assertThat(condition.waiters()).isZero();
  }

  // ---------------------------------------------------------------- shared lock

  @Test
  void twoConditionsOverOneSharedLockSignalOnlyTheirOwnWaiters() {
    AsyncLock lock = AsyncLock.create();
    AsyncCondition notEmpty = AsyncCondition.create(lock);
    AsyncCondition notFull = AsyncCondition.create(lock);
    assertThat(notEmpty.lock()).isSameAs(lock);
    assertThat(notFull.lock()).isSameAs(lock);

    CompletableFuture<Permit> consumer = notEmpty.await(notEmpty.acquire().join());
    CompletableFuture<Permit> producer = notFull.await(lock.acquire().join());
    assertThat(lock.isLocked()).isFalse();
    assertThat(notEmpty.waiters()).isEqualTo(1);
    assertThat(notFull.waiters()).isEqualTo(1);

    Permit p = lock.acquire().join();
    notEmpty.signal();
    p.release();

    assertThat(consumer).isDone();
    assertThat(producer).isNotDone();
    assertThat(notFull.waiters()).isEqualTo(1);

    Permit consumerPermit = consumer.join();
    notFull.signal();
    consumerPermit.release();

    assertThat(producer).isDone();
    Permit producerPermit = producer.join();
    assertThat(lock.isLocked()).isTrue();
    assertThat(producerPermit.isReleased()).isFalse();
    producerPermit.release();
    assertThat(lock.isLocked()).isFalse();
  }

  @Test
  void aConditionOverASharedLockAcceptsAPermitTakenDirectlyFromThatLock() {
    AsyncLock lock = AsyncLock.create();
    AsyncCondition c = AsyncCondition.create(lock);

    CompletableFuture<Permit> w = c.await(lock.acquire().join());

    assertThat(w).isNotDone();
    assertThat(lock.isLocked()).isFalse();
    assertThat(c.waiters()).isEqualTo(1);
  }

  @ParameterizedTest
  @ValueSource(longs = {0, -5})
  void aZeroOrNegativeTimeoutAwaitTimesOutAtOnceWithoutThrowingAndHoldsNoPermit(long millis) {
    Permit held = lockNow();
    CompletableFuture<Permit> queued = condition.acquire();

    CompletableFuture<Permit> f = condition.await(held, Duration.ofMillis(millis));

    assertThat(f).isCompletedExceptionally();
    assertThatThrownBy(f::join).hasCauseInstanceOf(AcquireTimeoutException.class);
    assertThat(held.isReleased()).as("await released the permit it was given").isTrue();
    assertThat(condition.waiters()).isZero();
    assertThat(queued).as("the lock passed to the next in line").isCompleted();
    queued.join().release();
    assertThat(condition.lock().isLocked()).isFalse();
  }

  @Test
  void signalNWithMoreThanAreWaitingWakesEveryWaiterAndRemembersNothing() {
    CompletableFuture<Permit> a = startWaiting();
    CompletableFuture<Permit> b = startWaiting();
    Permit signaller = lockNow();

    condition.signal(5);
    assertThat(condition.waiters()).isZero();
    signaller.release();

    assertThat(a).isCompleted();
    a.join().release();
    assertThat(b).isCompleted();
    b.join().release();
    CompletableFuture<Permit> later = startWaiting();
    assertThat(later).as("the surplus of the signal is not remembered").isNotDone();
    assertThat(condition.waiters()).isOne();
  }

  @Test
  void awaitUntilEvaluatesThePredicateOnlyWhileTheLockIsHeld() {
    List<Boolean> lockedAtEachCheck = new ArrayList<>();
    AtomicBoolean ready = new AtomicBoolean();
    CompletableFuture<Permit> until = condition.awaitUntil(() -> {
      lockedAtEachCheck.add(condition.lock().isLocked());
      return ready.get();
    }, lockNow());
    assertThat(condition.lock().isLocked()).as("awaitUntil let the lock go").isFalse();

    Permit signaller = lockNow();
    condition.signal();
    signaller.release();
    assertThat(until).isNotDone();
    assertThat(condition.waiters()).isOne();

    Permit producer = lockNow();
    ready.set(true);
    condition.signalAll();
    producer.release();

    assertThat(until).isCompleted();
    assertThat(lockedAtEachCheck).containsExactly(true, true, true);
    assertThat(condition.lock().isLocked()).isTrue();
    until.join().release();
    assertThat(condition.lock().isLocked()).isFalse();
  }

  @Test
  void awaitCompletesWithANewPermitWhoseFencingTokenIsHigherThanTheOneItGaveUp() {
    Permit held = lockNow();
    CompletableFuture<Permit> f = condition.await(held);
    Permit signaller = lockNow();
    condition.signal();
    signaller.release();

    Permit again = f.join();
    assertThat(again).isNotSameAs(held);
    assertThat(held.isReleased()).isTrue();
    assertThat(again.isReleased()).isFalse();
    assertThat(again.token()).isGreaterThan(signaller.token()).isGreaterThan(held.token());
    again.release();
  }

  /** README, "Permits": the permit an await gave up is stale and never releases its new one. */
  @Test
  void thePermitGivenToAwaitIsStaleOnceItReacquiresAndNeverReleasesTheNewPermit() {
    Permit held = lockNow();
    CompletableFuture<Permit> f = condition.await(held);
    Permit signaller = lockNow();
    condition.signal();
    signaller.release();
    Permit again = f.join();

    assertThatThrownBy(held::release).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("already released");
    held.close();
    signaller.close();

    assertThat(again.isReleased()).isFalse();
    assertThat(condition.lock().isLocked()).isTrue();
    again.release();
    assertThat(condition.lock().isLocked()).isFalse();
  }

  @Test
  void signalAcceptsTheLockHeldByAnyoneSinceTheLockHasNoOwningThread() throws Exception {
    CompletableFuture<Permit> waiter = startWaiting();
    Permit heldElsewhere = lockNow();
    Thread other = new Thread(condition::signal);

    other.start();
    other.join(SECONDS.toMillis(10));

    assertThat(condition.waiters()).isZero();
    heldElsewhere.release();
    assertThat(waiter).isDone();
  }

  // ---------------------------------------------------------------- threads

  @Test
  void theReleaseAfterASignalCompletesTheWaiterOnTheReleasingThreadBeforeItReturns()
      throws Exception {
    CompletableFuture<Permit> waiter = startWaiting();
    AtomicReference<Thread> callbackThread = new AtomicReference<>();
    waiter.thenRun(() -> callbackThread.set(Thread.currentThread()));
    Permit signaller = lockNow();
    condition.signal();
    AtomicBoolean doneRightAfter = new AtomicBoolean();
    Thread releaser = new Thread(() -> {
      signaller.release();
      doneRightAfter.set(waiter.isDone());
    });

    releaser.start();
    releaser.join(SECONDS.toMillis(10));

    assertThat(doneRightAfter).isTrue();
    assertThat(callbackThread).hasValue(releaser);
  }

  /**
   * A producer that, holding the lock, adds a unit, signals, queues its next turn and releases
   * hands the lock to the awaitUntil's re-acquire each time, and the re-acquire back to the
   * producer: 100,000 hand-offs, which must run in constant stack as every other chain does.
   * Regression (found by review): each round whose re-acquire completed before awaitUntil
   * registered its callback ran the next round nested inside it, and overflowed the stack.
   */
  @Test
  void anAwaitUntilFedByAHundredThousandHandOffsDoesNotOverflowTheStack() {
    int n = 100_000;
    AtomicInteger units = new AtomicInteger();
    Runnable[] produce = new Runnable[1];
    produce[0] = () -> condition.acquire().thenAccept(p -> {
      units.incrementAndGet();
      condition.signal();
      if (units.get() < n) {
        produce[0].run(); // queues behind the re-acquire this signal started
      }
      p.release();
    });
    Permit held = lockNow();
    produce[0].run();

    CompletableFuture<Permit> satisfied = condition.awaitUntil(() -> units.get() >= n, held);

    assertThat(satisfied).succeedsWithin(Duration.ofSeconds(30));
    assertThat(units).hasValue(n);
    satisfied.join().release();
    assertThat(condition.lock().isLocked()).as("the lock is free again").isFalse();
    assertThat(condition.waiters()).isZero();
  }

  private static void awaitLatch(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * A wait cancelled after a signal unlinked it but before its re-acquire reached the lock (here
   * from inside the lock's acquire()) abandons that re-acquire: no acquire stays queued on the
   * lock for nobody, to take the lock and give it back once the signaller lets go.
   */
  @Test
  void aWaitCancelledBeforeItsReacquireReachesTheLockLeavesNoAcquireQueuedThere() {
    AsyncLock real = AsyncLock.create();
    AtomicReference<CompletableFuture<Permit>> cancelOnAcquire = new AtomicReference<>();
    AsyncCondition c = AsyncCondition.create(delegatingTo(real, () -> {
      CompletableFuture<Permit> wait = cancelOnAcquire.getAndSet(null);
      if (wait != null) {
        assertThat(wait.cancel(false)).as("cancelled once signalled").isTrue();
      }
      return real.acquire();
    }));
    CompletableFuture<Permit> waiting = c.await(real.acquire().join());
    Permit signaller = real.acquire().join();
    cancelOnAcquire.set(waiting);

    c.signal();

    assertThat(waiting).isCancelled();
    assertThat(c.waiters()).isZero();
    assertThat(real.waiters()).as("acquires queued on the lock").isZero();
    long signallers = signaller.token();
    signaller.release();
    assertThat(real.isLocked()).isFalse();
    assertThat(real.acquire().join().token()).as("nobody held the lock meanwhile")
        .isEqualTo(signallers + 1);
  }
}
