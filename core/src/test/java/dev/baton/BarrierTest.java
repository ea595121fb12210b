package dev.baton;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Behaviour of {@link AsyncBarrier}: asyncio.Barrier semantics plus the Baton fine points. */
class BarrierTest {

  private static final int STRESS = Integer.getInteger("baton.stress", 1);

  private static int indexOf(CompletableFuture<Integer> f) {
    assertThat(f).isDone();
    return f.join();
  }

  private static void assertBroken(CompletableFuture<Integer> f) {
    assertThat(f).isCompletedExceptionally();
    assertThatThrownBy(f::join).isInstanceOf(CompletionException.class)
        .hasCauseInstanceOf(dev.baton.BrokenBarrierException.class);
  }

  // ---------------------------------------------------------------- tripping

  @Test
  void threeAwaitsCompleteTogetherWithDistinctIndicesInArrivalOrder() {
    AsyncBarrier barrier = AsyncBarrier.create(3);

    CompletableFuture<Integer> first = barrier.await();
    assertThat(barrier.waiting()).isEqualTo(1);
    CompletableFuture<Integer> second = barrier.await();
    assertThat(barrier.waiting()).isEqualTo(2);
    assertThat(first).isNotDone();
    assertThat(second).isNotDone();
    CompletableFuture<Integer> third = barrier.await();

    assertThat(indexOf(first)).isEqualTo(0);
    assertThat(indexOf(second)).isEqualTo(1);
    assertThat(indexOf(third)).isEqualTo(2);
    assertThat(barrier.waiting()).isZero();
    assertThat(barrier.isBroken()).isFalse();
    assertThat(barrier.parties()).isEqualTo(3);
  }

