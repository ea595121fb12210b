package dev.baton;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Behaviour of {@link AsyncEvent}: asyncio.Event semantics plus the Baton fine points. */
class EventTest {

  private static final int STRESS = Integer.getInteger("baton.stress", 1);

  private final AsyncEvent event = AsyncEvent.create();

  // ---------------------------------------------------------------- waking

  @Test
  void setWakesEveryCurrentWaiterInFifoOrder() {
    List<Integer> completionOrder = new ArrayList<>();
    List<CompletableFuture<Void>> waits = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      int id = i;
      CompletableFuture<Void> w = event.await();
      w.thenRun(() -> completionOrder.add(id));
      waits.add(w);
    }
    assertThat(event.waiters()).isEqualTo(5);
    assertThat(waits).noneMatch(CompletableFuture::isDone);

    event.set();

    assertThat(completionOrder).containsExactly(0, 1, 2, 3, 4);
    assertThat(waits).allMatch(w -> w.isDone() && !w.isCompletedExceptionally());
    assertThat(event.waiters()).isZero();
    assertThat(event.isSet()).isTrue();
  }

  @Test
  void aNewEventIsNotSetAndItsWaitsWait() {
    assertThat(event.isSet()).isFalse();
    CompletableFuture<Void> w = event.await();
    assertThat(w).isNotDone();
    assertThat(event.waiters()).isEqualTo(1);
  }

  @Test
  void awaitOnASetEventIsAlreadyComplete() {
    event.set();

    assertThat(event.await()).isCompletedWithValue(null);
    assertThat(event.await(Duration.ofSeconds(10))).isCompletedWithValue(null);
    assertThat(event.waiters()).isZero();
  }

  @Test
  void setClearSetSetWithOneWaiterWakesItExactlyOnce() {
    AtomicInteger wakeUps = new AtomicInteger();
    CompletableFuture<Void> w = event.await();
    w.whenComplete((v, e) -> wakeUps.incrementAndGet());

    event.set();
    assertThat(w).isCompletedWithValue(null);
    assertThat(wakeUps).hasValue(1);
    event.clear();
    assertThat(event.waiters()).isZero();
    event.set();
    event.set();

    assertThat(wakeUps).hasValue(1);
    assertThat(w).isCompletedWithValue(null);
    assertThat(event.waiters()).isZero();
    assertThat(event.isSet()).isTrue();
  }

  @Test
  void clearNeverTakesBackADeliveredWakeUp() {
    CompletableFuture<Void> w = event.await();
    event.set();
    event.clear();

    assertThat(w).isCompletedWithValue(null);
    assertThat(event.isSet()).isFalse();
    CompletableFuture<Void> later = event.await();
    assertThat(later).isNotDone();
    assertThat(event.waiters()).isEqualTo(1);
  }

  @Test
  void clearInTheFirstWokenWaitersCallbackDoesNotTakeBackTheWakeUpOfTheOthers() {
    CompletableFuture<Void> first = event.await();
    CompletableFuture<Void> second = event.await();
    CompletableFuture<Void> third = event.await();
    first.thenRun(event::clear);

    event.set();

    assertThat(event.isSet()).isFalse();
    assertThat(second).isCompletedWithValue(null);
    assertThat(third).isCompletedWithValue(null);
    assertThat(event.waiters()).isZero();
  }

  // ---------------------------------------------------------------- timeouts

  @Test
  void zeroAndNegativeTimeoutsMeanOnlyIfSetNowAndNeverThrow() {
    for (Duration timeout : List.of(Duration.ZERO, Duration.ofMillis(-1))) {
      assertThat(event.await(timeout)).as("%s, clear", timeout)
          .failsWithin(Duration.ZERO).withThrowableOfType(Exception.class)
          .withCauseInstanceOf(AcquireTimeoutException.class);
      assertThat(event.waiters()).isZero();
    }
    event.set();
    for (Duration timeout : List.of(Duration.ZERO, Duration.ofMillis(-1))) {
      assertThat(event.await(timeout)).as("%s, set", timeout).isCompletedWithValue(null);
    }
  }

  @Test
  void awaitWithTimeoutFailsWithAcquireTimeoutExceptionAndIsAlreadyWithdrawnWhenTheFailureIsObservable()
      throws Exception {
    CompletableFuture<Void> untimed = event.await();
    Duration timeout = Duration.ofMillis(30);
    AtomicInteger waitersSeenInCallback = new AtomicInteger(-1);
    CompletableFuture<Void> timed = event.await(timeout);
    CompletableFuture<Throwable> observed = new CompletableFuture<>();
    timed.whenComplete((v, e) -> {
      waitersSeenInCallback.set(event.waiters());
      observed.complete(e);
    });

    Throwable failure = observed.get(5, SECONDS);

    assertThat(failure).isInstanceOf(AcquireTimeoutException.class);
    assertThat(((AcquireTimeoutException) failure).timeout()).isEqualTo(timeout);
    assertThat(waitersSeenInCallback).hasValue(1);
    assertThat(event.waiters()).isEqualTo(1);
    assertThat(untimed).isNotDone();

    event.set();
    assertThat(untimed).isCompletedWithValue(null);
    assertThatThrownBy(timed::join).isInstanceOf(CompletionException.class)
        .hasCauseInstanceOf(AcquireTimeoutException.class);
  }

  @Test
  void aTimedWaitWokenBySetBeforeItsTimeoutCompletesNormally() {
    CompletableFuture<Void> timed = event.await(Duration.ofSeconds(30));
    event.set();
    assertThat(timed).isCompletedWithValue(null);
    assertThat(event.waiters()).isZero();
  }

  @ParameterizedTest(name = "timeout {0} ms")
  @ValueSource(longs = {0, -1, -60_000})
  void aZeroOrNegativeTimeoutOnAClearEventTimesOutAtOnceWithoutThrowing(long millis) {
    Duration timeout = Duration.ofMillis(millis);

    CompletableFuture<Void> w = event.await(timeout);

    assertThat(w).isCompletedExceptionally();
    assertThatThrownBy(w::join).hasCauseInstanceOf(AcquireTimeoutException.class);
    assertThat(event.waiters()).isZero();
  }

  @ParameterizedTest(name = "timeout {0} ms")
  @ValueSource(longs = {0, -1, -60_000})
  void aZeroOrNegativeTimeoutOnASetEventCompletesAtOnce(long millis) {
    event.set();

    assertThat(event.await(Duration.ofMillis(millis))).isCompletedWithValue(null);
    assertThat(event.waiters()).isZero();
  }

  @Test
  void awaitWithANullTimeoutThrowsNullPointerException() {
    assertThatThrownBy(() -> event.await(null)).isInstanceOf(NullPointerException.class)
        .hasMessageContaining("timeout");
    assertThat(event.waiters()).isZero();
  }

  // ---------------------------------------------------------------- cancellation

  @Test
  void cancelWithdrawsTheWaiterAndALaterSetDoesNotResurrectIt() {
    CompletableFuture<Void> cancelled = event.await();
    CompletableFuture<Void> interrupted = event.await();
    CompletableFuture<Void> kept = event.await();
    assertThat(event.waiters()).isEqualTo(3);

    assertThat(cancelled.cancel(false)).isTrue();
    assertThat(event.waiters()).isEqualTo(2);
    assertThat(interrupted.cancel(true)).isTrue();
    assertThat(event.waiters()).isEqualTo(1);

    event.set();

    assertThat(cancelled).isCancelled();
    assertThat(interrupted).isCancelled();
    assertThat(kept).isCompletedWithValue(null);
    assertThat(event.waiters()).isZero();
  }

  @Test
  void cancelAfterSetReturnsFalseAndTheWakeUpStands() {
    CompletableFuture<Void> w = event.await();
    event.set();

    assertThat(w.cancel(true)).isFalse();
    assertThat(w).isCompletedWithValue(null);
  }

  /**
   * An await cancelled after {@code set()} decided to wake it but before its future completed (it
   * waits behind the callback of a waiter woken first) loses, and the cancel completes it with its
   * wake-up: the set has raised the flag, which the first waiter's callback has already seen.
   */
  @Test
  void anAwaitCancelledWhileItsWakeUpIsInTransitIsWokenAnyway() {
    CompletableFuture<Void> first = event.await();
    CompletableFuture<Void> second = event.await();
    AtomicBoolean secondDoneWhenCancelled = new AtomicBoolean(true);
    AtomicBoolean setSeen = new AtomicBoolean();
    AtomicBoolean cancelled = new AtomicBoolean(true);
    AtomicBoolean secondDoneAfterCancel = new AtomicBoolean();
    first.thenRun(() -> {
      setSeen.set(event.isSet());
      secondDoneWhenCancelled.set(second.isDone());
      cancelled.set(second.cancel(false));
      secondDoneAfterCancel.set(second.isDone());
    });

    event.set();

    assertThat(setSeen).isTrue();
    assertThat(secondDoneWhenCancelled).isFalse();
    assertThat(cancelled).as("the cancel lost").isFalse();
    assertThat(secondDoneAfterCancel).as("the losing cancel completed it").isTrue();
    assertThat(second).isCompletedWithValue(null);
    assertThat(first).isCompletedWithValue(null);
    assertThat(event.waiters()).isZero();
  }

  @Test
  void aWaiterCompletedByTheCallerIsWithdrawnBeforeItsCallbacksRun() {
    CompletableFuture<Void> w = event.await();
    AtomicInteger waitersSeen = new AtomicInteger(-1);
    w.whenComplete((v, e) -> waitersSeen.set(event.waiters()));

    assertThat(w.completeExceptionally(new IllegalStateException("gave up"))).isTrue();

    assertThat(waitersSeen).hasValue(0);
    assertThat(event.waiters()).isZero();
  }

  // ---------------------------------------------------------------- threads and stack

  @Test
  void setCompletesEveryWaiterOnTheCallingThreadBeforeItReturns() throws Exception {
    List<CompletableFuture<Void>> waits = new ArrayList<>();
    List<Thread> callbackThreads = new CopyOnWriteArrayList<>();
    for (int i = 0; i < 3; i++) {
      CompletableFuture<Void> w = event.await();
      w.thenRun(() -> callbackThreads.add(Thread.currentThread()));
      waits.add(w);
    }
    AtomicBoolean allDoneRightAfterSet = new AtomicBoolean();
    Thread setter = new Thread(() -> {
      event.set();
      allDoneRightAfterSet.set(waits.stream().allMatch(CompletableFuture::isDone));
    }, "event-setter");

    setter.start();
    setter.join(SECONDS.toMillis(10));

    assertThat(setter.isAlive()).isFalse();
    assertThat(allDoneRightAfterSet).isTrue();
    assertThat(callbackThreads).hasSize(3).containsOnly(setter);
  }

  @Test
  void aHundredThousandWaitersWhoseCallbacksClearAndSetAgainDoNotOverflowTheStack() {
    int n = 100_000;
    AtomicInteger woken = new AtomicInteger();
    List<CompletableFuture<Void>> waits = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      CompletableFuture<Void> w = event.await();
      w.thenRun(() -> {
        woken.incrementAndGet();
        event.clear();
        event.set();
      });
      waits.add(w);
    }

    event.set();

    assertThat(woken).hasValue(n);
    assertThat(waits).allMatch(w -> w.isDone() && !w.isCompletedExceptionally());
    assertThat(event.waiters()).isZero();
  }

  @Test
  void aChainOfAHundredThousandEventsEachSettingTheNextDoesNotOverflowTheStack() {
    int n = 100_000;
    AsyncEvent[] events = new AsyncEvent[n];
    for (int i = 0; i < n; i++) {
      events[i] = AsyncEvent.create();
    }
    List<CompletableFuture<Void>> waits = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      CompletableFuture<Void> w = events[i].await();
      if (i + 1 < n) {
        AsyncEvent next = events[i + 1];
        w.thenRun(next::set);
      }
      waits.add(w);
    }

    events[0].set();

    assertThat(waits.get(n - 1)).isCompletedWithValue(null);
    assertThat(waits).allMatch(w -> w.isDone() && !w.isCompletedExceptionally());
  }

  @Test
  void aHundredThousandHandOffsThroughOneEventDoNotOverflowTheStack() {
    int n = 100_000;
    AtomicInteger handOffs = new AtomicInteger();
    Runnable[] next = new Runnable[1];
    next[0] = () -> {
      event.clear();
      if (handOffs.incrementAndGet() < n) {
        event.await().thenRun(next[0]);
        event.set();
      }
    };
    event.await().thenRun(next[0]);

    event.set();

    assertThat(handOffs).hasValue(n);
    assertThat(event.waiters()).isZero();
  }

  // ---------------------------------------------------------------- races

  @Test
  void setRacingCancelEitherWakesOrWithdrawsEachWaiterAndLeavesNoneBehind() throws Exception {
    int rounds = 2_000 * STRESS;
    for (int round = 0; round < rounds; round++) {
      AsyncEvent e = AsyncEvent.create();
      CompletableFuture<Void> w = e.await();
      CompletableFuture<Void> other = e.await();
      CountDownLatch start = new CountDownLatch(1);
      AtomicReference<Boolean> cancelResult = new AtomicReference<>();
      Thread canceller = new Thread(() -> {
        awaitLatch(start);
        cancelResult.set(w.cancel(false));
      });
      canceller.start();
      start.countDown();
      e.set();
      canceller.join(SECONDS.toMillis(10));

      assertThat(w).isDone();
      assertThat(w.isCancelled()).isEqualTo(cancelResult.get());
      if (!w.isCancelled()) {
        assertThat(w).isCompletedWithValue(null);
      }
      assertThat(other).isCompletedWithValue(null);
      assertThat(e.waiters()).isZero();
    }
  }

  private static void awaitLatch(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * An await that read the event clear and then waits for the event's internal guard to queue,
   * while a set() runs, must find the event set under the guard and complete, not queue where
   * no set will come. The window is opened deterministically: this thread holds the guard, so
   * the awaiting thread parks on it, and set() (the guard is reentrant) runs meanwhile.
   */
  @Test
  void anAwaitThatFindsTheEventSetWhileItWaitedForTheGuardCompletes() throws Exception {
    ReentrantLock guard = Guards.of(event);
    CompletableFuture<CompletableFuture<Void>> awaiting = new CompletableFuture<>();
    Thread awaiter = new Thread(() -> {
      try {
        awaiting.complete(event.await());
      } catch (Throwable t) {
        awaiting.completeExceptionally(t);
      }
    }, "awaiter");
    guard.lock();
    try {
      awaiter.start();
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
          .until(() -> guard.hasQueuedThread(awaiter)); // past its unguarded read of the flag
      event.set();
    } finally {
      guard.unlock();
    }
    assertThat(awaiting).succeedsWithin(Duration.ofSeconds(10));
    assertThat(awaiting.join()).as("the await").isCompleted();
    assertThat(event.waiters()).isZero();
  }
}
