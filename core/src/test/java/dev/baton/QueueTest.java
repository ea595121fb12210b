package dev.baton;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Behaviour of {@link AsyncQueue}: asyncio's Queue, PriorityQueue and LifoQueue (Python 3.13,
 * shutdown included), as specified in API.md section 1 and ASYNCIO-SEMANTICS.md.
 */
class QueueTest {

  /** Generous bound for anything that should already have happened or happens within ms. */
  private static final long BOUND_SECONDS = 5;
  private static final Duration SHORT = Duration.ofMillis(30);
  private static final int STRESS = Integer.getInteger("baton.stress", 1);

  private static ExecutorService racers;

  @BeforeAll
  static void startRacers() {
    racers = Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "queue-test-racer");
      t.setDaemon(true);
      return t;
    });
  }

  @AfterAll
  static void stopRacers() {
    racers.shutdownNow();
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers

  private static <T> T valueOf(CompletableFuture<T> f) {
    try {
      return f.get(BOUND_SECONDS, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw new AssertionError("expected a value but the future failed", e.getCause());
    } catch (InterruptedException | TimeoutException e) {
      throw new AssertionError("future did not complete within " + BOUND_SECONDS + "s", e);
    }
  }

  /** The exception a future fails with, waiting for it with a generous bound. */
  private static Throwable failureOf(CompletableFuture<?> f) {
    try {
      Object v = f.get(BOUND_SECONDS, TimeUnit.SECONDS);
      throw new AssertionError("expected a failure but the future completed with " + v);
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (InterruptedException | TimeoutException e) {
      throw new AssertionError("future did not complete within " + BOUND_SECONDS + "s", e);
    }
  }

  /** Runs {@code a} and {@code b} on two threads released together; waits for both. */
  private static void race(Runnable a, Runnable b) {
    CyclicBarrier start = new CyclicBarrier(2);
    Future<?> fa = racers.submit(() -> {
      start.await();
      a.run();
      return null;
    });
    Future<?> fb = racers.submit(() -> {
      start.await();
      b.run();
      return null;
    });
    try {
      fa.get(BOUND_SECONDS, TimeUnit.SECONDS);
      fb.get(BOUND_SECONDS, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("race did not finish cleanly", e);
    }
  }

  private static <T> List<T> drain(AsyncQueue<T> q) {
    List<T> out = new ArrayList<>();
    T item;
    while ((item = q.poll()) != null) {
      out.add(item);
    }
    return out;
  }

  // ---------------------------------------------------------------------------------------------

  @Nested
  class Ordering {

    @Test
    void aFifoQueueHandsOutItemsInTheOrderTheyWerePut() {
      AsyncQueue<Integer> q = AsyncQueue.bounded(10);
      for (int i : new int[] {3, 1, 4, 1, 5}) {
        assertThat(q.put(i)).isCompleted();
      }

      assertThat(valueOf(q.take())).isEqualTo(3);
      assertThat(drain(q)).containsExactly(1, 4, 1, 5);
    }

    @Test
    void anUnboundedQueueIsFifoToo() {
      AsyncQueue<String> q = AsyncQueue.unbounded();
      q.offer("a");
      q.offer("b");
      q.offer("c");

      assertThat(drain(q)).containsExactly("a", "b", "c");
    }

    @Test
    void aLifoQueueHandsOutTheMostRecentItemFirst() {
      AsyncQueue<Integer> q = AsyncQueue.lifo(10);
      q.offer(1);
      q.offer(2);
      q.offer(3);

      assertThat(valueOf(q.take())).isEqualTo(3);
      q.offer(4);
      assertThat(drain(q)).containsExactly(4, 2, 1);
    }

    @Test
    void aPriorityQueueHandsOutTheLeastItemFirstByNaturalOrder() {
      AsyncQueue<Integer> q = AsyncQueue.priority(10);
      for (int i : new int[] {5, 1, 4, 2, 3}) {
        q.offer(i);
      }

      assertThat(valueOf(q.take())).isEqualTo(1);
      assertThat(drain(q)).containsExactly(2, 3, 4, 5);
    }

    @Test
    void aPriorityQueueWithAComparatorHandsOutTheLeastItemByThatComparator() {
      AsyncQueue<String> q =
          AsyncQueue.priority(10, Comparator.comparingInt(String::length).reversed());
      q.offer("bb");
      q.offer("a");
      q.offer("dddd");
      q.offer("ccc");

      assertThat(drain(q)).containsExactly("dddd", "ccc", "bb", "a");
    }

    @Test
    void aPriorityQueueHandsOutItemsItsOrderFindsEqualInTheOrderTheyWentIn() {
      AsyncQueue<String> q = AsyncQueue.priority(10, Comparator.comparingInt(String::length));
      List.of("kiwi", "fig", "pear", "yew", "plum", "ash", "date").forEach(q::offer);
      q.poll();
      q.offer("oak");

      assertThat(drain(q)).containsExactly("yew", "ash", "oak", "kiwi", "pear", "plum", "date");
    }

    @Test
    void aPriorityQueueWithCapacityMaxValueIsUnbounded() {
      AsyncQueue<Integer> q = AsyncQueue.priority(Integer.MAX_VALUE);
      for (int i = 10_000; i > 0; i--) {
        assertThat(q.offer(i)).isTrue();
      }

      assertThat(q.isFull()).isFalse();
      assertThat(q.capacity()).isEqualTo(Integer.MAX_VALUE);
      assertThat(q.size()).isEqualTo(10_000);
      assertThat(q.poll()).isEqualTo(1);
      assertThat(q.poll()).isEqualTo(2);
    }

    @Test
    void aLifoQueueWithCapacityMaxValueIsUnbounded() {
      AsyncQueue<Integer> q = AsyncQueue.lifo(Integer.MAX_VALUE);
      for (int i = 0; i < 10_000; i++) {
        assertThat(q.offer(i)).isTrue();
      }

      assertThat(q.isFull()).isFalse();
      assertThat(q.poll()).isEqualTo(9_999);
    }

    @Test
    void aPriorityQueueHandsAWaitingTakerTheItemPutEvenIfALesserOneFollows() {
      AsyncQueue<Integer> q = AsyncQueue.priority(10);
      CompletableFuture<Integer> taker = q.take();

      q.offer(5);
      q.offer(1);

      assertThat(taker).isCompletedWithValue(5);
      assertThat(q.poll()).isEqualTo(1);
    }
  }

  // ---------------------------------------------------------------------------------------------

  @Nested
  class FullAndEmpty {

    @Test
    void putWaitsWhileTheQueueIsFull() {
      AsyncQueue<String> q = AsyncQueue.bounded(1);
      assertThat(q.put("a")).isCompleted();

      CompletableFuture<Void> put = q.put("b");

      assertThat(put).isNotDone();
      assertThat(q.putters()).isEqualTo(1);
      assertThat(q.size()).isEqualTo(1);

      assertThat(q.poll()).isEqualTo("a");
      assertThat(put).isCompleted();
      assertThat(q.putters()).isZero();
      assertThat(q.poll()).isEqualTo("b");
    }

    @Test
    void offerReturnsFalseAndAddsNothingWhenTheQueueIsFull() {
      AsyncQueue<String> q = AsyncQueue.bounded(2);
      assertThat(q.offer("a")).isTrue();
      assertThat(q.offer("b")).isTrue();

      assertThat(q.offer("c")).isFalse();

      assertThat(q.size()).isEqualTo(2);
      assertThat(q.unfinishedTasks()).isEqualTo(2);
      assertThat(drain(q)).containsExactly("a", "b");
    }

    @Test
    void takeWaitsWhileTheQueueIsEmpty() {
      AsyncQueue<String> q = AsyncQueue.unbounded();

      CompletableFuture<String> take = q.take();

      assertThat(take).isNotDone();
      assertThat(q.takers()).isEqualTo(1);

      q.offer("x");
      assertThat(take).isCompletedWithValue("x");
      assertThat(q.takers()).isZero();
      assertThat(q.isEmpty()).isTrue();
    }

    @Test
    void pollReturnsNullWhenTheQueueIsEmpty() {
      AsyncQueue<String> q = AsyncQueue.bounded(3);

      assertThat(q.poll()).isNull();
      assertThat(q.takers()).isZero();
    }

    @Test
    void offerDoesNotBargePastAWaitingPutter() {
      AsyncQueue<String> q = AsyncQueue.bounded(1);
      q.offer("a");
      CompletableFuture<Void> put = q.put("b");

      assertThat(q.poll()).isEqualTo("a");
      // the waiting putter took the freed room before offer could
      assertThat(put).isCompleted();
      assertThat(q.offer("c")).isFalse();
      assertThat(drain(q)).containsExactly("b");
    }

    @Test
    void pollDoesNotBargePastAWaitingTaker() {
      AsyncQueue<String> q = AsyncQueue.unbounded();
      CompletableFuture<String> taker = q.take();

      q.offer("x");

      assertThat(taker).isCompletedWithValue("x");
      assertThat(q.poll()).isNull();
    }

    @Test
    void sizeIsEmptyAndIsFullFollowTheItemsInTheQueue() {
      AsyncQueue<String> q = AsyncQueue.bounded(2);
      assertThat(q.size()).isZero();
      assertThat(q.isEmpty()).isTrue();
      assertThat(q.isFull()).isFalse();

      q.offer("a");
      assertThat(q.size()).isEqualTo(1);
      assertThat(q.isEmpty()).isFalse();
      assertThat(q.isFull()).isFalse();

      q.offer("b");
      assertThat(q.size()).isEqualTo(2);
      assertThat(q.isFull()).isTrue();

      q.put("c"); // waits: held by the putter, not in the queue
      assertThat(q.size()).isEqualTo(2);

      q.poll();
      assertThat(q.size()).isEqualTo(2);
      assertThat(q.isFull()).isTrue();
      q.poll();
      q.poll();
      assertThat(q.size()).isZero();
      assertThat(q.isEmpty()).isTrue();
      assertThat(q.isFull()).isFalse();
    }

    @Test
    void capacityIsWhatTheFactoryWasGivenAndMaxValueWhenUnbounded() {
      assertThat(AsyncQueue.unbounded().capacity()).isEqualTo(Integer.MAX_VALUE);
      assertThat(AsyncQueue.bounded(7).capacity()).isEqualTo(7);
      assertThat(AsyncQueue.lifo(3).capacity()).isEqualTo(3);
      assertThat(AsyncQueue.<Integer>priority(4).capacity()).isEqualTo(4);
      assertThat(AsyncQueue.<String>priority(5, Comparator.naturalOrder()).capacity()).isEqualTo(5);
    }

    @Test
    void anUnboundedQueueIsNeverFull() {
      AsyncQueue<Integer> q = AsyncQueue.unbounded();
      for (int i = 0; i < 10_000; i++) {
        assertThat(q.put(i)).isCompleted();
      }
      assertThat(q.isFull()).isFalse();
      assertThat(q.putters()).isZero();
    }
  }

  // ---------------------------------------------------------------------------------------------

  @Nested
  class Fairness {

    @Test
    void waitingTakersAreServedInTheOrderTheyStartedWaiting() {
      AsyncQueue<Integer> q = AsyncQueue.unbounded();
      List<String> served = new ArrayList<>();
      List<CompletableFuture<Integer>> takers = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        String name = "t" + i;
        CompletableFuture<Integer> t = q.take();
        t.thenAccept(v -> served.add(name + "=" + v));
        takers.add(t);
      }

      q.offer(10);
      q.offer(11);
      q.offer(12);

      assertThat(served).containsExactly("t0=10", "t1=11", "t2=12");
      assertThat(takers.get(3)).isNotDone();
      assertThat(q.takers()).isEqualTo(1);
    }

    @Test
    void waitingPuttersAreServedInTheOrderTheyStartedWaitingAndTheirItemsEnterInThatOrder() {
      AsyncQueue<String> q = AsyncQueue.bounded(1);
      q.offer("a");
      List<String> completed = new ArrayList<>();
      for (String item : List.of("b", "c", "d")) {
        q.put(item).thenRun(() -> completed.add(item));
      }
      assertThat(q.putters()).isEqualTo(3);

      assertThat(q.poll()).isEqualTo("a");
      assertThat(completed).containsExactly("b");
      assertThat(q.poll()).isEqualTo("b");
      assertThat(completed).containsExactly("b", "c");
      assertThat(valueOf(q.take())).isEqualTo("c");
      assertThat(q.poll()).isEqualTo("d");
      assertThat(completed).containsExactly("b", "c", "d");
      assertThat(q.poll()).isNull();
    }

    @Test
    void waitingPuttersOfALifoQueueEnterInTheOrderTheyStartedWaiting() {
      AsyncQueue<String> q = AsyncQueue.lifo(2);
      q.offer("a");
      q.offer("b");
      q.put("c");
      q.put("d");

      assertThat(q.poll()).isEqualTo("b"); // room for c
      assertThat(q.poll()).isEqualTo("c"); // room for d
      assertThat(q.poll()).isEqualTo("d");
      assertThat(q.poll()).isEqualTo("a");
    }

    @Test
    void aPutsFutureCompletesOnlyOnceItsItemIsInTheQueue() {
      AsyncQueue<String> q = AsyncQueue.bounded(1);
      q.offer("a");
      AtomicInteger sizeSeen = new AtomicInteger(-1);
      AtomicReference<String> polledInside = new AtomicReference<>();
      CompletableFuture<Void> put = q.put("b");
      put.thenRun(() -> {
        sizeSeen.set(q.size());
        polledInside.set(q.poll());
      });

      assertThat(q.poll()).isEqualTo("a");

      assertThat(put).isCompleted();
      assertThat(sizeSeen).hasValue(1);
      assertThat(polledInside).hasValue("b");
      assertThat(q.isEmpty()).isTrue();
    }

    @Test
    void aPutsFutureGrantedByATakeCompletesOnlyOnceItsItemIsInTheQueue() {
      AsyncQueue<String> q = AsyncQueue.bounded(1);
      q.offer("a");
      AtomicReference<String> polledInside = new AtomicReference<>();
      q.put("b").thenRun(() -> polledInside.set(q.poll()));

      assertThat(valueOf(q.take())).isEqualTo("a");

      assertThat(polledInside).hasValue("b");
    }
  }

  // ---------------------------------------------------------------------------------------------

  @Nested
  class Cancellation {

    @Test
    void aCancelledTakerLeavesTheQueueAndTheNextTakerGetsTheItem() {
      AsyncQueue<String> q = AsyncQueue.unbounded();
      CompletableFuture<String> first = q.take();
      CompletableFuture<String> second = q.take();
      AtomicInteger takersSeen = new AtomicInteger(-1);
      first.whenComplete((v, e) -> takersSeen.set(q.takers()));

      assertThat(first.cancel(false)).isTrue();
      assertThat(takersSeen).hasValue(1);
      assertThat(q.takers()).isEqualTo(1);

      q.offer("x");
      assertThat(first).isCancelled();
      assertThat(second).isCompletedWithValue("x");
      assertThat(q.isEmpty()).isTrue();
    }

    @Test
    void aTakerCancelledAfterItsItemArrivedKeepsTheItemAndLosesNothing() {
      AsyncQueue<String> q = AsyncQueue.unbounded();
      CompletableFuture<String> taker = q.take();
      q.offer("x");

      assertThat(taker.cancel(true)).isFalse();

      assertThat(taker).isCompletedWithValue("x");
      q.offer("y");
      assertThat(valueOf(q.take())).isEqualTo("y");
    }

    @Test
    void aTakerCancelledWhileItemsArriveLosesNoItemAndTheNextTakerGetsIt() {
      for (int round = 0; round < 2_000 * STRESS; round++) {
        AsyncQueue<Integer> q = AsyncQueue.unbounded();
        CompletableFuture<Integer> first = q.take();
        CompletableFuture<Integer> second = q.take();
        AtomicReference<Boolean> cancelled = new AtomicReference<>();
        int item = round;

        race(() -> cancelled.set(first.cancel(false)), () -> q.offer(item));

        assertThat(first.isDone()).as("round %d: first is done", round).isTrue();
        assertThat(cancelled.get()).as("round %d: cancel result", round)
            .isEqualTo(first.isCancelled());
        if (first.isCancelled()) {
          assertThat(second).as("round %d", round).isCompletedWithValue(round);
        } else {
          assertThat(first).as("round %d", round).isCompletedWithValue(round);
          assertThat(second).as("round %d", round).isNotDone();
          second.cancel(false);
        }
        assertThat(q.size()).as("round %d: size", round).isZero();
        assertThat(q.takers()).as("round %d: takers", round).isZero();
        assertThat(q.unfinishedTasks()).as("round %d: unfinished", round).isEqualTo(1);
      }
    }

    @Test
    void aCancelledTakerWithNoOtherTakerLeavesTheArrivingItemInTheQueue() {
      for (int round = 0; round < 2_000 * STRESS; round++) {
        AsyncQueue<Integer> q = AsyncQueue.unbounded();
        CompletableFuture<Integer> taker = q.take();

        int item = round;

        race(() -> taker.cancel(false), () -> q.offer(item));

        if (taker.isCancelled()) {
          assertThat(q.poll()).as("round %d", round).isEqualTo(round);
        } else {
          assertThat(taker).as("round %d", round).isCompletedWithValue(round);
          assertThat(q.poll()).as("round %d", round).isNull();
        }
        assertThat(q.takers()).as("round %d", round).isZero();
      }
    }

    @Test
    void aCancelledPutterInsertsNothingAndARetriedPutSucceeds() {
      AsyncQueue<String> q = AsyncQueue.bounded(1);
      q.offer("a");
      CompletableFuture<Void> put = q.put("b");
      AtomicInteger puttersSeen = new AtomicInteger(-1);
      put.whenComplete((v, e) -> puttersSeen.set(q.putters()));

      assertThat(put.cancel(false)).isTrue();
      assertThat(puttersSeen).hasValue(0);

      assertThat(q.poll()).isEqualTo("a");
      assertThat(q.isEmpty()).isTrue();
      assertThat(q.unfinishedTasks()).isEqualTo(1);

      CompletableFuture<Void> retry = q.put("b");
      assertThat(retry).isCompleted();
      assertThat(q.poll()).isEqualTo("b");
    }

    @Test
    void aPutterCancelledAsSpaceAppearsInsertsNothingAndARetriedPutSucceeds() {
      for (int round = 0; round < 2_000 * STRESS; round++) {
        AsyncQueue<String> q = AsyncQueue.bounded(1);
        q.offer("a");
        CompletableFuture<Void> put = q.put("b");
        AtomicReference<Boolean> cancelled = new AtomicReference<>();
        AtomicReference<String> polled = new AtomicReference<>();

        race(() -> cancelled.set(put.cancel(false)), () -> polled.set(q.poll()));

        assertThat(polled).as("round %d", round).hasValue("a");
        assertThat(put.isDone()).as("round %d", round).isTrue();
        assertThat(cancelled.get()).as("round %d: cancel result", round)
            .isEqualTo(put.isCancelled());
        assertThat(q.putters()).as("round %d", round).isZero();
        if (put.isCancelled()) {
          assertThat(q.isEmpty()).as("round %d: cancelled put inserted", round).isTrue();
          assertThat(q.unfinishedTasks()).as("round %d", round).isEqualTo(1);
          assertThat(q.put("b")).as("round %d: retry", round).isCompleted();
        } else {
          assertThat(put).as("round %d", round).isCompleted();
        }
        assertThat(drain(q)).as("round %d", round).containsExactly("b");
        assertThat(q.unfinishedTasks()).as("round %d", round).isEqualTo(2);
      }
    }

    /**
     * A taker cancelled once its item is decided but before it is delivered (it waits on the
     * putting thread behind the callback that put it) loses, and the cancel completes it with the
     * item: the queue already showed the item taken. Regression, twice over: such a cancel once
     * returned false with the take still pending, and later won and put the item back, which
     * could contradict what others had read of the queue meanwhile.
     */
    @Test
    void aTakerCancelledWhileItsItemIsInTransitLosesAndKeepsTheItem() {
      AsyncQueue<String> q = AsyncQueue.unbounded();
      CompletableFuture<String> a = q.take();
      CompletableFuture<String> b = q.take();
      CompletableFuture<String> c = q.take();
      AtomicBoolean bDoneWhenCancelled = new AtomicBoolean(true);
      AtomicInteger sizeWhenCancelled = new AtomicInteger(-1);
      AtomicBoolean cancelled = new AtomicBoolean(true);
      AtomicBoolean bDoneAfterCancel = new AtomicBoolean();
      a.thenAccept(x -> {
        q.offer("y"); // decides B's item, delivered only once this callback returns
        bDoneWhenCancelled.set(b.isDone());
        sizeWhenCancelled.set(q.size());
        cancelled.set(b.cancel(false));
        bDoneAfterCancel.set(b.isDone());
      });

      q.offer("x");

      assertThat(bDoneWhenCancelled).as("B was still in transit when cancelled").isFalse();
      assertThat(sizeWhenCancelled).as("the item already taken").hasValue(0);
      assertThat(cancelled).as("the cancel lost").isFalse();
      assertThat(bDoneAfterCancel).as("the losing cancel completed B").isTrue();
      assertThat(b).isCompletedWithValue("y");
      assertThat(a).isCompletedWithValue("x");
      assertThat(c).as("C still waits").isNotDone();
      assertThat(q.takers()).isOne();
      assertThat(q.unfinishedTasks()).isEqualTo(2);
    }

    /** {@code shutdownNow} drops what is queued, never an item already decided for a taker. */
    @Test
    void shutdownNowLeavesAnItemInTransitWithItsTaker() {
      AsyncQueue<String> q = AsyncQueue.unbounded();
      CompletableFuture<String> a = q.take();
      CompletableFuture<String> b = q.take();
      AtomicBoolean cancelled = new AtomicBoolean(true);
      a.thenAccept(x -> {
        q.offer("y"); // decided for B, delivered only once this callback returns
        q.offer("z");
        q.shutdownNow();
        cancelled.set(b.cancel(false));
      });

      q.offer("x");

      assertThat(cancelled).isFalse();
      assertThat(b).isCompletedWithValue("y");
      assertThat(q.size()).isZero();
      assertThat(q.unfinishedTasks()).as("A's and B's items are left to be marked done")
          .isEqualTo(2);
      CompletableFuture<Void> join = q.join();
      q.taskDone();
      q.taskDone();
      assertThat(join).isCompleted();
    }

    /**
     * A putter's grant has already put its item in the queue, where a taker may have it by now,
     * so a cancel that reaches it in transit loses and completes it at once.
     */
    @Test
    void aPutterCancelledWhileItsCompletionIsInTransitLosesBecauseItsItemIsAlreadyIn() {
      AsyncQueue<String> q = AsyncQueue.bounded(1);
      q.offer("a");
      CompletableFuture<Void> put = q.put("b");
      AsyncEvent cue = AsyncEvent.create();
      AtomicBoolean doneBeforeCancel = new AtomicBoolean(true);
      AtomicBoolean cancelled = new AtomicBoolean(true);
      AtomicBoolean doneAfterCancel = new AtomicBoolean();
      cue.await().thenRun(() -> {
        q.poll(); // makes room: decides the put, delivered only once this callback returns
        doneBeforeCancel.set(put.isDone());
        cancelled.set(put.cancel(false));
        doneAfterCancel.set(put.isDone());
      });

      cue.set();

      assertThat(doneBeforeCancel).isFalse();
      assertThat(cancelled).as("the cancel lost").isFalse();
      assertThat(doneAfterCancel).as("the put completed as the cancel returned").isTrue();
      assertThat(put).isCompleted();
      assertThat(drain(q)).containsExactly("b");
    }

    @Test
    void completingATakersFutureYourselfWithdrawsIt() {
      AsyncQueue<String> q = AsyncQueue.unbounded();
      CompletableFuture<String> taker = q.take();

      assertThat(taker.complete("mine")).isTrue();

      assertThat(q.takers()).isZero();
      q.offer("x");
      assertThat(q.poll()).isEqualTo("x");
    }
  }

  // ---------------------------------------------------------------------------------------------

  @Nested
  class TimedWaits {

    @Test
    void aTimedTakeFailsWithAcquireTimeoutExceptionAndTakesNothing() {
      AsyncQueue<String> q = AsyncQueue.unbounded();

      CompletableFuture<String> take = q.take(SHORT);

      Throwable failure = failureOf(take);
      assertThat(failure).isInstanceOf(AcquireTimeoutException.class);
      assertThat(((AcquireTimeoutException) failure).timeout()).isEqualTo(SHORT);
      assertThat(q.takers()).isZero();

      q.offer("x");
      assertThat(q.size()).isEqualTo(1);
      assertThat(q.poll()).isEqualTo("x");
    }

    @Test
    void aTimedOutTakerIsAlreadyExcludedFromTakersWhenItsFailureIsObservable() {
      AsyncQueue<String> q = AsyncQueue.unbounded();
      CompletableFuture<String> untimed = q.take();
      CompletableFuture<String> timed = q.take(SHORT);
      // the callback's own future: get() on `timed` may return before its callbacks have run
      CompletableFuture<Integer> takersSeen = timed.handle((v, e) -> q.takers());

      assertThat(failureOf(timed)).isInstanceOf(AcquireTimeoutException.class);

      assertThat(valueOf(takersSeen)).isEqualTo(1);
      q.offer("x");
      assertThat(untimed).isCompletedWithValue("x");
    }

    @Test
    void aTimedPutFailsWithAcquireTimeoutExceptionAndAddsNothing() {
      AsyncQueue<String> q = AsyncQueue.bounded(1);
      q.offer("a");

      CompletableFuture<Void> put = q.put("b", SHORT);

      assertThat(failureOf(put)).isInstanceOf(AcquireTimeoutException.class);
      assertThat(q.putters()).isZero();
      assertThat(q.unfinishedTasks()).isEqualTo(1);
      assertThat(q.poll()).isEqualTo("a");
      assertThat(q.poll()).isNull();
    }

    @Test
    void aTimedOutPutterIsAlreadyExcludedFromPuttersWhenItsFailureIsObservable() {
      AsyncQueue<String> q = AsyncQueue.bounded(1);
      q.offer("a");
      CompletableFuture<Void> untimed = q.put("b");
      CompletableFuture<Void> timed = q.put("c", SHORT);
      // the callback's own future: get() on `timed` may return before its callbacks have run
      CompletableFuture<List<Integer>> seen =
          timed.handle((v, e) -> List.of(q.putters(), q.size()));

      assertThat(failureOf(timed)).isInstanceOf(AcquireTimeoutException.class);

      assertThat(valueOf(seen)).as("putters, size").containsExactly(1, 1);
      assertThat(q.poll()).isEqualTo("a");
      assertThat(untimed).isCompleted();
      assertThat(drain(q)).containsExactly("b");
    }

    @Test
    void aTimedTakeThatGetsAnItemInTimeSucceedsAndNeverTimesOutLater() {
      AsyncQueue<String> q = AsyncQueue.unbounded();
      CompletableFuture<String> take = q.take(Duration.ofMillis(100));

      q.offer("x");

      assertThat(take).isCompletedWithValue("x");
      // an outstanding timer would try to fail it; the value must stand
      await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2))
          .until(() -> take.getNow(null) != null && !take.isCompletedExceptionally());
    }

    @Test
    void aZeroTimeoutTakeSucceedsAtOnceWhenAnItemIsThere() {
      AsyncQueue<String> q = AsyncQueue.unbounded();
      q.offer("x");

      assertThat(q.take(Duration.ZERO)).isCompletedWithValue("x");
    }

    @Test
    void aZeroOrNegativeTimeoutTakeOnAnEmptyQueueTimesOutAtOnceWithoutThrowing() {
      AsyncQueue<String> q = AsyncQueue.unbounded();

      CompletableFuture<String> zero = q.take(Duration.ZERO);
      CompletableFuture<String> negative = q.take(Duration.ofMillis(-5));

      assertThat(zero).isCompletedExceptionally();
      assertThat(negative).isCompletedExceptionally();
      assertThat(failureOf(zero)).isInstanceOf(AcquireTimeoutException.class);
      assertThat(failureOf(negative)).isInstanceOf(AcquireTimeoutException.class);
      assertThat(q.takers()).isZero();
      q.offer("x");
      assertThat(q.poll()).isEqualTo("x");
    }

    @Test
    void aZeroOrNegativeTimeoutPutSucceedsAtOnceWhenThereIsRoom() {
      AsyncQueue<String> q = AsyncQueue.bounded(2);

      assertThat(q.put("a", Duration.ZERO)).isCompleted();
      assertThat(q.put("b", Duration.ofSeconds(-1))).isCompleted();

      assertThat(drain(q)).containsExactly("a", "b");
    }

    @Test
    void aZeroOrNegativeTimeoutPutOnAFullQueueTimesOutAtOnceWithoutThrowingAndAddsNothing() {
      AsyncQueue<String> q = AsyncQueue.bounded(1);
      q.offer("a");

      CompletableFuture<Void> zero = q.put("b", Duration.ZERO);
      CompletableFuture<Void> negative = q.put("c", Duration.ofMillis(-1));

      assertThat(zero).isCompletedExceptionally();
      assertThat(negative).isCompletedExceptionally();
      assertThat(failureOf(zero)).isInstanceOf(AcquireTimeoutException.class);
      assertThat(failureOf(negative)).isInstanceOf(AcquireTimeoutException.class);
      assertThat(q.putters()).isZero();
      assertThat(q.unfinishedTasks()).isEqualTo(1);
      assertThat(drain(q)).containsExactly("a");
    }

    @Test
    void aTimedOutTakeIsNotCountedAsATakerOnceObservedThroughAwaitility() {
      AsyncQueue<String> q = AsyncQueue.unbounded();
      CompletableFuture<String> take = q.take(Duration.ofMillis(20));

      await().atMost(Duration.ofSeconds(BOUND_SECONDS)).until(take::isDone);

      assertThat(failureOf(take)).isInstanceOf(AcquireTimeoutException.class);
      assertThat(q.takers()).isZero();
    }
  }

  // ---------------------------------------------------------------------------------------------

  @Nested
  class WorkTracking {

    @Test
    void taskDoneCalledMoreOftenThanItemsWerePutThrowsWithAMessageSayingWhatToDo() {
      AsyncQueue<String> q = AsyncQueue.unbounded();
      q.offer("a");
      q.poll();
      q.taskDone();

      assertThatThrownBy(q::taskDone)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("taskDone")
          .hasMessageContaining("once per item");
      assertThat(q.unfinishedTasks()).isZero();
    }

    @Test
    void taskDoneOnAFreshQueueThrows() {
      AsyncQueue<String> q = AsyncQueue.bounded(3);

      assertThatThrownBy(q::taskDone).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void joinOnAFreshQueueIsCompleteAtOnce() {
      assertThat(AsyncQueue.unbounded().join()).isCompleted();
    }

    @Test
    void joinWaitsForEveryItemPutToBeMarkedDone() {
      AsyncQueue<String> q = AsyncQueue.unbounded();
      q.offer("a");
      q.offer("b");
      CompletableFuture<Void> join = q.join();
      assertThat(join).isNotDone();

      q.poll();
      q.poll();
      assertThat(join).isNotDone(); // taken is not done

      q.taskDone();
      assertThat(join).isNotDone();
      q.taskDone();
      assertThat(join).isCompleted();
      assertThat(q.join()).isCompleted();
    }

    @Test
    void joinCompletesOnTheThreadThatCallsTheLastTaskDoneBeforeItReturns() {
      AsyncQueue<String> q = AsyncQueue.unbounded();
      q.offer("a");
      AtomicReference<Thread> ranOn = new AtomicReference<>();
      q.join().thenRun(() -> ranOn.set(Thread.currentThread()));

      q.poll();
      q.taskDone();

      assertThat(ranOn).hasValue(Thread.currentThread());
    }

    /**
     * A join cancelled after the last {@code taskDone()} decided to complete it but before its
     * future completed (it waits behind the callback of a join completed first) loses, and the
     * cancel completes it: the count has reached zero, which that callback has already seen.
     */
    @Test
    void aJoinCancelledWhileItsCompletionIsInTransitCompletesAnyway() {
      AsyncQueue<String> q = AsyncQueue.unbounded();
      q.offer("a");
      CompletableFuture<Void> first = q.join();
      CompletableFuture<Void> second = q.join();
      AtomicInteger unfinishedSeen = new AtomicInteger(-1);
      AtomicBoolean secondDoneWhenCancelled = new AtomicBoolean(true);
      AtomicBoolean cancelled = new AtomicBoolean(true);
      first.thenRun(() -> {
        unfinishedSeen.set(q.unfinishedTasks());
        secondDoneWhenCancelled.set(second.isDone());
        cancelled.set(second.cancel(false));
      });

      q.poll();
      q.taskDone();

      assertThat(unfinishedSeen).hasValue(0);
      assertThat(secondDoneWhenCancelled).isFalse();
      assertThat(cancelled).as("the cancel lost").isFalse();
      assertThat(second).isCompletedWithValue(null);
    }

    @Test
    void unfinishedTasksCountsItemsPutAndNotYetMarkedDone() {
      AsyncQueue<String> q = AsyncQueue.bounded(2);
      assertThat(q.unfinishedTasks()).isZero();

      q.offer("a");
      q.put("b");
      assertThat(q.unfinishedTasks()).isEqualTo(2);

      assertThat(q.offer("rejected")).isFalse();
      CompletableFuture<Void> waiting = q.put("c");
      assertThat(q.unfinishedTasks()).as("a waiting putter's item is not a task yet").isEqualTo(2);

      q.poll(); // c enters
      assertThat(waiting).isCompleted();
      assertThat(q.unfinishedTasks()).isEqualTo(3);

      q.taskDone();
      assertThat(q.unfinishedTasks()).isEqualTo(2);
      q.poll();
      q.poll();
      assertThat(q.unfinishedTasks()).as("taking does not finish a task").isEqualTo(2);
      q.taskDone();
      q.taskDone();
      assertThat(q.unfinishedTasks()).isZero();
    }

    @Test
    void anItemHandedStraightToAWaitingTakerStillCountsAsAnUnfinishedTask() {
      AsyncQueue<String> q = AsyncQueue.unbounded();
      q.take();
      q.offer("x");

      assertThat(q.unfinishedTasks()).isEqualTo(1);
      CompletableFuture<Void> join = q.join();
      assertThat(join).isNotDone();
      q.taskDone();
      assertThat(join).isCompleted();
    }
  }

  // ---------------------------------------------------------------------------------------------

  @Nested
  class Shutdown {

    @Test
    void aFreshQueueIsNotShutDownAndShutdownIsIdempotent() {
      AsyncQueue<String> q = AsyncQueue.bounded(3);
      q.offer("a");
      assertThat(q.isShutdown()).isFalse();

      q.shutdown();
      q.shutdown();

      assertThat(q.isShutdown()).isTrue();
      assertThat(q.size()).isEqualTo(1);
      assertThat(q.poll()).isEqualTo("a");
    }

    @Test
    void shutdownFailsBlockedPuttersWithQueueShutdownExceptionAndAddsNothing() {
      AsyncQueue<String> q = AsyncQueue.bounded(1);
      q.offer("a");
      CompletableFuture<Void> blocked = q.put("b");
      AtomicInteger puttersSeen = new AtomicInteger(-1);
      blocked.whenComplete((v, e) -> puttersSeen.set(q.putters()));

      q.shutdown();

      assertThat(blocked).isCompletedExceptionally();
      assertThat(failureOf(blocked)).isInstanceOf(QueueShutdownException.class);
      assertThat(puttersSeen).hasValue(0);
      assertThat(q.unfinishedTasks()).isEqualTo(1);
      assertThat(q.poll()).isEqualTo("a");
      assertThatThrownBy(q::poll).isInstanceOf(QueueShutdownException.class);
    }

    @Test
    void aPutAfterShutdownFailsWithQueueShutdownException() {
      AsyncQueue<String> q = AsyncQueue.unbounded();
      q.shutdown();

      CompletableFuture<Void> put = q.put("a");
      CompletableFuture<Void> timed = q.put("b", SHORT);

      assertThat(put).isCompletedExceptionally();
      assertThat(failureOf(put)).isInstanceOf(QueueShutdownException.class);
      assertThat(failureOf(timed)).isInstanceOf(QueueShutdownException.class);
      assertThat(q.size()).isZero();
      assertThat(q.unfinishedTasks()).isZero();
    }

    @Test
    void offerAfterShutdownThrowsQueueShutdownExceptionEvenWithRoom() {
      AsyncQueue<String> q = AsyncQueue.bounded(5);
      q.shutdown();

      assertThatThrownBy(() -> q.offer("a")).isInstanceOf(QueueShutdownException.class);
      assertThat(q.size()).isZero();
    }

    @Test
    void takersDrainTheRemainingItemsAfterShutdownThenFail() {
      AsyncQueue<String> q = AsyncQueue.unbounded();
      q.offer("a");
      q.offer("b");
      q.offer("c");

      q.shutdown();

      assertThat(valueOf(q.take())).isEqualTo("a");
      assertThat(valueOf(q.take(SHORT))).isEqualTo("b");
      assertThat(q.poll()).isEqualTo("c");
      CompletableFuture<String> afterDrain = q.take();
      assertThat(afterDrain).isCompletedExceptionally();
      assertThat(failureOf(afterDrain)).isInstanceOf(QueueShutdownException.class);
      assertThat(failureOf(q.take(SHORT))).isInstanceOf(QueueShutdownException.class);
    }

    @Test
    void pollDrainsTheRemainingItemsAfterShutdownThenThrows() {
      AsyncQueue<String> q = AsyncQueue.unbounded();
      q.offer("a");
      q.shutdown();

      assertThat(q.poll()).isEqualTo("a");
      assertThatThrownBy(q::poll).isInstanceOf(QueueShutdownException.class);
    }

    @Test
    void shutdownFailsTakersWaitingOnAnEmptyQueue() {
      AsyncQueue<String> q = AsyncQueue.unbounded();
      CompletableFuture<String> first = q.take();
      CompletableFuture<String> second = q.take(Duration.ofSeconds(30));
      AtomicInteger takersSeen = new AtomicInteger(-1);
      first.whenComplete((v, e) -> takersSeen.set(q.takers()));

      q.shutdown();

      assertThat(first).isCompletedExceptionally();
      assertThat(second).isCompletedExceptionally();
      assertThat(failureOf(first)).isInstanceOf(QueueShutdownException.class);
      assertThat(failureOf(second)).isInstanceOf(QueueShutdownException.class);
      assertThat(takersSeen).hasValue(0);
      assertThat(q.takers()).isZero();
    }

    @Test
    void joinStillWaitsForItemsAlreadyTakenAfterShutdown() {
      AsyncQueue<String> q = AsyncQueue.unbounded();
      q.offer("a");
      q.offer("b");
      q.poll();

      q.shutdown();
      CompletableFuture<Void> join = q.join();

      assertThat(join).isNotDone();
      assertThat(q.unfinishedTasks()).isEqualTo(2);
      q.poll();
      q.taskDone();
      assertThat(join).isNotDone();
      q.taskDone();
      assertThat(join).isCompleted();
    }

    @Test
    void shutdownCompletesFailedWaitersOnTheCallingThreadBeforeItReturns() {
      AsyncQueue<String> q = AsyncQueue.unbounded();
      AtomicReference<Thread> ranOn = new AtomicReference<>();
      q.take().whenComplete((v, e) -> ranOn.set(Thread.currentThread()));

      q.shutdown();

      assertThat(ranOn).hasValue(Thread.currentThread());
    }

    @Test
    void aShutDownQueueFailsZeroTimeoutPutsAndTakesWithQueueShutdownExceptionNotATimeout() {
      AsyncQueue<String> full = AsyncQueue.bounded(1);
      full.offer("a");
      full.shutdown();

      assertThat(failureOf(full.put("b", Duration.ZERO)))
          .isInstanceOf(QueueShutdownException.class);
      assertThatThrownBy(() -> full.offer("b")).as("offer throws, even when full")
          .isInstanceOf(QueueShutdownException.class);
      assertThat(valueOf(full.take(Duration.ZERO))).isEqualTo("a");
      assertThat(failureOf(full.take(Duration.ZERO))).isInstanceOf(QueueShutdownException.class);
      assertThat(failureOf(full.take(Duration.ofMillis(-1))))
          .isInstanceOf(QueueShutdownException.class);
    }

    @Test
    void aPriorityQueueDrainsInPriorityOrderAfterShutdown() {
      AsyncQueue<Integer> q = AsyncQueue.priority(Integer.MAX_VALUE);
      q.offer(3);
      q.offer(1);
      q.offer(2);

      q.shutdown();

      assertThat(valueOf(q.take())).isEqualTo(1);
      assertThat(q.poll()).isEqualTo(2);
      assertThat(valueOf(q.take(SHORT))).isEqualTo(3);
      assertThat(failureOf(q.take())).isInstanceOf(QueueShutdownException.class);
    }

    @Test
    void aTimedTakeFailedByShutdownNeverTimesOutLater() {
      AsyncQueue<String> q = AsyncQueue.unbounded();
      CompletableFuture<String> timed = q.take(SHORT);
      q.shutdown();

      assertThat(failureOf(timed)).isInstanceOf(QueueShutdownException.class);
      AsyncQueue<String> clock = AsyncQueue.unbounded();
      assertThat(failureOf(clock.take(SHORT.multipliedBy(3))))
          .isInstanceOf(AcquireTimeoutException.class);
      assertThat(failureOf(timed)).as("still the shutdown, long past the deadline")
          .isInstanceOf(QueueShutdownException.class);
      assertThat(q.takers()).isZero();
    }
  }

  // ---------------------------------------------------------------------------------------------

  @Nested
  class ShutdownNow {

    @Test
    void shutdownNowDropsQueuedItemsAndSubtractsOnlyThemFromUnfinishedTasks() {
      AsyncQueue<String> q = AsyncQueue.unbounded();
      q.offer("a");
      q.offer("b");
      q.offer("c");
      assertThat(q.poll()).isEqualTo("a"); // taken, not done

      q.shutdownNow();

      assertThat(q.isShutdown()).isTrue();
      assertThat(q.size()).isZero();
      assertThat(q.unfinishedTasks()).isEqualTo(1);
      assertThatThrownBy(q::poll).isInstanceOf(QueueShutdownException.class);
      assertThat(failureOf(q.take())).isInstanceOf(QueueShutdownException.class);
    }

    @Test
    void joinWaitsForTheTaskDoneOfItemsTakenBeforeShutdownNow() {
      AsyncQueue<String> q = AsyncQueue.unbounded();
      q.offer("a");
      q.offer("b");
      q.poll();
      CompletableFuture<Void> join = q.join();

      q.shutdownNow();

      assertThat(join).isNotDone();
      q.taskDone();
      assertThat(join).isCompleted();
      assertThatThrownBy(q::taskDone).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void shutdownNowReleasesJoinersWhenOnlyQueuedItemsWereUnfinished() {
      AsyncQueue<String> q = AsyncQueue.unbounded();
      q.offer("a");
      q.offer("b");
      CompletableFuture<Void> join = q.join();
      AtomicReference<Thread> ranOn = new AtomicReference<>();
      join.thenRun(() -> ranOn.set(Thread.currentThread()));

      q.shutdownNow();

      assertThat(join).isCompleted();
      assertThat(ranOn).hasValue(Thread.currentThread());
      assertThat(q.unfinishedTasks()).isZero();
    }

    @Test
    void shutdownNowFailsEveryWaitingTake() {
      AsyncQueue<String> q = AsyncQueue.unbounded();
      CompletableFuture<String> a = q.take();
      CompletableFuture<String> b = q.take(Duration.ofSeconds(30));

      q.shutdownNow();

      assertThat(failureOf(a)).isInstanceOf(QueueShutdownException.class);
      assertThat(failureOf(b)).isInstanceOf(QueueShutdownException.class);
      assertThat(q.takers()).isZero();
    }

    @Test
    void shutdownNowFailsEveryWaitingPutAndAddsNoneOfTheirItems() {
      AsyncQueue<String> q = AsyncQueue.bounded(1);
      q.offer("a");
      CompletableFuture<Void> b = q.put("b");
      CompletableFuture<Void> c = q.put("c", Duration.ofSeconds(30));

      q.shutdownNow();

      assertThat(b).isCompletedExceptionally();
      assertThat(c).isCompletedExceptionally();
      assertThat(failureOf(b)).isInstanceOf(QueueShutdownException.class);
      assertThat(failureOf(c)).isInstanceOf(QueueShutdownException.class);
      assertThat(q.putters()).isZero();
      assertThat(q.size()).isZero();
      assertThat(q.unfinishedTasks()).isZero();
      assertThatThrownBy(() -> q.offer("d")).isInstanceOf(QueueShutdownException.class);
    }

    @Test
    void shutdownNowAfterShutdownStillDropsTheQueuedItems() {
      AsyncQueue<String> q = AsyncQueue.unbounded();
      q.offer("a");
      q.offer("b");
      q.shutdown();
      assertThat(q.size()).isEqualTo(2);

      q.shutdownNow();
      q.shutdownNow();

      assertThat(q.size()).isZero();
      assertThat(q.unfinishedTasks()).isZero();
      assertThat(q.join()).isCompleted();
    }

    @Test
    void everyOperationAfterShutdownNowFailsAsAfterShutdownOnAnEmptyQueue() {
      AsyncQueue<String> q = AsyncQueue.bounded(2);
      q.offer("a");

      q.shutdownNow();

      assertThat(q.isShutdown()).isTrue();
      assertThatThrownBy(() -> q.offer("b")).isInstanceOf(QueueShutdownException.class);
      assertThat(failureOf(q.put("b"))).isInstanceOf(QueueShutdownException.class);
      assertThat(failureOf(q.put("b", SHORT))).isInstanceOf(QueueShutdownException.class);
      assertThat(failureOf(q.take(SHORT))).isInstanceOf(QueueShutdownException.class);
      assertThatThrownBy(q::poll).isInstanceOf(QueueShutdownException.class);
      assertThat(q.size()).isZero();
      assertThat(q.isEmpty()).isTrue();
      assertThat(q.takers()).isZero();
      assertThat(q.putters()).isZero();
      assertThat(q.join()).isCompleted();
    }

    @Test
    void shutdownNowFailsWaitingPuttersOnTheCallingThreadBeforeItReturns() {
      AsyncQueue<String> q = AsyncQueue.bounded(1);
      q.offer("a");
      AtomicReference<Thread> ranOn = new AtomicReference<>();
      AtomicInteger sizeSeen = new AtomicInteger(-1);
      q.put("b").whenComplete((v, e) -> {
        ranOn.set(Thread.currentThread());
        sizeSeen.set(q.size());
      });

      q.shutdownNow();

      assertThat(ranOn).hasValue(Thread.currentThread());
      assertThat(sizeSeen).as("the queued item was dropped before the putter failed").hasValue(0);
    }
  }

  // ---------------------------------------------------------------------------------------------

  @Nested
  class Concurrency {

    @Test
    void concurrentTimedAndCancelledPutsAndTakesNeitherLoseNorDuplicateAnItem() throws Exception {
      AsyncQueue<Integer> q = AsyncQueue.bounded(2);
      int producers = 3;
      int consumers = 3;
      int perProducer = 2_000 * STRESS;
      int total = producers * perProducer;
      Duration tiny = Duration.ofNanos(200_000);
      ConcurrentLinkedQueue<Integer> received = new ConcurrentLinkedQueue<>();
      AtomicInteger remaining = new AtomicInteger(total);
      ExecutorService pool = Executors.newFixedThreadPool(producers + consumers);
      try {
        List<Future<?>> running = new ArrayList<>();
        for (int p = 0; p < producers; p++) {
          int base = p * perProducer;
          running.add(pool.submit(() -> {
            for (int i = 0; i < perProducer; i++) {
              for (;;) { // a timed-out put added nothing, so retrying cannot duplicate
                CompletableFuture<Void> put = q.put(base + i, tiny);
                try {
                  put.get(BOUND_SECONDS, TimeUnit.SECONDS);
                  break;
                } catch (ExecutionException e) {
                  assertThat(e.getCause()).isInstanceOf(AcquireTimeoutException.class);
                }
              }
            }
            return null;
          }));
        }
        for (int c = 0; c < consumers; c++) {
          int consumer = c;
          running.add(pool.submit(() -> {
            int n = 0;
            while (remaining.get() > 0) {
              CompletableFuture<Integer> take;
              if ((n++ + consumer) % 3 == 0) {
                take = q.take();
                if (take.cancel(false)) {
                  continue;
                }
              } else {
                take = q.take(tiny);
              }
              try {
                received.add(take.get(BOUND_SECONDS, TimeUnit.SECONDS));
                remaining.decrementAndGet();
              } catch (ExecutionException e) {
                assertThat(e.getCause()).isInstanceOf(AcquireTimeoutException.class);
              }
            }
            return null;
          }));
        }
        for (Future<?> f : running) {
          f.get(60, TimeUnit.SECONDS);
        }
      } finally {
        pool.shutdownNow();
      }

      List<Integer> sorted = new ArrayList<>(received);
      Collections.sort(sorted);
      assertThat(sorted).hasSize(total);
      for (int i = 0; i < total; i++) {
        assertThat(sorted.get(i)).isEqualTo(i);
      }
      assertThat(q.size()).isZero();
      assertThat(q.takers()).isZero();
      assertThat(q.putters()).isZero();
      assertThat(q.unfinishedTasks()).isEqualTo(total);
    }
  }

  // ---------------------------------------------------------------------------------------------

  @Nested
  class Robustness {

    /**
     * asyncio's PriorityQueue inserts a waiting putter's item in the putter's own task, so a
     * comparison that fails raises in that put and the getter keeps its item. Here the item is
     * inserted by whoever makes room; the consumer must not pay for the putter's item.
     */
    @Test
    void aComparatorThatFailsOnAWaitingPuttersItemFailsThatPutAndTheTakerKeepsItsItem() {
      Comparator<String> order = (x, y) -> {
        if (x.equals("boom") || y.equals("boom")) {
          throw new IllegalArgumentException("cannot order boom");
        }
        return x.compareTo(y);
      };
      AsyncQueue<String> q = AsyncQueue.priority(2, order);
      q.offer("a");
      q.offer("b");
      CompletableFuture<Void> put = q.put("boom");

      Object polled;
      try {
        polled = q.poll();
      } catch (RuntimeException e) {
        polled = e;
      }

      List<String> problems = new ArrayList<>();
      if (!"a".equals(polled)) {
        problems.add("the consumer's poll gave " + polled + " instead of a");
      }
      if (!put.isDone()) {
        problems.add("the failing put never completes");
      }
      if (q.putters() != 0) {
        problems.add("putters is " + q.putters());
      }
      if (q.unfinishedTasks() != 2) {
        problems.add("unfinished is " + q.unfinishedTasks() + " instead of 2 (a taken, b queued)");
      }
      if (q.size() != 1) {
        problems.add("size is " + q.size() + " instead of 1 (b)");
      }
      // whoever gives up on the put later must not be told that "boom" was added
      put.cancel(false);
      if (!put.isCompletedExceptionally()) {
        problems.add("after cancel(false) the put reports success for an item never added");
      }
      assertThat(problems).isEmpty();
    }

    /**
     * java.util.PriorityQueue moves elements up while it compares; a comparison that throws
     * after two moves leaves one item copied twice and another lost. The put of the rejected
     * item must fail alone.
     */
    @Test
    void aPutWhoseItemTheComparatorRejectsDeepInTheHeapFailsAloneAndLosesNoOtherItem() {
      AsyncQueue<Integer> q = AsyncQueue.priority(100, rejecting(0, 10));
      List<Integer> items = tensUpTo(150);
      items.forEach(q::put);

      assertThatThrownBy(() -> q.put(0)).hasMessage("cannot order 0 against 10");

      assertThat(drain(q)).containsExactlyElementsOf(items);
      assertThat(q.unfinishedTasks()).isEqualTo(items.size());
    }

    @Test
    void anOfferWhoseItemTheComparatorRejectsDeepInTheHeapFailsAloneAndLosesNoOtherItem() {
      AsyncQueue<Integer> q = AsyncQueue.priority(100, rejecting(0, 10));
      List<Integer> items = tensUpTo(150);
      items.forEach(q::offer);

      assertThatThrownBy(() -> q.offer(0)).hasMessage("cannot order 0 against 10");

      assertThat(drain(q)).containsExactlyElementsOf(items);
      assertThat(q.unfinishedTasks()).isEqualTo(items.size());
    }

    @Test
    void aWaitingPutWhoseItemTheComparatorRejectsDeepInTheHeapFailsAloneAndLosesNoOtherItem() {
      List<Integer> items = tensUpTo(150);
      AsyncQueue<Integer> q = AsyncQueue.priority(items.size(), rejecting(0, 20));
      items.forEach(q::put);
      CompletableFuture<Void> put = q.put(0);

      assertThat(q.poll()).isEqualTo(10); // makes room: the waiting put's item is compared in

      assertThat(failureOf(put)).hasMessage("cannot order 0 against 20");
      assertThat(drain(q)).containsExactlyElementsOf(items.subList(1, items.size()));
      assertThat(q.putters()).isZero();
      assertThat(q.unfinishedTasks()).isEqualTo(items.size());
    }

    /** The same on the way out: a take whose comparisons throw leaves the queue as it was. */
    @Test
    void aPollDuringWhichTheComparatorThrowsLeavesEveryItemInTheQueue() {
      AtomicReference<Integer> rejected = new AtomicReference<>();
      Comparator<Integer> order = (x, y) -> {
        if (x.equals(rejected.get()) || y.equals(rejected.get())) {
          throw new IllegalArgumentException("cannot order " + rejected.get() + " any more");
        }
        return Integer.compare(x, y);
      };
      AsyncQueue<Integer> q = AsyncQueue.priority(100, order);
      List<Integer> items = tensUpTo(150);
      items.forEach(q::put);
      rejected.set(80); // met after two moves, as the last item sinks from the top

      assertThatThrownBy(q::poll).hasMessage("cannot order 80 any more");

      rejected.set(null);
      assertThat(drain(q)).containsExactlyElementsOf(items);
    }

    /** Integer order, except that comparing {@code item} with {@code against} throws. */
    private Comparator<Integer> rejecting(int item, int against) {
      return (x, y) -> {
        if (x == item && y == against || x == against && y == item) {
          throw new IllegalArgumentException("cannot order " + item + " against " + against);
        }
        return Integer.compare(x, y);
      };
    }

    /** 10, 20, ... up to {@code last}: put in this order, a heap four levels deep. */
    private List<Integer> tensUpTo(int last) {
      List<Integer> items = new ArrayList<>();
      for (int i = 10; i <= last; i += 10) {
        items.add(i);
      }
      return items;
    }

    private List<Integer> drain(AsyncQueue<Integer> q) {
      List<Integer> drained = new ArrayList<>();
      for (Integer item = q.poll(); item != null; item = q.poll()) {
        drained.add(item);
      }
      return drained;
    }
  }

  // ---------------------------------------------------------------------------------------------

  @Nested
  class ArgumentChecks {

    @Test
    void putOrOfferOfNullThrowsNullPointerException() {
      AsyncQueue<String> q = AsyncQueue.unbounded();

      assertThatThrownBy(() -> q.put(null)).isInstanceOf(NullPointerException.class);
      assertThatThrownBy(() -> q.put(null, SHORT)).isInstanceOf(NullPointerException.class);
      assertThatThrownBy(() -> q.offer(null)).isInstanceOf(NullPointerException.class);
      assertThat(q.size()).isZero();
      assertThat(q.unfinishedTasks()).isZero();
    }

    @Test
    void aNullTimeoutThrowsNullPointerException() {
      AsyncQueue<String> q = AsyncQueue.unbounded();

      assertThatThrownBy(() -> q.put("a", null)).isInstanceOf(NullPointerException.class);
      assertThatThrownBy(() -> q.take(null)).isInstanceOf(NullPointerException.class);
      assertThat(q.size()).isZero();
      assertThat(q.takers()).isZero();
    }

    @Test
    void aNonPositiveCapacityThrowsIllegalArgumentExceptionNamingCapacity() {
      assertThatThrownBy(() -> AsyncQueue.bounded(0))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("capacity");
      assertThatThrownBy(() -> AsyncQueue.lifo(-1))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("capacity");
      assertThatThrownBy(() -> AsyncQueue.<Integer>priority(0))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("capacity");
      assertThatThrownBy(() -> AsyncQueue.<String>priority(-3, Comparator.naturalOrder()))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("capacity");
    }

    @Test
    void aNullComparatorThrowsNullPointerException() {
      assertThatThrownBy(() -> AsyncQueue.<String>priority(3, null))
          .isInstanceOf(NullPointerException.class);
    }
  }

  // ---------------------------------------------------------------------------------------------

  @Nested
  class CallerThread {

    @Test
    void aPutThatHandsItsItemToAWaitingTakerCompletesTheTakerOnTheCallingThreadBeforeReturning() {
      AsyncQueue<String> q = AsyncQueue.unbounded();
      CompletableFuture<String> taker = q.take();
      AtomicReference<Thread> ranOn = new AtomicReference<>();
      taker.thenRun(() -> ranOn.set(Thread.currentThread()));

      CompletableFuture<Void> put = q.put("x");

      assertThat(put).isCompleted();
      assertThat(taker).isCompletedWithValue("x");
      assertThat(ranOn).hasValue(Thread.currentThread());
    }

    @Test
    void anOfferThatHandsItsItemToAWaitingTakerCompletesItOnTheCallingThread() {
      AsyncQueue<String> q = AsyncQueue.unbounded();
      AtomicReference<Thread> ranOn = new AtomicReference<>();
      q.take().thenRun(() -> ranOn.set(Thread.currentThread()));

      q.offer("x");

      assertThat(ranOn).hasValue(Thread.currentThread());
    }

    @Test
    void aTakeThatMakesRoomCompletesTheWaitingPutterOnTheCallingThreadBeforeReturning() {
      AsyncQueue<String> q = AsyncQueue.bounded(1);
      q.offer("a");
      AtomicReference<Thread> ranOn = new AtomicReference<>();
      q.put("b").thenRun(() -> ranOn.set(Thread.currentThread()));

      assertThat(q.take()).isCompletedWithValue("a");

      assertThat(ranOn).hasValue(Thread.currentThread());
    }

    @Test
    void aPutOnAnotherThreadCompletesTheTakerOnThatThread() throws Exception {
      AsyncQueue<String> q = AsyncQueue.unbounded();
      AtomicReference<Thread> ranOn = new AtomicReference<>();
      CompletableFuture<String> taker = q.take();
      taker.thenRun(() -> ranOn.set(Thread.currentThread()));

      Thread producer = racers.submit(() -> {
        q.put("x");
        assertThat(taker).isDone(); // before put returned
        return Thread.currentThread();
      }).get(BOUND_SECONDS, TimeUnit.SECONDS);

      assertThat(ranOn).hasValue(producer);
    }
  }

  // ---------------------------------------------------------------------------------------------

  @Nested
  class Stack {

    private static final int CHAIN = 100_000;

    @Test
    void aHundredThousandTakersWhoseCallbacksEachPutTheNextItemDoNotOverflowTheStack() {
      AsyncQueue<Integer> q = AsyncQueue.unbounded();
      List<CompletableFuture<Integer>> takers = new ArrayList<>(CHAIN);
      List<CompletableFuture<Void>> callbacks = new ArrayList<>(CHAIN);
      for (int i = 0; i < CHAIN; i++) {
        CompletableFuture<Integer> t = q.take();
        takers.add(t);
        callbacks.add(t.thenAccept(v -> q.put(v + 1)));
      }
      assertThat(q.takers()).isEqualTo(CHAIN);

      q.put(0);

      for (int i = 0; i < CHAIN; i++) {
        assertThat(takers.get(i).getNow(-1)).isEqualTo(i);
      }
      assertThat(callbacks).allMatch(c -> c.isDone() && !c.isCompletedExceptionally());
      assertThat(q.takers()).isZero();
      assertThat(q.poll()).isEqualTo(CHAIN);
    }

    @Test
    void aHundredThousandPuttersWhoseCallbacksEachMakeRoomDoNotOverflowTheStack() {
      AsyncQueue<Integer> q = AsyncQueue.bounded(1);
      q.offer(-1);
      List<CompletableFuture<Void>> callbacks = new ArrayList<>(CHAIN);
      List<Integer> polled = new ArrayList<>(CHAIN);
      for (int i = 0; i < CHAIN; i++) {
        callbacks.add(q.put(i).thenRun(() -> polled.add(q.poll())));
      }
      assertThat(q.putters()).isEqualTo(CHAIN);

      assertThat(q.poll()).isEqualTo(-1);

      assertThat(callbacks).allMatch(c -> c.isDone() && !c.isCompletedExceptionally());
      assertThat(polled).hasSize(CHAIN);
      for (int i = 0; i < CHAIN; i++) {
        assertThat(polled.get(i)).isEqualTo(i);
      }
      assertThat(q.putters()).isZero();
      assertThat(q.isEmpty()).isTrue();
    }

    @Test
    void aProducerConsumerChainThroughCallbacksOfHundredThousandHandOffsDoesNotOverflowTheStack() {
      // ping-pong between two queues: every step is a grant of a waiting taker
      AsyncQueue<Integer> ping = AsyncQueue.bounded(1);
      AsyncQueue<Integer> pong = AsyncQueue.bounded(1);
      AtomicInteger steps = new AtomicInteger();
      AtomicReference<Throwable> error = new AtomicReference<>();
      CompletableFuture<Integer> done = new CompletableFuture<>();
      class Player {
        void serve(AsyncQueue<Integer> from, AsyncQueue<Integer> to) {
          from.take().whenComplete((v, e) -> {
            if (e != null) {
              error.set(e);
              return;
            }
            steps.incrementAndGet();
            if (v >= CHAIN) {
              done.complete(v);
              return;
            }
            serve(from, to); // wait for the next ball first ...
            to.put(v + 1);   // ... then hand this one on
          });
        }
      }
      new Player().serve(ping, pong);
      new Player().serve(pong, ping);

      ping.put(0);

      assertThat(error.get()).isNull();
      assertThat(done).isCompletedWithValue(CHAIN);
      assertThat(steps.get()).isEqualTo(CHAIN + 1);
    }

    @Test
    void aChainRunOnASmallStackThreadCompletesToo() throws Exception {
      AsyncQueue<Integer> q = AsyncQueue.unbounded();
      List<CompletableFuture<Void>> callbacks = new ArrayList<>(CHAIN);
      for (int i = 0; i < CHAIN; i++) {
        callbacks.add(q.take().thenAccept(v -> q.put(v + 1)));
      }
      CompletableFuture<Void> ran = new CompletableFuture<>();
      Thread small = new Thread(null, () -> {
        try {
          q.put(0);
          ran.complete(null);
        } catch (Throwable t) {
          ran.completeExceptionally(t);
        }
      }, "small-stack", 256 * 1024);
      small.start();

      valueOf(ran);
      assertThat(callbacks).allMatch(c -> c.isDone() && !c.isCompletedExceptionally());
      assertThat(q.poll()).isEqualTo(CHAIN);
    }
  }
}
