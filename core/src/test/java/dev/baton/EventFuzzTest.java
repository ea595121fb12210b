package dev.baton;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Randomized concurrency tests of {@link AsyncEvent}: several threads wait (timed and untimed),
 * cancel, set and clear at random; every wait that was not withdrawn must complete after a set,
 * and nothing may stay queued. Scaled by {@code baton.stress}; a failure names the seed that
 * replays it ({@code -Dbaton.fuzz.seed}).
 */
class EventFuzzTest {

  private static final int THREADS = 4;
  private static final int RUNS = 200;
  private static final int OPS_PER_THREAD = 400;
  private static final int RACE_ROUNDS = 10_000;

  @Test
  void randomMixOfWaitsSetsClearsAndCancelsWakesEveryWaiterThatWasNotWithdrawn() {
    Fuzz.repeat("event mix", RUNS, seed -> new MixRun(seed).run());
  }

  @Test
  void awaitOrCancelRacingSetNeverStrandsAWaiter() {
    Fuzz.once("event await/set race",
        seed -> new SetRace(seed, RACE_ROUNDS * Fuzz.STRESS).run());
  }

  /**
   * Two threads lined up to the same instant: one calls set() (on a clear event, sometimes right
   * after a clear), the other either starts an await() or cancels a pending one. Once both
   * return, the wait is settled: woken by the set (or completed at once on a set event), or
   * cancelled if its cancel won; never left queued on a set event.
   */
  private static final class SetRace {
    private final long seed;
    private final int rounds;

    SetRace(long seed, int rounds) {
      this.seed = seed;
      this.rounds = rounds;
    }

    private static final class Round {
      final int index;
      final AsyncEvent event = AsyncEvent.create();
      /** Whether the racing thread cancels a pending wait, rather than starting one. */
      final boolean cancels;
      final boolean timed;
      final boolean clearFirst;
      final int spinWaiter;
      final int spinSetter;
      final CompletableFuture<Void> pending;
      CompletableFuture<Void> started;
      boolean cancelled;

      Round(int index, Random r) {
        this.index = index;
        this.cancels = r.nextBoolean();
        this.timed = r.nextBoolean();
        this.clearFirst = r.nextInt(4) == 0;
        this.spinWaiter = r.nextInt(r.nextInt(4) != 0 ? 25 : 300);
        this.spinSetter = r.nextInt(r.nextInt(4) != 0 ? 25 : 300);
        if (clearFirst) {
          event.set();
        }
        this.pending = cancels ? event.await(Duration.ofMinutes(1)) : null;
      }

      CompletableFuture<Void> theWait() {
        return cancels ? pending : started;
      }
    }

    void run() throws Exception {
      Fuzz.race("event-setter", seed, rounds, Round::new, this::awaitOrCancel, this::set,
          this::check);
    }

    private void awaitOrCancel(Round round) {
      Fuzz.spin(round.spinWaiter);
      if (round.cancels) {
        round.cancelled = round.pending.cancel(round.index % 2 == 0);
      } else {
        round.started = round.timed ? round.event.await(Duration.ofMinutes(1))
            : round.event.await();
      }
    }

    private void set(Round round) {
      Fuzz.spin(round.spinSetter);
      if (round.clearFirst) {
        round.event.clear();
      }
      round.event.set();
    }

    private void check(Round round) {
      String where = "seed=" + seed + ", round " + round.index + ", cancels=" + round.cancels
          + ", timed=" + round.timed + ", clearFirst=" + round.clearFirst + ", " + round.event;
      CompletableFuture<Void> w = round.theWait();
      assertThat(w.isDone()).as("the wait is settled once set() and the %s returned; %s",
          round.cancels ? "cancel" : "await()", where).isTrue();
      assertThat(w.isCompletedExceptionally()).as("the wait failed iff its cancel won; %s", where)
          .isEqualTo(round.cancelled);
      assertThat(round.event.waiters()).as("waiters on the set event; %s", where).isZero();
    }
  }

  /** One wait and what the test did to it. */
  private record Wait(CompletableFuture<Void> future, boolean timed) {}

  private static final class MixRun {
    private final long seed;
    private final AsyncEvent event = AsyncEvent.create();
    private final Fuzz.Failures failures = new Fuzz.Failures();
    private final ConcurrentLinkedQueue<Wait> waits = new ConcurrentLinkedQueue<>();
    /** Futures some thread tried to withdraw (cancel, complete, orTimeout). */
    private final Set<CompletableFuture<?>> withdrawAttempts = ConcurrentHashMap.newKeySet();
    /**
     * Waits still pending right after a set() by the thread that created them: they must be
     * withdrawn concurrently or granted by a concurrent set(), never left queued.
     */
    private final ConcurrentLinkedQueue<Wait> pendingAfterSet = new ConcurrentLinkedQueue<>();
    private final Fuzz.Ring ring = new Fuzz.Ring(16);
    private final AtomicInteger sets = new AtomicInteger();
    /** await() calls started, counted before each call: an upper bound of waiters(). */
    private final AtomicInteger awaitCalls = new AtomicInteger();

