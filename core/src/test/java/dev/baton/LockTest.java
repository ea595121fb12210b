package dev.baton;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

class LockTest {

  private final AsyncLock lock = AsyncLock.create();

  @Test
  void aFreeLockIsGrantedAtOnce() {
    CompletableFuture<Permit> f = lock.acquire();

    assertThat(f).isCompleted();
    assertThat(lock.isLocked()).isTrue();
    f.join().release();
    assertThat(lock.isLocked()).isFalse();
  }

  @Test
  void waitersAreAdmittedOneAtATimeInArrivalOrder() {
    Permit holder = lock.acquire().join();
    List<String> order = new ArrayList<>();
    List<CompletableFuture<Permit>> waiting = new ArrayList<>();
    for (String name : List.of("A", "B", "C")) {
      waiting.add(lock.acquire().whenComplete((p, e) -> order.add(name)));
    }
    assertThat(lock.waiters()).isEqualTo(3);

    holder.release();
    assertThat(order).containsExactly("A");
    waiting.get(0).join().release();
    assertThat(order).containsExactly("A", "B");
    waiting.get(1).join().release();
    assertThat(order).containsExactly("A", "B", "C");
    assertThat(lock.waiters()).isZero();
    waiting.get(2).join().release();
    assertThat(lock.isLocked()).isFalse();
  }

  @Test
  void aNewcomerCannotBargePastTheWaiterTheLockWasHandedTo() {
    Permit holder = lock.acquire().join();
    CompletableFuture<Permit> waiter = lock.acquire();

    holder.release();

    assertThat(waiter).isCompleted();
    assertThat(lock.tryAcquire()).isEmpty();
    CompletableFuture<Permit> newcomer = lock.acquire();
    assertThat(newcomer).isNotDone();
    waiter.join().release();
    assertThat(newcomer).isCompleted();
  }

  @Test
  void tryAcquireFailsWhileAnyoneWaits() {
    Permit holder = lock.acquire().join();
    lock.acquire();

    assertThat(lock.tryAcquire()).isEmpty();
    holder.release();
    assertThat(lock.tryAcquire()).isEmpty();
  }

  @Test
  void aCancelledWaiterLeavesTheQueueAndIsSkipped() {
    Permit holder = lock.acquire().join();
    CompletableFuture<Permit> a = lock.acquire();
    CompletableFuture<Permit> b = lock.acquire();

    assertThat(a.cancel(true)).isTrue();
    assertThat(lock.waiters()).isEqualTo(1);
    holder.release();

    assertThat(a).isCancelled();
    assertThat(b).isCompleted();
  }

  @Test
  void cancellingTheOnlyWaiterLetsTheNextReleaseUnlock() {
    Permit holder = lock.acquire().join();
    lock.acquire().cancel(false);

    holder.release();

    assertThat(lock.isLocked()).isFalse();
    assertThat(lock.tryAcquire()).isPresent();
  }

  @Test
  void cancellingAGrantedFutureReturnsFalseAndKeepsTheGrant() {
    Permit holder = lock.acquire().join();
    CompletableFuture<Permit> waiter = lock.acquire();
    holder.release();

    assertThat(waiter.cancel(true)).isFalse();
    assertThat(waiter.join().isReleased()).isFalse();
  }

  /**
   * A cancel that reaches a future whose grant is decided but not yet delivered (it waits on the
   * releasing thread behind the callback that released) loses: the lock was handed over, and the
   * count already leaves B out. Regression, twice over: such a cancel once returned false with the
   * future still pending (a permit the canceller never saw), and later won and passed the lock on,
   * which contradicted the count read before it (README, "Prompt cancellation"). Now the cancel
   * completes the future with B's permit before it returns false.
   */
  @Test
  void aCancelThatReachesAGrantStillInTransitLosesAndTheFutureHoldsTheLock() {
    Permit holder = lock.acquire().join();
    CompletableFuture<Permit> a = lock.acquire();
    CompletableFuture<Permit> b = lock.acquire();
    CompletableFuture<Permit> c = lock.acquire();
    AtomicBoolean bDoneWhenCancelled = new AtomicBoolean(true);
    AtomicInteger waitersWhenCancelled = new AtomicInteger(-1);
    AtomicBoolean cancelled = new AtomicBoolean(true);
    AtomicBoolean bDoneAfterCancel = new AtomicBoolean();
    a.thenAccept(p -> {
      p.release(); // decides B's grant, which completes only once this callback returns
      bDoneWhenCancelled.set(b.isDone());
      waitersWhenCancelled.set(lock.waiters());
      cancelled.set(b.cancel(false));
      bDoneAfterCancel.set(b.isDone());
    });

    holder.release();

    assertThat(bDoneWhenCancelled).as("B was still in transit when cancelled").isFalse();
    assertThat(waitersWhenCancelled).as("only C counted once B's grant was decided").hasValue(1);
    assertThat(cancelled).as("the cancel lost").isFalse();
    assertThat(bDoneAfterCancel).as("the losing cancel completed B").isTrue();
    assertThat(c).as("C still waits behind B").isNotDone();
    assertThat(lock.waiters()).isOne();
    b.join().release();
    assertThat(c).as("the lock passed on to C").isCompleted();
    c.join().release();
    assertThat(lock.isLocked()).as("nothing held afterwards").isFalse();
  }