  @Test
  void theBarrierIsReusableAcrossCycles() {
    AsyncBarrier barrier = AsyncBarrier.create(3);

    for (int cycle = 0; cycle < 4; cycle++) {
      List<CompletableFuture<Integer>> arrivals = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        arrivals.add(barrier.await());
      }
      assertThat(arrivals).as("cycle %d", cycle).allMatch(CompletableFuture::isDone);
      assertThat(arrivals.stream().map(CompletableFuture::join)).containsExactly(0, 1, 2);
      assertThat(barrier.waiting()).isZero();
    }
  }

  @Test
  void aBarrierForOnePartyNeverWaits() {
    AsyncBarrier barrier = AsyncBarrier.create(1);

    for (int i = 0; i < 3; i++) {
      assertThat(barrier.await()).isCompletedWithValue(0);
      assertThat(barrier.waiting()).isZero();
    }
  }

  @Test
  void arrivalsAfterTheTripJoinTheNextCycle() {
    AsyncBarrier barrier = AsyncBarrier.create(2);
    CompletableFuture<Integer> first = barrier.await();
    List<CompletableFuture<Integer>> reArrivals = new ArrayList<>();
    first.thenRun(() -> reArrivals.add(barrier.await()));

    CompletableFuture<Integer> second = barrier.await();

    assertThat(indexOf(first)).isEqualTo(0);
    assertThat(indexOf(second)).isEqualTo(1);
    assertThat(reArrivals).hasSize(1);
    CompletableFuture<Integer> reArrival = reArrivals.get(0);
    assertThat(reArrival).as("arrived after the trip: waits for the next cycle").isNotDone();
    assertThat(barrier.waiting()).isEqualTo(1);

    CompletableFuture<Integer> next = barrier.await();

    assertThat(indexOf(reArrival)).isEqualTo(0);
    assertThat(indexOf(next)).isEqualTo(1);
    assertThat(barrier.waiting()).isZero();
  }

  @Test
  void aWholeNextCycleArrivingFromTheTripsCallbacksTripsOnItsOwn() {
    AsyncBarrier barrier = AsyncBarrier.create(2);
    List<CompletableFuture<Integer>> nextCycle = new ArrayList<>();
    CompletableFuture<Integer> first = barrier.await();
    first.thenRun(() -> {
      nextCycle.add(barrier.await());
      nextCycle.add(barrier.await());
    });

    barrier.await();

    assertThat(nextCycle).hasSize(2).allMatch(CompletableFuture::isDone);
    assertThat(nextCycle.stream().map(CompletableFuture::join)).containsExactly(0, 1);
    assertThat(barrier.waiting()).isZero();
  }

  // ---------------------------------------------------------------- reset and abort

  @Test
  void resetFailsTheCurrentWaitersWithBrokenBarrierExceptionAndReArmsTheBarrier() {
    AsyncBarrier barrier = AsyncBarrier.create(3);
    CompletableFuture<Integer> a = barrier.await();
    CompletableFuture<Integer> b = barrier.await();

    barrier.reset();

    assertBroken(a);
    assertBroken(b);
    assertThat(barrier.waiting()).isZero();
    assertThat(barrier.isBroken()).isFalse();

    CompletableFuture<Integer> x = barrier.await();
    CompletableFuture<Integer> y = barrier.await();
    assertThat(y).as("a reset cycle starts from zero parties").isNotDone();
    CompletableFuture<Integer> z = barrier.await();
    assertThat(indexOf(x)).isEqualTo(0);
    assertThat(indexOf(y)).isEqualTo(1);
    assertThat(indexOf(z)).isEqualTo(2);
  }

  @Test
  void abortFailsCurrentAndLaterAwaitsUntilReset() {
    AsyncBarrier barrier = AsyncBarrier.create(2);
    CompletableFuture<Integer> current = barrier.await();

    barrier.abort();

    assertBroken(current);
    assertThat(barrier.isBroken()).isTrue();
    assertThat(barrier.waiting()).isZero();
    assertBroken(barrier.await());
    assertBroken(barrier.await());
    assertThat(barrier.waiting()).isZero();

    barrier.reset();

    assertThat(barrier.isBroken()).isFalse();
    CompletableFuture<Integer> a = barrier.await();
    CompletableFuture<Integer> b = barrier.await();
    assertThat(indexOf(a)).isEqualTo(0);
    assertThat(indexOf(b)).isEqualTo(1);
  }

  @Test
  void resetAndAbortFailTheWaitersOnTheCallingThreadBeforeReturning() throws Exception {
    AsyncBarrier barrier = AsyncBarrier.create(3);
    List<Thread> callbackThreads = new CopyOnWriteArrayList<>();
    CompletableFuture<Integer> a = barrier.await();
    a.whenComplete((i, e) -> callbackThreads.add(Thread.currentThread()));
    AtomicBoolean doneRightAfterReset = new AtomicBoolean();
    Thread resetter = new Thread(() -> {
      barrier.reset();
      doneRightAfterReset.set(a.isDone());
    });
    resetter.start();
    resetter.join(SECONDS.toMillis(10));

    CompletableFuture<Integer> b = barrier.await();
    b.whenComplete((i, e) -> callbackThreads.add(Thread.currentThread()));
    AtomicBoolean doneRightAfterAbort = new AtomicBoolean();
    Thread aborter = new Thread(() -> {
      barrier.abort();
      doneRightAfterAbort.set(b.isDone());
    });
    aborter.start();
    aborter.join(SECONDS.toMillis(10));

    assertThat(doneRightAfterReset).isTrue();
    assertThat(doneRightAfterAbort).isTrue();
    assertThat(callbackThreads).containsExactly(resetter, aborter);
    assertBroken(a);
    assertBroken(b);
  }

  // ---------------------------------------------------------------- cancellation

  @Test
  void aCancelledWaiterLowersWaitingAndTheCycleIndicesStayDistinct() {
    AsyncBarrier barrier = AsyncBarrier.create(3);
    CompletableFuture<Integer> a = barrier.await();
    CompletableFuture<Integer> b = barrier.await();
    assertThat(barrier.waiting()).isEqualTo(2);

    assertThat(a.cancel(false)).isTrue();

    assertThat(barrier.waiting()).isEqualTo(1);
    CompletableFuture<Integer> c = barrier.await();
    assertThat(b).as("only two parties are waiting now").isNotDone();
    assertThat(c).isNotDone();
    CompletableFuture<Integer> d = barrier.await();

    assertThat(a).isCancelled();
    assertThat(List.of(indexOf(b), indexOf(c), indexOf(d))).containsExactly(0, 1, 2);
    assertThat(barrier.waiting()).isZero();
  }

  @Test
  void cancellingAfterTheTripReturnsFalseAndKeepsTheIndex() {
    AsyncBarrier barrier = AsyncBarrier.create(2);
    CompletableFuture<Integer> a = barrier.await();
    barrier.await();

    assertThat(a.cancel(true)).isFalse();
    assertThat(a).isCompletedWithValue(0);
  }

  /**
   * A trip is final: a party cancelled after the trip decided its index but before its future
   * completed (it waits behind the callback of a party released first) keeps its index, since the
   * trip has released the others already; the cancel returns false and completes it at once.
   */
  @Test
  void aPartyCancelledWhileItsIndexIsInTransitKeepsItBecauseTheTripStands() {
    AsyncBarrier barrier = AsyncBarrier.create(3);
    CompletableFuture<Integer> a = barrier.await();
    CompletableFuture<Integer> b = barrier.await();
    AtomicBoolean bDoneBeforeCancel = new AtomicBoolean(true);
    AtomicBoolean cancelled = new AtomicBoolean(true);
    AtomicBoolean bDoneAfterCancel = new AtomicBoolean();
    a.thenRun(() -> {
      bDoneBeforeCancel.set(b.isDone());
      cancelled.set(b.cancel(false));
      bDoneAfterCancel.set(b.isDone());
    });

    CompletableFuture<Integer> c = barrier.await();

    assertThat(bDoneBeforeCancel).as("B was still in transit when cancelled").isFalse();
    assertThat(cancelled).as("the cancel lost").isFalse();
    assertThat(bDoneAfterCancel).as("B completed as the cancel returned").isTrue();
    assertThat(List.of(indexOf(a), indexOf(b), indexOf(c))).containsExactly(0, 1, 2);
    assertThat(barrier.waiting()).isZero();
  }

  // ---------------------------------------------------------------- arguments

  @ParameterizedTest(name = "parties = {0}")
  @ValueSource(ints = {0, -1})
  void createWithANonPositiveNumberOfPartiesThrowsIllegalArgumentExceptionNamingParties(
      int parties) {
    assertThatThrownBy(() -> AsyncBarrier.create(parties))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("parties")
        .hasMessageContaining(String.valueOf(parties));
  }

  // ---------------------------------------------------------------- threads

  @Test
  void theTrippingArrivalCompletesAllWaitersOnItsOwnThreadBeforeReturning() throws Exception {
    AsyncBarrier barrier = AsyncBarrier.create(3);
    List<Thread> callbackThreads = new CopyOnWriteArrayList<>();
    CompletableFuture<Integer> a = barrier.await();
    CompletableFuture<Integer> b = barrier.await();
    a.thenRun(() -> callbackThreads.add(Thread.currentThread()));
    b.thenRun(() -> callbackThreads.add(Thread.currentThread()));
    AtomicBoolean doneRightAfter = new AtomicBoolean();
    Thread last = new Thread(() -> {
      CompletableFuture<Integer> mine = barrier.await();
      doneRightAfter.set(a.isDone() && b.isDone() && mine.isDone());
    }, "last-party");

    last.start();
    last.join(SECONDS.toMillis(10));

    assertThat(doneRightAfter).isTrue();
    assertThat(callbackThreads).containsExactly(last, last);
  }

  @Test
  void aHundredThousandCyclesTrippedFromCallbacksDoNotOverflowTheStack() {
    int n = 100_000;
    AsyncBarrier barrier = AsyncBarrier.create(2);
    AtomicInteger trips = new AtomicInteger();
    Runnable[] arrive = new Runnable[1];
    arrive[0] = () -> {
      if (trips.incrementAndGet() < n) {
        barrier.await().thenRun(arrive[0]);
        barrier.await();
      }
    };
    barrier.await().thenRun(arrive[0]);

    barrier.await();

    assertThat(trips).hasValue(n);
    assertThat(barrier.waiting()).isZero();
  }

  // ---------------------------------------------------------------- races

  @Test
  void concurrentArrivalsGetEachIndexOncePerCycle() throws Exception {
    int parties = 4;
    int cycles = 500 * STRESS;
    int threads = 4;
    int perThread = parties * cycles / threads;
    AsyncBarrier barrier = AsyncBarrier.create(parties);
    Map<Integer, AtomicInteger> countByIndex = new ConcurrentHashMap<>();
    List<CompletableFuture<Integer>> all = new CopyOnWriteArrayList<>();
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Thread worker = new Thread(() -> {
        try {
          start.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
        for (int i = 0; i < perThread; i++) {
          CompletableFuture<Integer> f = barrier.await();
          f.thenAccept(idx -> countByIndex.computeIfAbsent(idx, k -> new AtomicInteger())
              .incrementAndGet());
          all.add(f);
        }
      });
      worker.start();
      workers.add(worker);
    }
    start.countDown();
    for (Thread worker : workers) {
      worker.join(SECONDS.toMillis(30));
    }

    assertThat(all).hasSize(parties * cycles).allMatch(CompletableFuture::isDone);
    assertThat(barrier.waiting()).isZero();
    assertThat(countByIndex.keySet()).containsExactlyInAnyOrder(0, 1, 2, 3);
    assertThat(countByIndex.values().stream().map(AtomicInteger::get)
        .collect(Collectors.toSet())).containsExactly(cycles);
  }
}