    MixRun(long seed) {
      this.seed = seed;
    }

    void run() throws Exception {
      Fuzz.concurrently("event-mix", seed, THREADS, this::work);
      // Before the final set(): a wait still pending after its own thread's set() was being
      // withdrawn, or had been granted by a concurrent set() still delivering. Either way it
      // settles without another set(); one that was left in the queue never does.
      Fuzz.awaitSettled(pendingAfterSet.stream().map(Wait::future).toList(),
          Duration.ofSeconds(5), () -> "a wait pending when its own thread called set()"
              + " was neither woken nor withdrawn; " + state());
      if (event.isSet()) {
        assertThat(event.waiters()).as("waiters queued on a set event; %s", state()).isZero();
      }
      event.set();
      List<CompletableFuture<Void>> futures = waits.stream().map(Wait::future).toList();
      Fuzz.awaitSettled(futures, this::state);
      for (Wait w : waits) {
        check(w);
      }
      failures.assertNone(this::state);
      assertThat(event.waiters()).as("waiters at the end; %s", state()).isZero();
      assertThat(event.isSet()).isTrue();
      assertThat(event.await()).as("await on a set event").isDone();
    }

    private String state() {
      return "seed=" + seed + ", " + event + ", waits=" + waits.size() + ", sets=" + sets;
    }

    private void check(Wait w) {
      CompletableFuture<Void> f = w.future();
      if (!f.isCompletedExceptionally()) {
        return;
      }
      Throwable cause = Fuzz.unwrap(f.handle((v, t) -> t).join());
      if (cause instanceof AcquireTimeoutException) {
        if (!w.timed()) {
          failures.add("an untimed wait timed out: %s", cause);
        }
      } else if (!withdrawAttempts.contains(f)) {
        failures.add("a wait nobody withdrew failed with %s", cause);
      } else if (!Fuzz.isWithdrawal(cause)) {
        failures.add("a withdrawn wait failed with %s", cause);
      }
    }

    private void work(int thread, Random r) {
      List<Wait> mine = new ArrayList<>();
      for (int op = 0; op < OPS_PER_THREAD; op++) {
        switch (r.nextInt(12)) {
          case 0, 1, 2 -> {
            awaitCalls.incrementAndGet();
            mine.add(track(new Wait(event.await(), false), r));
          }
          case 3, 4 -> {
            awaitCalls.incrementAndGet();
            mine.add(track(new Wait(event.await(Fuzz.shortTimeout(r)), true), r));
          }
          case 5 -> {
            if (!mine.isEmpty()) {
              CompletableFuture<Void> f = mine.get(r.nextInt(mine.size())).future();
              withdrawAttempts.add(f);
              f.cancel(r.nextBoolean());
            }
          }
          case 6, 7 -> {
            CompletableFuture<?> f = ring.pick(r);
            if (f != null) {
              withdrawAttempts.add(f);
              Fuzz.withdrawSomehow(f, r);
            }
          }
          case 8, 9 -> set(thread, mine);
          case 10 -> {
            // Only worker 0 clears, so that it knows the event stays set after its own set().
            if (thread == 0) {
              event.clear();
            }
          }
          default -> {
            int waiting = event.waiters();
            int calls = awaitCalls.get();
            if (waiting < 0 || waiting > calls) {
              failures.add("waiters() = %d with %d await() calls ever started", waiting, calls);
            }
          }
        }
        mine.removeIf(w -> w.future().isDone());
        Fuzz.jitter(r);
      }
    }

    private Wait track(Wait w, Random r) {
      waits.add(w);
      ring.add(w.future(), r);
      return w;
    }

    private void set(int thread, List<Wait> mine) {
      sets.incrementAndGet();
      event.set();
      // set() completes every waiter it wakes before it returns: a wait this thread made
      // earlier is done now, unless a concurrent withdrawal or set() is completing it.
      for (Wait w : mine) {
        if (!w.future().isDone()) {
          pendingAfterSet.add(w);
        }
      }
      if (thread == 0) {
        if (!event.isSet()) {
          failures.add("worker 0 (the only one that clears) reads the event clear after set()");
        }
        CompletableFuture<Void> f = event.await();
        if (!f.isDone() || f.isCompletedExceptionally()) {
          failures.add("await() right after set() (nobody else clears) did not complete at once");
        }
        try {
          f.join();
        } catch (CancellationException e) {
          failures.add("await() on a set event was cancelled");
        }
      }
    }
  }
}