  @Test
  void completingAFutureWhoseGrantIsInTransitYourselfLosesAndLeavesItHoldingTheLock() {
    Permit holder = lock.acquire().join();
    CompletableFuture<Permit> a = lock.acquire();
    CompletableFuture<Permit> b = lock.acquire();
    AtomicBoolean completed = new AtomicBoolean(true);
    a.thenAccept(p -> {
      p.release();
      completed.set(b.completeExceptionally(new IllegalStateException("gave up")));
    });

    holder.release();

    assertThat(completed).isFalse();
    assertThat(lock.isLocked()).isTrue();
    b.join().release();
    assertThat(lock.isLocked()).isFalse();
  }

  @Test
  void completingAWaiterFromOutsideWithdrawsIt() {
    Permit holder = lock.acquire().join();
    CompletableFuture<Permit> waiter = lock.acquire();

    waiter.completeExceptionally(new IllegalStateException("gave up"));

    assertThat(lock.waiters()).isZero();
    holder.release();
    assertThat(lock.isLocked()).isFalse();
  }

  @Test
  void orTimeoutOnTheReturnedFutureWithdrawsTheWaiter() {
    Permit holder = lock.acquire().join();
    CompletableFuture<Permit> waiter = lock.acquire().orTimeout(20, TimeUnit.MILLISECONDS);

    await().until(waiter::isDone);

    assertThat(lock.waiters()).isZero();
    holder.release();
    assertThat(lock.isLocked()).isFalse();
  }

  @Test
  void completeOnTimeoutOnTheReturnedFutureWithdrawsTheWaiter() {
    Permit holder = lock.acquire().join();
    CompletableFuture<Permit> waiter =
        lock.acquire().completeOnTimeout(null, 1, TimeUnit.MILLISECONDS);

    await().until(waiter::isDone);

    assertThat(waiter.join()).isNull();
    assertThat(lock.waiters()).isZero();
    holder.release();
    assertThat(lock.isLocked()).isFalse();
  }

  /**
   * Regression: {@code completeAsync} completed the future without withdrawing the waiter, so
   * the next release granted the lock to a future that could no longer take it, and the lock
   * stayed held by nobody.
   */
  @Test
  void completeAsyncWithdrawsTheWaiterAsCompleteDoes() {
    Permit holder = lock.acquire().join();
    CompletableFuture<Permit> waiter = lock.acquire();

    assertThat(waiter.completeAsync(() -> null, Runnable::run)).isSameAs(waiter);

    assertThat(waiter).isCompletedWithValue(null);
    assertThat(lock.waiters()).isZero();
    holder.release();
    assertThat(lock.isLocked()).as("the release found nobody to hand the lock to").isFalse();
  }

  /**
   * A caller's bounded {@code get} bounds only how long that caller blocks: when it runs out the
   * wait goes on (as with {@link CompletableFuture}), with or without the brief poll before the
   * park, and a zero bound does not wait at all.
   */
  @Test
  void aBoundedGetThatRunsOutLeavesTheWaitPending() throws Exception {
    Permit holder = lock.acquire().join();
    CompletableFuture<Permit> waiter = lock.acquire();

    assertThatThrownBy(() -> waiter.get(0, TimeUnit.SECONDS)).isInstanceOf(TimeoutException.class);
    assertThatThrownBy(() -> waiter.get(1, TimeUnit.MILLISECONDS))
        .isInstanceOf(TimeoutException.class);

    assertThat(waiter).isNotDone();
    assertThat(lock.waiters()).isOne();
    holder.release();
    waiter.get(10, TimeUnit.SECONDS).release();
    assertThat(lock.isLocked()).isFalse();
  }

