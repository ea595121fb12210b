package dev.baton;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Test;

/**
 * Randomized concurrency tests of {@link AsyncBarrier}: parties arrive from several threads,
 * waiting parties are cancelled (or time out) at random, and some runs reset or abort the
 * barrier midway. Each trip hands out the indices 0..parties-1 exactly once, and nothing is left
 * waiting. Scaled by {@code baton.stress}; a failure names the seed that replays it
 * ({@code -Dbaton.fuzz.seed}).
 */
class BarrierFuzzTest {

  private static final int THREADS = 4;
  private static final int RUNS = 150;
  private static final int OPS_PER_THREAD = 300;

  /**
   * Arrivals are ordered by a test-side mutex around {@code await()} only (cancels, resets and
   * aborts stay free), so the arrivals between two trips are known and each trip's indices can
   * be checked exactly: the parties that succeed, in arrival order, get 0, 1, ..., parties-2 and
   * the arrival that trips gets parties-1.
   */
  @Test
  void orderedArrivalsWithCancelsGetDistinctIndicesInArrivalOrderInEveryTrip() {
    Fuzz.repeat("barrier ordered", RUNS, seed -> new MixRun(seed, true).run());
  }

  /**
   * Arrivals are fully concurrent; every trip hands out each index once, so over the whole run
   * every index is handed out equally often.
   */
  @Test
  void concurrentArrivalsWithCancelsHandOutEveryIndexOncePerTrip() {
    Fuzz.repeat("barrier concurrent", RUNS, seed -> new MixRun(seed, false).run());
  }

  /** One arrival, as logged in arrival order. */
  private record Arrival(CompletableFuture<Integer> future) {}

  private static final class MixRun {
    private final long seed;
    private final boolean ordered;
    private final int parties;
    private final boolean resets;
    private final AsyncBarrier barrier;
    private final Fuzz.Failures failures = new Fuzz.Failures();
    private final ReentrantLock arrivalOrder = new ReentrantLock();
    /** Arrivals in the order they called await() (ordered mode only). */
    private final List<Arrival> log = new ArrayList<>();
    private final ConcurrentLinkedQueue<CompletableFuture<Integer>> arrivals =
        new ConcurrentLinkedQueue<>();
    /** The checking callbacks of the arrivals: done once their outcome is counted. */
    private final ConcurrentLinkedQueue<CompletableFuture<?>> checked =
        new ConcurrentLinkedQueue<>();
    /** Set before the final reset, whose BrokenBarrierExceptions are expected. */
    private volatile boolean finalReset;
    private final AtomicIntegerArray handedOut;
    private final Fuzz.Ring ring = new Fuzz.Ring(8);

    MixRun(long seed, boolean ordered) {
      this.seed = seed;
      this.ordered = ordered;
      Random config = new Random(seed);
      this.parties = config.nextInt(8) == 0 ? 1 : 2 + config.nextInt(3);
      this.resets = config.nextInt(3) == 0;
      this.barrier = AsyncBarrier.create(parties);
      this.handedOut = new AtomicIntegerArray(parties);
    }

    void run() throws Exception {
      Fuzz.concurrently("barrier", seed, THREADS, this::work);
      // The last, incomplete cycle: reset it (breaking its parties) or withdraw them.
      if (resets || new Random(seed).nextBoolean()) {
        finalReset = true;
        barrier.reset();
      } else {
        arrivals.forEach(f -> f.cancel(false));
      }
      Fuzz.awaitSettled(checked, this::state);
      failures.assertNone(this::state);
      assertThat(barrier.waiting()).as("waiting at the end; %s", state()).isZero();
      assertThat(barrier.isBroken()).as("broken at the end; %s", state()).isFalse();
      int trips = handedOut.get(parties - 1);
      for (int i = 0; i < parties; i++) {
        assertThat(handedOut.get(i)).as("index %d handed out once per trip (%d trips); %s", i,
            trips, state()).isEqualTo(trips);
      }
      if (ordered) {
        checkTrips();
      }
      // Still usable: a full cycle trips.
      List<CompletableFuture<Integer>> cycle = new ArrayList<>();
      for (int i = 0; i < parties; i++) {
        cycle.add(barrier.await());
      }
      for (int i = 0; i < parties; i++) {
        assertThat(cycle.get(i)).as("final cycle; %s", state()).isCompletedWithValue(i);
      }
    }

    private String state() {
      return "seed=" + seed + ", ordered=" + ordered + ", parties=" + parties + ", resets="
          + resets + ", " + barrier + ", handedOut=" + handedOut;
    }

    /** Splits the arrival log at each trip and checks the indices of every segment. */
    private void checkTrips() {
      List<Integer> segment = new ArrayList<>();
      int trip = 0;
      for (int i = 0; i < log.size(); i++) {
        CompletableFuture<Integer> f = log.get(i).future();
        if (f.isCompletedExceptionally()) {
          continue;
        }
        int index = f.join();
        if (index == parties - 1) {
          List<Integer> expected = new ArrayList<>();
          for (int k = 0; k < parties - 1; k++) {
            expected.add(k);
          }
          assertThat(segment).as("indices of the parties released by trip %d (arrival %d), in"
              + " arrival order; %s", trip, i, state()).isEqualTo(expected);
          segment.clear();
          trip++;
        } else {
          segment.add(index);
        }
      }
      assertThat(segment).as("parties after the last trip succeeded; %s", state()).isEmpty();
    }

    private void work(int thread, Random r) {
      List<CompletableFuture<Integer>> mine = new ArrayList<>();
      for (int op = 0; op < OPS_PER_THREAD; op++) {
        switch (r.nextInt(10)) {
          case 0, 1, 2, 3 -> mine.add(arrive(r));
          case 4, 5 -> {
            if (!mine.isEmpty()) {
              mine.remove(r.nextInt(mine.size())).cancel(r.nextBoolean());
            }
          }
          case 6 -> {
            CompletableFuture<?> f = ring.pick(r);
            if (f != null) {
              Fuzz.withdrawSomehow(f, r);
            }
          }
          case 7 -> {
            if (resets) {
              if (r.nextInt(4) == 0) {
                barrier.abort();
              } else {
                barrier.reset();
              }
            }
          }
          case 8 -> {
            if (resets && barrier.isBroken() && r.nextBoolean()) {
              barrier.reset();
            }
          }
          default -> {
            int waiting = barrier.waiting();
            if (waiting < 0 || waiting > parties - 1) {
              failures.add("waiting() = %d with %d parties", waiting, parties);
            }
          }
        }
        mine.removeIf(CompletableFuture::isDone);
        Fuzz.jitter(r);
      }
    }

    private CompletableFuture<Integer> arrive(Random r) {
      CompletableFuture<Integer> f;
      if (ordered) {
        arrivalOrder.lock();
        try {
          f = barrier.await();
          log.add(new Arrival(f));
        } finally {
          arrivalOrder.unlock();
        }
      } else {
        f = barrier.await();
      }
      arrivals.add(f);
      ring.add(f, r);
      checked.add(f.whenComplete((index, t) -> {
        if (t != null) {
          Throwable cause = Fuzz.unwrap(t);
          boolean brokenExpected = resets || finalReset;
          if (!Fuzz.isWithdrawal(cause)
              && !(brokenExpected && cause instanceof BrokenBarrierException)) {
            failures.add("await failed with %s", cause);
          }
        } else if (index < 0 || index >= parties) {
          failures.add("index %d out of 0..%d", index, parties - 1);
        } else {
          handedOut.incrementAndGet(index);
        }
      }));
      return f;
    }
  }
}
