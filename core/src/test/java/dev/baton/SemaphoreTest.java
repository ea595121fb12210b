package dev.baton;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

class SemaphoreTest {

  private final AsyncSemaphore semaphore = AsyncSemaphore.create(2);

  @Test
  void grantsUpToItsPermitsAtOnceThenQueues() {
    CompletableFuture<Permit> a = semaphore.acquire();
    CompletableFuture<Permit> b = semaphore.acquire();
    CompletableFuture<Permit> c = semaphore.acquire();

    assertThat(a).isCompleted();
    assertThat(b).isCompleted();
    assertThat(c).isNotDone();
    assertThat(semaphore.availablePermits()).isZero();
    assertThat(semaphore.waiters()).isEqualTo(1);
    assertThat(semaphore.maxPermits()).isEqualTo(2);

    a.join().release();
    assertThat(c).isCompleted();
    assertThat(semaphore.availablePermits()).isZero();
  }

  @Test
  void waitersAreServedInArrivalOrder() {
    List<Permit> held = List.of(semaphore.acquire().join(), semaphore.acquire().join());
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      int id = i;
      semaphore.acquire().thenAccept(p -> order.add(id));
    }

    held.get(0).release();
    held.get(1).release();

    assertThat(order).containsExactly(0, 1);
  }

  @Test
  void tryAcquireNeverBargesPastQueuedWaiters() {
    Permit a = semaphore.acquire().join();
    Permit b = semaphore.acquire().join();
    CompletableFuture<Permit> waiter = semaphore.acquire();

    a.release();

    assertThat(waiter).isCompleted();
    assertThat(semaphore.tryAcquire()).isEmpty();
    b.release();
    assertThat(semaphore.tryAcquire()).isPresent();
  }

  /** CPython bpo-45997: a re-acquirer queues behind waiters that were already woken. */
  @Test
  void aReacquirerQueuesBehindAlreadyWokenWaiters() {
    AsyncSemaphore one = AsyncSemaphore.create(1);
    Permit holder = one.acquire().join();
    List<String> order = new ArrayList<>();
    CompletableFuture<Permit> a = one.acquire().whenComplete((p, e) -> order.add("A"));
    CompletableFuture<Permit> b = one.acquire().whenComplete((p, e) -> order.add("B"));

    holder.release();
    CompletableFuture<Permit> again = one.acquire().whenComplete((p, e) -> order.add("holder again"));
    a.join().release();
    b.join().release();

    assertThat(order).containsExactly("A", "B", "holder again");
    again.join().release();
    assertThat(one.availablePermits()).isEqualTo(1);
  }

  /**
   * CPython gh-90155, where asyncio's semaphore hung once a woken waiter was cancelled. In Baton a
   * grant is final: the cancel of a granted waiter returns false and the waiter keeps its permit;
   * once it releases, a later acquire succeeds at once.
   */
  @Test
  void aWaiterGrantedThenCancelledKeepsItsPermitAndALaterAcquireSucceedsAfterItsRelease() {
    AsyncSemaphore one = AsyncSemaphore.create(1);
    Permit holder = one.acquire().join();
    CompletableFuture<Permit> waiter = one.acquire();
    holder.release();

    assertThat(waiter.cancel(true)).isFalse();
    waiter.join().release();

    assertThat(one.acquire()).isCompleted();
  }

  /**
   * A grant is final from its decision (README, "Prompt cancellation"): a release while B's grant
   * is in transit finds no waiter and frees its permit, and a cancel that reaches B after that
   * loses and completes B with its permit, as every sequential order of those calls has it.
   * Regression: the cancel used to win, and B's permit was freed as well, which would have meant
   * that the release passed over a waiting B.
   */
  @Test
  void aReleaseWhileAGrantIsInTransitFreesItsPermitAndALaterCancelFindsTheGrantFinal() {
    Permit first = semaphore.acquire().join();
    Permit second = semaphore.acquire().join();
    CompletableFuture<Permit> a = semaphore.acquire();
    CompletableFuture<Permit> b = semaphore.acquire();
    AtomicInteger freeBeforeCancel = new AtomicInteger(-1);
    AtomicBoolean cancelled = new AtomicBoolean(true);
    AtomicBoolean bDoneAfterCancel = new AtomicBoolean();
    a.thenAccept(p -> {
      p.release(); // decides B's grant, which completes only once this callback returns
      second.release();
      freeBeforeCancel.set(semaphore.availablePermits());
      cancelled.set(b.cancel(false));
      bDoneAfterCancel.set(b.isDone());
    });

    first.release();

    assertThat(freeBeforeCancel).as("the second release went to the free permits").hasValue(1);
    assertThat(cancelled).as("the cancel lost").isFalse();
    assertThat(bDoneAfterCancel).as("the losing cancel completed B").isTrue();
    assertThat(semaphore.availablePermits()).as("B holds its permit").isOne();
    b.join().release();
    assertThat(semaphore.availablePermits()).as("every permit back").isEqualTo(2);
  }

  /**
   * A cancel that reaches a future whose grant is decided but not yet delivered loses; the waiter
   * behind it keeps waiting until the permit comes back.
   */
  @Test
  void aCancelThatReachesAGrantStillInTransitLosesAndTheNextWaiterKeepsWaiting() {
    Permit first = semaphore.acquire().join();
    Permit second = semaphore.acquire().join();
    CompletableFuture<Permit> a = semaphore.acquire();
    CompletableFuture<Permit> b = semaphore.acquire();
    CompletableFuture<Permit> c = semaphore.acquire();
    AtomicBoolean bDoneWhenCancelled = new AtomicBoolean(true);
    AtomicBoolean cancelled = new AtomicBoolean(true);
    a.thenAccept(p -> {
      p.release(); // decides B's grant, which completes only once this callback returns
      bDoneWhenCancelled.set(b.isDone());
      cancelled.set(b.cancel(true));
    });

    first.release();

    assertThat(bDoneWhenCancelled).as("B was still in transit when cancelled").isFalse();
    assertThat(cancelled).as("the cancel lost").isFalse();
    assertThat(c).isNotDone();
    assertThat(semaphore.waiters()).isOne();
    b.join().release();
    assertThat(c).as("the permit passed on to C").isCompleted();
    c.join().release();
    second.release();
    assertThat(semaphore.availablePermits()).as("every permit back").isEqualTo(2);
  }

  @Test
  void severalCancelledWaitersThenOneReleaseGrantsTheFirstLiveWaiter() {
    AsyncSemaphore one = AsyncSemaphore.create(1);
    Permit holder = one.acquire().join();
    List<CompletableFuture<Permit>> cancelled = List.of(one.acquire(), one.acquire(), one.acquire());
    CompletableFuture<Permit> live = one.acquire();
    cancelled.forEach(f -> f.cancel(false));

    holder.release();

    assertThat(live).isCompleted();
    assertThat(one.waiters()).isZero();
  }

  @Test
  void cancellingTheLastWaiterMakesReleasedPermitsAvailableAgain() {
    Permit a = semaphore.acquire().join();
    Permit b = semaphore.acquire().join();
    semaphore.acquire().cancel(true);

    a.release();
    b.release();

    assertThat(semaphore.availablePermits()).isEqualTo(2);
  }

  @Test
  void availablePermitsNeverExceedMaxBecauseAPermitReleasesOnce() {
    Permit p = semaphore.acquire().join();
    p.release();

    assertThatThrownBy(p::release).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("already released");
    p.close();
    assertThat(semaphore.availablePermits()).isEqualTo(2);
    assertThat(p.isReleased()).isTrue();
  }

  @Test
  void fencingTokensAreDistinctAndIncreasing() {
    Set<Long> tokens = new HashSet<>();
    long previous = 0;
    for (int i = 0; i < 20; i++) {
      Permit p = semaphore.acquire().join();
      assertThat(p.token()).isGreaterThan(previous);
      previous = p.token();
      tokens.add(p.token());
      p.release();
    }
    assertThat(tokens).hasSize(20);
  }

  /**
   * README, "Permits": tokens strictly increase in the order of the grants, whether a grant is
   * taken at once, handed over by a release or made by a release that gave its permit back.
   */
  @Test
  void fencingTokensStrictlyIncreaseAcrossFastAndHandedOffGrants() {
    Permit first = semaphore.acquire().join();
    Permit second = semaphore.acquire().join();
    CompletableFuture<Permit> third = semaphore.acquire();
    CompletableFuture<Permit> fourth = semaphore.acquire(Duration.ofHours(1));

    second.release();
    first.release();
    third.join().release();
    Permit fifth = semaphore.tryAcquire().orElseThrow();

    assertThat(List.of(first, second, third.join(), fourth.join(), fifth))
        .extracting(Permit::token).isSortedAccordingTo(Long::compare).doesNotHaveDuplicates();
    fourth.join().release();
    fifth.release();
    assertThat(semaphore.availablePermits()).isEqualTo(2);
  }

  @Test
  void aTimedOutWaiterIsWithdrawnBeforeItsFailureIsObservable() {
    semaphore.acquire();
    semaphore.acquire();
    AtomicInteger waitersSeen = new AtomicInteger(-1);
    CompletableFuture<?> observed = semaphore.acquire(Duration.ofMillis(20))
        .whenComplete((p, e) -> waitersSeen.set(semaphore.waiters()));

    assertThatThrownBy(observed::join).hasCauseInstanceOf(AcquireTimeoutException.class);
    assertThat(waitersSeen).hasValue(0);
  }

  @Test
  void zeroAndNegativeTimeoutsGrantIfPossibleElseTimeOutAtOnce() {
    assertThat(semaphore.acquire(Duration.ZERO)).isCompleted();
    assertThat(semaphore.acquire(Duration.ofMillis(-5))).isCompleted();
    assertThat(semaphore.acquire(Duration.ZERO)).isCompletedExceptionally();
    assertThat(semaphore.waiters()).isZero();
  }

  @Test
  void aHundredThousandHandOffsThroughCallbacksDoNotOverflowTheStack() {
    AsyncSemaphore one = AsyncSemaphore.create(1);
    Permit holder = one.acquire().join();
    AtomicInteger ran = new AtomicInteger();
    for (int i = 0; i < 100_000; i++) {
      one.acquire().thenAccept(p -> {
        ran.incrementAndGet();
        p.release();
      });
    }

    holder.release();

    assertThat(ran).hasValue(100_000);
    assertThat(one.availablePermits()).isEqualTo(1);
  }

  @Test
  void withPermitHoldsAPermitUntilTheStageCompletes() {
    CompletableFuture<Integer> work = new CompletableFuture<>();
    CompletableFuture<Integer> result = semaphore.withPermit(() -> work);

    assertThat(semaphore.availablePermits()).isEqualTo(1);
    work.complete(7);

    assertThat(result).isCompletedWithValue(7);
    assertThat(semaphore.availablePermits()).isEqualTo(2);
  }

  @Test
  void withPermitReleasesWhenTheActionThrows() {
    CompletableFuture<Object> result = semaphore.withPermit(() -> {
      throw new IllegalStateException("boom");
    });

    assertThat(result).isCompletedExceptionally();
    assertThat(semaphore.availablePermits()).isEqualTo(2);
  }

  @Test
  void failingWithPermitsFutureFromOutsideWhileWaitingWithdrawsTheAcquire() {
    AsyncSemaphore one = AsyncSemaphore.create(1);
    Permit holder = one.acquire().join();
    AtomicInteger ran = new AtomicInteger();
    CompletableFuture<Object> result = one.withPermit(() -> {
      ran.incrementAndGet();
      return CompletableFuture.completedFuture(null);
    });

    assertThat(result.completeExceptionally(new IllegalStateException("gave up"))).isTrue();

    assertThat(one.waiters()).as("the scope's acquire was withdrawn").isZero();
    holder.release();
    assertThat(ran).hasValue(0);
    assertThat(one.availablePermits()).isOne();
  }

  /**
   * A permit's scope whose action is a lock's scope, already running its body: cancelling the
   * outer future keeps both the permit and the lock until the body ends. Regression: the inner
   * scope was cancelled with it, which counted as the outer action's end and gave the permit
   * back while the body ran.
   */
  @Test
  void cancellingAnOuterScopeWhileTheInnerOnesBodyRunsKeepsEverythingUntilTheBodyEnds() {
    AsyncSemaphore one = AsyncSemaphore.create(1);
    AsyncLock lock = AsyncLock.create();
    CompletableFuture<String> body = new CompletableFuture<>();
    CompletableFuture<String> outer = one.withPermit(() -> lock.withLock(() -> body));

    assertThat(outer.cancel(false)).isTrue();

    assertThat(one.availablePermits()).as("the permit, while the body runs").isZero();
    assertThat(lock.isLocked()).as("the lock, while the body runs").isTrue();
    body.complete("done");
    assertThat(lock.isLocked()).isFalse();
    assertThat(one.availablePermits()).isOne();
  }

  @Test
  void nonPositivePermitsAreRejectedNamingTheArgument() {
    assertThatThrownBy(() -> AsyncSemaphore.create(0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("permits");
    assertThatThrownBy(() -> AsyncSemaphore.create(-3)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("permits");
  }

  @Test
  void nullArgumentsAreRejectedNamingTheArgumentAndTakeNoPermit() {
    assertThatThrownBy(() -> semaphore.acquire(null)).isInstanceOf(NullPointerException.class)
        .hasMessageContaining("timeout");
    assertThatThrownBy(() -> semaphore.withPermit(null))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("action");

    assertThat(semaphore.availablePermits()).isEqualTo(2);
    assertThat(semaphore.waiters()).isZero();
  }

  @Test
  void withPermitReleasesWhenTheActionsStageFails() {
    CompletableFuture<Object> result = semaphore.withPermit(
        () -> CompletableFuture.failedFuture(new IllegalStateException("boom")));

    assertThatThrownBy(result::join).hasCauseInstanceOf(IllegalStateException.class);
    assertThat(semaphore.availablePermits()).isEqualTo(2);
  }

  @Test
  void cancellingWithPermitWhileWaitingWithdrawsTheAcquireAndNeverRunsTheAction() {
    AsyncSemaphore one = AsyncSemaphore.create(1);
    Permit holder = one.acquire().join();
    AtomicInteger ran = new AtomicInteger();
    CompletableFuture<Object> result = one.withPermit(() -> {
      ran.incrementAndGet();
      return CompletableFuture.completedFuture(null);
    });
    assertThat(one.waiters()).isOne();

    assertThat(result.cancel(true)).isTrue();

    assertThat(one.waiters()).as("the scope's acquire was withdrawn").isZero();
    holder.release();
    assertThat(ran).hasValue(0);
    assertThat(one.availablePermits()).isOne();
  }

  @Test
  void aTimedAcquireGrantedInTimeSucceedsAndNeverTimesOutLater() throws Exception {
    AsyncSemaphore one = AsyncSemaphore.create(1);
    Permit holder = one.acquire().join();
    CompletableFuture<Permit> timed = one.acquire(Duration.ofMillis(50));

    holder.release();

    assertThat(timed).isCompleted();
    CountDownLatch pastDeadline = new CountDownLatch(1);
    CompletableFuture.delayedExecutor(100, TimeUnit.MILLISECONDS)
        .execute(pastDeadline::countDown);
    pastDeadline.await();
    assertThat(timed).isCompleted();
    assertThat(timed.join().isReleased()).isFalse();
    assertThat(one.availablePermits()).isZero();
  }

  @Test
  void releaseGrantsTheNextWaiterOnTheReleasingThreadBeforeReturning() {
    AsyncSemaphore one = AsyncSemaphore.create(1);
    Permit holder = one.acquire().join();
    AtomicReference<Thread> ranOn = new AtomicReference<>();
    CompletableFuture<Permit> next = one.acquire();
    next.thenRun(() -> ranOn.set(Thread.currentThread()));

    holder.release();

    assertThat(next).isCompleted();
    assertThat(ranOn).hasValue(Thread.currentThread());
    assertThat(one.availablePermits()).isZero();
    assertThat(one.waiters()).isZero();
  }

  @Test
  void availablePermitsAndWaitersAreExactAtEveryStepOfAHandOff() {
    Permit a = semaphore.acquire().join();
    assertThat(semaphore.availablePermits()).isOne();
    Permit b = semaphore.tryAcquire().orElseThrow();
    assertThat(semaphore.availablePermits()).isZero();
    CompletableFuture<Permit> c = semaphore.acquire();
    CompletableFuture<Permit> d = semaphore.acquire();
    assertThat(semaphore.waiters()).isEqualTo(2);

    a.release();
    assertThat(c).isCompleted();
    assertThat(semaphore.availablePermits()).isZero();
    assertThat(semaphore.waiters()).isOne();

    d.cancel(false);
    assertThat(semaphore.waiters()).isZero();
    assertThat(semaphore.availablePermits()).isZero();

    b.release();
    assertThat(semaphore.availablePermits()).isOne();
    c.join().release();
    assertThat(semaphore.availablePermits()).isEqualTo(2);
    assertThat(c.join().token()).isGreaterThan(b.token());
  }

  @Test
  void aSemaphoreMayHoldIntegerMaxValuePermits() {
    AsyncSemaphore huge = AsyncSemaphore.create(Integer.MAX_VALUE);

    huge.acquire().join().release();

    assertThat(huge.availablePermits()).isEqualTo(Integer.MAX_VALUE);
  }

  @RepeatedTest(200)
  void aCancelRacingAReleaseNeitherLosesNorDuplicatesThePermit() throws Exception {
    AsyncSemaphore one = AsyncSemaphore.create(1);
    Permit holder = one.acquire().join();
    CompletableFuture<Permit> first = one.acquire();
    CompletableFuture<Permit> second = one.acquire();
    CyclicBarrier start = new CyclicBarrier(2);
    CountDownLatch cancelled = new CountDownLatch(1);
    new Thread(() -> {
      LockTest.awaitQuietly(start);
      first.cancel(false);
      cancelled.countDown();
    }).start();

    LockTest.awaitQuietly(start);
    holder.release();
    cancelled.await();

    if (!first.isCancelled()) {
      assertThat(second).isNotDone();
      first.join().release();
    }
    assertThat(second).isCompleted();
    second.join().release();
    assertThat(one.availablePermits()).isEqualTo(1);
    assertThat(one.waiters()).isZero();
  }
}