  @Test
  void completeAsyncWithASupplierThatThrowsWithdrawsTheWaiterAndFailsTheFuture() {
    Permit holder = lock.acquire().join();
    CompletableFuture<Permit> waiter = lock.acquire();

    waiter.completeAsync(() -> {
      throw new IllegalStateException("no permit for you");
    });

    assertThatThrownBy(() -> waiter.get(10, TimeUnit.SECONDS)).hasRootCauseInstanceOf(
        IllegalStateException.class);
    assertThat(lock.waiters()).isZero();
    holder.release();
    assertThat(lock.isLocked()).isFalse();
  }

  @Test
  void completeAsyncOnAGrantedFutureLeavesTheGrant() {
    Permit holder = lock.acquire().join();
    CompletableFuture<Permit> waiter = lock.acquire();
    holder.release();

    waiter.completeAsync(() -> null, Runnable::run);

    assertThat(waiter.join()).isNotNull();
    waiter.join().release();
    assertThat(lock.isLocked()).isFalse();
  }

  /** obtrude* could overwrite a permit already delivered, which would then never be released. */
  @Test
  void obtrudeValueAndObtrudeExceptionAreRefusedAndTheWaiterKeepsWaiting() {
    Permit holder = lock.acquire().join();
    CompletableFuture<Permit> waiter = lock.acquire();

    assertThatThrownBy(() -> waiter.obtrudeValue(null))
        .isInstanceOf(UnsupportedOperationException.class)
        .hasMessageContaining("obtrudeValue");
    assertThatThrownBy(() -> waiter.obtrudeException(new IllegalStateException()))
        .isInstanceOf(UnsupportedOperationException.class)
        .hasMessageContaining("obtrudeException");

    assertThat(waiter).isNotDone();
    holder.release();
    assertThat(waiter).isCompleted();
    waiter.join().release();
    assertThat(lock.isLocked()).isFalse();
  }

  @Test
  void aTimedOutWaiterIsWithdrawnBeforeItsFailureIsObservable() {
    lock.acquire().join();
    AtomicInteger waitersSeenOnFailure = new AtomicInteger(-1);
    CompletableFuture<Permit> waiter = lock.acquire(Duration.ofMillis(20));
    CompletableFuture<?> observed = waiter.whenComplete((p, e) -> waitersSeenOnFailure.set(lock.waiters()));

    assertThatThrownBy(observed::join).hasCauseInstanceOf(AcquireTimeoutException.class)
        .hasMessageContaining("lock");
    assertThat(waitersSeenOnFailure).hasValue(0);
  }

  @Test
  void zeroAndNegativeTimeoutsNeverThrow() {
    CompletableFuture<Permit> free = lock.acquire(Duration.ZERO);
    assertThat(free).isCompleted();

    assertThat(lock.acquire(Duration.ZERO)).isCompletedExceptionally();
    assertThat(lock.acquire(Duration.ofSeconds(-1)))
        .failsWithin(Duration.ZERO).withThrowableOfType(Exception.class)
        .withCauseInstanceOf(AcquireTimeoutException.class);
    assertThat(lock.waiters()).isZero();
  }

  @Test
  void aTimedAcquireGrantedInTimeSucceeds() {
    Permit holder = lock.acquire().join();
    CompletableFuture<Permit> waiter = lock.acquire(Duration.ofMinutes(1));

    holder.release();

    assertThat(waiter).isCompleted();
  }

  @Test
  void anEnormousTimeoutMeansWaitingWithoutOverflow() {
    Permit holder = lock.acquire().join();
    CompletableFuture<Permit> waiter = lock.acquire(Duration.ofSeconds(Long.MAX_VALUE));

    assertThat(waiter).isNotDone();
    holder.release();
    assertThat(waiter).isCompleted();
  }

  @Test
  void releaseGrantsTheNextWaiterOnTheReleasingThreadBeforeReturning() {
    Permit holder = lock.acquire().join();
    AtomicReference<Thread> grantedOn = new AtomicReference<>();
    CompletableFuture<Permit> waiter = lock.acquire().whenComplete((p, e) -> grantedOn.set(Thread.currentThread()));

    holder.release();

    assertThat(waiter).isDone();
    assertThat(grantedOn).hasValue(Thread.currentThread());
  }

  @Test
  void aHundredThousandHandOffsThroughCallbacksDoNotOverflowTheStack() {
    Permit holder = lock.acquire().join();
    int n = 100_000;
    AtomicInteger ran = new AtomicInteger();
    for (int i = 0; i < n; i++) {
      lock.acquire().thenAccept(p -> {
        ran.incrementAndGet();
        p.release();
      });
    }

    holder.release();

    assertThat(ran).hasValue(n);
    assertThat(lock.isLocked()).isFalse();
  }

  @Test
  void fencingTokensStrictlyIncreaseAcrossFastAndHandedOffGrants() {
    long previous = 0;
    for (int i = 0; i < 10; i++) {
      Permit p = lock.acquire().join();
      CompletableFuture<Permit> next = lock.acquire();
      assertThat(p.token()).isGreaterThan(previous);
      p.release();
      assertThat(next.join().token()).isGreaterThan(p.token());
      previous = next.join().token();
      next.join().release();
    }
  }

  @Test
  void aPermitReleasesOnceAndCloseIsIdempotent() {
    Permit p = lock.acquire().join();
    p.release();

    assertThat(p.isReleased()).isTrue();
    assertThatThrownBy(p::release).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("already released");
    p.close();
    p.close();
  }

  @Test
  void aStalePermitNeverReleasesALaterHolder() {
    Permit first = lock.acquire().join();
    first.release();
    Permit second = lock.acquire().join();

    assertThat(first.isReleased()).as("released, though the lock is held again").isTrue();
    assertThatThrownBy(first::release).isInstanceOf(IllegalStateException.class);
    first.close();

    assertThat(lock.isLocked()).isTrue();
    assertThat(second.isReleased()).isFalse();
  }

  @Test
  void tryWithResourcesReleases() throws Exception {
    try (Permit p = lock.acquire().get()) {
      assertThat(p.isReleased()).isFalse();
    }
    assertThat(lock.isLocked()).isFalse();
  }

  @Test
  void theLockIsNotReentrant() {
    lock.acquire().join();

    assertThat(lock.acquire()).isNotDone();
  }

  @Test
  void withLockHoldsTheLockUntilTheActionsStageCompletes() {
    CompletableFuture<String> work = new CompletableFuture<>();
    CompletableFuture<String> result = lock.withLock(() -> work);

    assertThat(lock.isLocked()).isTrue();
    work.complete("done");

    assertThat(result).isCompletedWithValue("done");
    assertThat(lock.isLocked()).isFalse();
  }

  @Test
  void withLockReleasesWhenTheActionThrows() {
    CompletableFuture<Object> result = lock.withLock(() -> {
      throw new IllegalArgumentException("boom");
    });

    assertThatThrownBy(result::join).hasCauseInstanceOf(IllegalArgumentException.class);
    assertThat(lock.isLocked()).isFalse();
  }

  @Test
  void withLockReleasesWhenTheActionsStageFails() {
    CompletableFuture<Object> result = lock.withLock(
        () -> CompletableFuture.failedFuture(new IllegalArgumentException("boom")));

    assertThat(result).isCompletedExceptionally();
    assertThat(lock.isLocked()).isFalse();
  }

  @Test
  void cancellingWithLockWhileWaitingWithdrawsTheAcquireAndNeverRunsTheAction() {
    Permit holder = lock.acquire().join();
    AtomicInteger ran = new AtomicInteger();
    CompletableFuture<Object> result = lock.withLock(() -> {
      ran.incrementAndGet();
      return CompletableFuture.completedFuture(null);
    });

    result.cancel(true);

    assertThat(lock.waiters()).isZero();
    holder.release();
    assertThat(ran).hasValue(0);
    assertThat(lock.isLocked()).isFalse();
  }

  @Test
  void orTimeoutOnWithLocksFutureWithdrawsTheAcquireAndNeverRunsTheAction() {
    Permit holder = lock.acquire().join();
    AtomicInteger ran = new AtomicInteger();
    CompletableFuture<Object> result = lock.withLock(() -> {
      ran.incrementAndGet();
      return CompletableFuture.completedFuture(null);
    }).orTimeout(20, TimeUnit.MILLISECONDS);

    assertThatThrownBy(result::join).hasCauseInstanceOf(TimeoutException.class);

    // join() returns once the future has failed; the timeout's thread withdraws right after.
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
        assertThat(lock.waiters()).as("the scope's acquire was withdrawn").isZero());
    holder.release();
    assertThat(ran).hasValue(0);
    assertThat(lock.isLocked()).isFalse();
  }

  /**
   * The obtrude methods would complete a scope past its give-up, leaving its acquire queued and
   * its action to run when the lock came: refused, as on a waiter (found by review).
   */
  @Test
  void obtrudingWithLocksFutureIsRefusedAndLeavesItWaiting() {
    Permit holder = lock.acquire().join();
    AtomicInteger ran = new AtomicInteger();
    CompletableFuture<Object> scope = lock.withLock(() -> {
      ran.incrementAndGet();
      return CompletableFuture.completedFuture("ran");
    });

    assertThatThrownBy(() -> scope.obtrudeValue("obtruded"))
        .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("withLock");
    assertThatThrownBy(() -> scope.obtrudeException(new IllegalStateException()))
        .isInstanceOf(UnsupportedOperationException.class);

    assertThat(scope).isNotDone();
    holder.release();
    assertThat(scope).isCompletedWithValue("ran");
    assertThat(ran).hasValue(1);
    assertThat(lock.isLocked()).isFalse();
  }

  /**
   * {@code completeAsync} completes a plain {@code CompletableFuture} without going through
   * {@code complete}, so a scope must route it there itself, as a waiter does. Regression: the
   * scope completed but its acquire stayed queued until the lock came.
   */
  @Test
  void completeAsyncOnWithLocksFutureWithdrawsTheAcquireAndNeverRunsTheAction() {
    Permit holder = lock.acquire().join();
    AtomicInteger ran = new AtomicInteger();
    CompletableFuture<Object> result = lock.withLock(() -> {
      ran.incrementAndGet();
      return CompletableFuture.completedFuture(null);
    });

    result.completeAsync(() -> "given up", Runnable::run);

    assertThat(result).isCompletedWithValue("given up");
    assertThat(lock.waiters()).as("the scope's acquire was withdrawn").isZero();
    holder.release();
    assertThat(ran).hasValue(0);
    assertThat(lock.isLocked()).isFalse();
  }

  @Test
  void completingWithLocksFutureWhileTheActionRunsCancelsTheInnerScopesWait() {
    AsyncLock inner = AsyncLock.create();
    Permit innerHolder = inner.acquire().join();
    CompletableFuture<Object> result = lock.withLock(
        () -> inner.withLock(() -> CompletableFuture.completedFuture(null)));

    assertThat(result.complete("given up")).isTrue();

    assertThat(inner.waiters()).as("the inner scope's acquire was withdrawn").isZero();
    assertThat(lock.isLocked()).as("the outer lock went back with its scope").isFalse();
    innerHolder.release();
    assertThat(inner.isLocked()).isFalse();
  }

  @Test
  void timedWithLockFailsWithoutRunningTheActionWhenTheLockStaysHeld() {
    lock.acquire().join();
    AtomicInteger ran = new AtomicInteger();

    CompletableFuture<Object> result = lock.withLock(Duration.ofMillis(20), () -> {
      ran.incrementAndGet();
      return CompletableFuture.completedFuture(null);
    });

    assertThatThrownBy(result::join).hasCauseInstanceOf(AcquireTimeoutException.class);
    assertThat(ran).hasValue(0);
    assertThat(lock.waiters()).isZero();
  }

  @Test
  void nullArgumentsAreRejected() {
    assertThatThrownBy(() -> lock.acquire(null)).isInstanceOf(NullPointerException.class)
        .hasMessageContaining("timeout");
    assertThatThrownBy(() -> lock.withLock(null)).isInstanceOf(NullPointerException.class)
        .hasMessageContaining("action");
  }

  /** CPython bpo-32734: a cancel and a release in the same instant admit exactly one waiter. */
  @RepeatedTest(200)
  void aCancelRacingAReleaseAdmitsExactlyOneWaiterAndStrandsNone() throws Exception {
    Permit holder = lock.acquire().join();
    CompletableFuture<Permit> first = lock.acquire();
    CompletableFuture<Permit> second = lock.acquire();
    CyclicBarrier start = new CyclicBarrier(2);
    CountDownLatch cancelled = new CountDownLatch(1);
    Thread canceller = new Thread(() -> {
      awaitQuietly(start);
      first.cancel(false);
      cancelled.countDown();
    });
    canceller.start();

    awaitQuietly(start);
    holder.release();
    cancelled.await();

    if (first.isCancelled()) {
      assertThat(second).isCompleted();
      second.join().release();
    } else {
      assertThat(second).isNotDone();
      first.join().release();
      assertThat(second).isCompleted();
      second.join().release();
    }
    assertThat(lock.isLocked()).isFalse();
    assertThat(lock.waiters()).isZero();
  }

  @Test
  void aFailedAcquireSurfacesTheTimeoutDirectlyAsTheCause() {
    lock.acquire().join();

    CompletableFuture<Permit> f = lock.acquire(Duration.ofMillis(1));

    assertThatThrownBy(f::join).isInstanceOf(CompletionException.class)
        .cause().isInstanceOf(AcquireTimeoutException.class);
  }

  static void awaitQuietly(CyclicBarrier barrier) {
    try {
      barrier.await();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
