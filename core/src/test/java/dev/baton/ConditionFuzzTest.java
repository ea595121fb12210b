package dev.baton;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;

/**
 * Randomized concurrency tests of {@link AsyncCondition}: producers add units to a counter under
 * the condition's lock and signal; consumers wait for a unit with {@code awaitUntil} or with
 * {@code await} (timed and untimed) and are cancelled at random. Every unit produced must be
 * consumed exactly once, nobody may hold the lock twice, and no signal may be lost. Scaled by
 * {@code baton.stress}; a failure names the seed that replays it ({@code -Dbaton.fuzz.seed}).
 */
class ConditionFuzzTest {

  private static final int THREADS = 4;
  private static final int RUNS = 100;
  private static final int OPS_PER_THREAD = 250;
  private static final int RACE_ROUNDS = 6_000;

  @Test
  void producersAndCancelledConsumersConsumeEveryUnitOnceAndLoseNoSignal() {
    Fuzz.repeat("condition mix", RUNS, seed -> new MixRun(seed).run());
  }

  @Test
  void cancellingASignalledConsumerPassesTheSignalToTheNextOne() {
    Fuzz.once("condition cancel/signal race",
        seed -> new CancelSignalRace(seed, RACE_ROUNDS * Fuzz.STRESS).run());
  }

  /** Waits until {@code quiet} holds, first without polling (most rounds are quiet at once). */
  private static void awaitQuiet(BooleanSupplier quiet, String what) {
    awaitQuiet(quiet, () -> what);
  }

  private static void awaitQuiet(BooleanSupplier quiet, java.util.function.Supplier<String> what) {
    if (quiet.getAsBoolean()) {
      return;
    }
    try {
      Awaitility.await().atMost(Fuzz.SETTLE_TIMEOUT).pollDelay(Duration.ZERO)
          .pollInterval(Duration.ofMillis(1)).until(quiet::getAsBoolean);
    } catch (ConditionTimeoutException e) {
      throw new AssertionError("never became quiet (a waiter or the lock was stranded): "
          + what.get());
    }
  }

  private static final class MixRun {
    private final long seed;
    private final AsyncCondition condition = AsyncCondition.create();
    private final AsyncLock lock = condition.lock();
    private final Fuzz.Failures failures = new Fuzz.Failures();
    /** Units available; read and written only while holding the lock. */
    private final AtomicInteger count = new AtomicInteger();
    private final AtomicInteger produced = new AtomicInteger();
    private final AtomicInteger consumed = new AtomicInteger();
    /** Parties inside the critical section (holding the lock in a callback): 0 or 1. */
    private final AtomicInteger holders = new AtomicInteger();
    /** Consumer waits (await and awaitUntil futures), to count the ones still pending. */
    private final ConcurrentLinkedQueue<CompletableFuture<Permit>> waits =
        new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<CompletableFuture<?>> all = new ConcurrentLinkedQueue<>();
    /** Every lock acquire (with its callback, which may start a wait while holding the lock). */
    private final ConcurrentLinkedQueue<CompletableFuture<?>> acquires =
        new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Permit> held = new ConcurrentLinkedQueue<>();
    private final Fuzz.Ring ring = new Fuzz.Ring(16);
    private volatile boolean draining;

    MixRun(long seed) {
      this.seed = seed;
    }

    void run() throws Exception {
      Fuzz.concurrently("condition-mix", seed, THREADS, this::work);
      draining = true;
      releaseHeld();
      // Quiet: nobody holds or wants the lock, and every pending consumer waits for a signal.
      awaitQuiet(() -> {
        releaseHeld();
        return !lock.isLocked() && lock.waiters() == 0 && pendingWaits() == condition.waiters()
            && acquires.stream().allMatch(CompletableFuture::isDone);
      }, () -> state() + "\n" + failures.summary());
      int waiting = (int) pendingWaits();
      failures.assertNone(this::state);
      if (count.get() > 0) {
        assertThat(waiting).as("lost wake-up: %d units left while consumers still wait; %s",
            count.get(), state()).isZero();
      }
      // Top up one unit per waiting consumer and wake them all: each must consume one.
      Permit p = lock.acquire().get(10, TimeUnit.SECONDS);
      count.addAndGet(waiting);
      produced.addAndGet(waiting);
      condition.signalAll();
      p.release();
      Fuzz.awaitSettled(all, this::state);
      releaseHeld();
      failures.assertNone(this::state);
      assertThat(consumed.get() + count.get()).as("consumed + left == produced; %s", state())
          .isEqualTo(produced.get());
      assertThat(count.get()).as("units left; %s", state()).isGreaterThanOrEqualTo(0);
      assertThat(holders.get()).as("holders; %s", state()).isZero();
      assertThat(lock.isLocked()).as("locked at the end; %s", state()).isFalse();
      assertThat(lock.waiters()).as("lock waiters at the end; %s", state()).isZero();
      assertThat(condition.waiters()).as("condition waiters at the end; %s", state()).isZero();
      Optional<Permit> fresh = lock.tryAcquire();
      assertThat(fresh).as("a fresh tryAcquire; %s", state()).isPresent();
      fresh.get().release();
    }

    private long pendingWaits() {
      return waits.stream().filter(f -> !f.isDone()).count();
    }

    private String state() {
      return "seed=" + seed + ", " + condition + ", count=" + count + ", produced=" + produced
          + ", consumed=" + consumed + ", pendingWaits=" + pendingWaits() + ", held=" + held.size();
    }

    private void work(int thread, Random r) {
      List<CompletableFuture<?>> mine = new ArrayList<>();
      for (int op = 0; op < OPS_PER_THREAD; op++) {
        switch (r.nextInt(12)) {
          case 0, 1, 2 -> mine.add(produce(r));
          case 3, 4 -> mine.add(consumeUntil(r));
          case 5, 6 -> mine.add(consumeWithAwait(r));
          case 7 -> {
            if (!mine.isEmpty()) {
              mine.remove(r.nextInt(mine.size())).cancel(r.nextBoolean());
            }
          }
          case 8, 9 -> {
            CompletableFuture<?> f = ring.pick(r);
            if (f != null) {
              Fuzz.withdrawSomehow(f, r);
            }
          }
          case 10 -> releaseOne();
          default -> lock.tryAcquire().ifPresent(p -> {
            // A spurious wake-up: signal without producing. Consumers must wait again.
            enter();
            condition.signal(1 + r.nextInt(2));
            exit();
            release(p);
          });
        }
        mine.removeIf(CompletableFuture::isDone);
        Fuzz.jitter(r);
      }
    }

    private CompletableFuture<Permit> acquire(Random r) {
      CompletableFuture<Permit> f = r.nextInt(4) == 0
          ? lock.acquire(Fuzz.shortTimeout(r)) : condition.acquire();
      ring.add(f, r);
      return f;
    }

    /**
     * Acquires the lock and runs {@code granted} with the permit; an acquire that fails must have
     * been withdrawn ({@code what} names it). Tracks the callback: done once the acquire settled
     * and the callback ran.
     */
    private CompletableFuture<Permit> acquireThen(Random r, String what, Consumer<Permit> granted) {
      CompletableFuture<Permit> f = acquire(r);
      CompletableFuture<Permit> callback = f.whenComplete((p, t) -> {
        if (p == null) {
          expectWithdrawal(t, what);
          return;
        }
        granted.accept(p);
      });
      acquires.add(callback);
      all.add(callback);
      return f;
    }

    private CompletableFuture<?> produce(Random r) {
      int units = 1 + r.nextInt(2);
      int signalHow = r.nextInt(3);
      boolean keep = r.nextInt(4) == 0;
      return acquireThen(r, "producer acquire", p -> {
        enter();
        count.addAndGet(units);
        produced.addAndGet(units);
        switch (signalHow) {
          case 0 -> condition.signal(units);
          case 1 -> {
            for (int i = 0; i < units; i++) {
              condition.signal();
            }
          }
          default -> condition.signalAll();
        }
        exit();
        releaseOrKeep(p, keep);
      });
    }

    /** Consumes one unit with awaitUntil(count > 0). */
    private CompletableFuture<?> consumeUntil(Random r) {
      boolean keep = r.nextInt(4) == 0;
      return acquireThen(r, "consumer acquire", p -> {
        BooleanSupplier hasUnit = () -> {
          if (holders.get() != 0) {
            failures.add("predicate runs while someone is in the critical section");
          }
          if (!lock.isLocked()) {
            failures.add("predicate runs without the lock held");
          }
          return count.get() > 0;
        };
        CompletableFuture<Permit> w;
        try {
          w = condition.awaitUntil(hasUnit, p);
        } catch (RuntimeException e) {
          failures.add("awaitUntil(predicate, held) threw %s", e);
          return;
        }
        registerWait(w);
        all.add(w.whenComplete((q, u) -> {
          if (q == null) {
            expectWithdrawal(u, "awaitUntil");
            return;
          }
          enter();
          if (count.get() <= 0) {
            failures.add("awaitUntil(count > 0) completed with count %d", count.get());
          } else {
            count.decrementAndGet();
            consumed.incrementAndGet();
          }
          exit();
          releaseOrKeep(q, keep);
        }));
      });
    }

    /** Consumes one unit with a loop of await (timed or not), giving up after a few rounds. */
    private CompletableFuture<?> consumeWithAwait(Random r) {
      int attempts = 1 + r.nextInt(3);
      Duration timeout = r.nextBoolean() ? null : Fuzz.shortTimeout(r);
      boolean keep = r.nextInt(4) == 0;
      return acquireThen(r, "consumer acquire", p -> attempt(p, attempts, timeout, keep));
    }

    private void attempt(Permit p, int attemptsLeft, Duration timeout, boolean keep) {
      enter();
      if (count.get() > 0) {
        count.decrementAndGet();
        consumed.incrementAndGet();
        exit();
        releaseOrKeep(p, keep);
        return;
      }
      exit();
      if (attemptsLeft == 0) {
        release(p);
        return;
      }
      CompletableFuture<Permit> w;
      try {
        w = timeout == null ? condition.await(p) : condition.await(p, timeout);
      } catch (RuntimeException e) {
        failures.add("await(held) threw %s", e);
        return;
      }
      registerWait(w);
      if (!p.isReleased()) {
        failures.add("await(held) did not release %s", p);
      }
      all.add(w.whenComplete((q, u) -> {
        if (q == null) {
          expectWithdrawal(u, "await");
          return;
        }
        attempt(q, attemptsLeft - 1, timeout, keep);
      }));
    }

    private void registerWait(CompletableFuture<Permit> w) {
      waits.add(w);
      ring.add(w, java.util.concurrent.ThreadLocalRandom.current());
    }

    private void expectWithdrawal(Throwable t, String what) {
      if (t != null && !Fuzz.isWithdrawal(t)) {
        failures.add("%s failed with %s", what, t);
      }
    }

    private void enter() {
      int h = holders.incrementAndGet();
      if (h != 1) {
        failures.add("%d parties hold the lock at once", h);
      }
      if (!lock.isLocked()) {
        failures.add("critical section entered with the lock free");
      }
    }

    private void exit() {
      if (count.get() < 0) {
        failures.add("count went negative: %d", count.get());
      }
      holders.decrementAndGet();
    }

    private void releaseOrKeep(Permit p, boolean keep) {
      if (keep) {
        held.add(p);
        if (draining) {
          releaseHeld();
        }
      } else {
        release(p);
      }
    }

    private void release(Permit p) {
      try {
        p.release();
      } catch (RuntimeException e) {
        failures.add("release() of %s threw %s", p, e);
        p.close();
        return;
      }
      try {
        condition.await(p);
        failures.add("await() with the released permit %s did not throw", p);
      } catch (IllegalArgumentException expected) {
        // a released permit is no longer "held"
      }
    }

    private void releaseOne() {
      Permit p = held.poll();
      if (p != null) {
        release(p);
      }
    }

    private void releaseHeld() {
      Permit p;
      while ((p = held.poll()) != null) {
        release(p);
      }
    }
  }

  /**
   * The lost wake-up of ASYNCIO-SEMANTICS: consumers W1 and W2 wait for a unit; a producer adds
   * one unit, signals once and releases, while another thread cancels W1 at a random instant
   * (before the signal, while W1 re-acquires, as the release hands it the lock, or after). Once
   * things are quiet the unit must be consumed: by W1 if its cancel lost, else by W2.
   */
  private static final class CancelSignalRace {
    private final long seed;
    private final int rounds;
    private final Fuzz.CancelOutcomes outcomes = new Fuzz.CancelOutcomes();

    CancelSignalRace(long seed, int rounds) {
      this.seed = seed;
      this.rounds = rounds;
    }

    private static final class Round {
      final int index;
      final AsyncCondition condition = AsyncCondition.create();
      final AsyncLock lock = condition.lock();
      final AtomicInteger count = new AtomicInteger();
      final AtomicInteger consumedByW1 = new AtomicInteger();
      final AtomicInteger consumedByW2 = new AtomicInteger();
      final AtomicInteger holders = new AtomicInteger();
      final AtomicInteger overlaps = new AtomicInteger();
      /** 0: W1 uses awaitUntil, 1: await untimed, 2: await with a long timeout. */
      final int w1Kind;
      final boolean w2UsesAwaitUntil;
      final int cancelHow;
      /**
       * Where the cancel goes: 0 free race; 1 after the signal, before the release (W1 waits to
       * re-acquire); 2 let go right at the signal, racing the release that hands W1 the lock;
       * 3 (for awaitUntil) while W1's predicate re-check runs, that is after W1 took the signal
       * and the lock but before its future completes. Modes 1 to 3 use a handshake, so they hit
       * their window even when the two threads rarely run at the same moment (a loaded machine).
       */
      final int mode;
      /** Handshake of modes 1 and 2: 1 once signalled, 2 once cancelled. */
      final AtomicInteger step = new AtomicInteger();
      final int spinSignal;
      final int spinRelease;
      final int spinCancel;
      final CompletableFuture<Permit> w1;
      final CompletableFuture<Permit> w2;
      final CompletableFuture<?> w1Done;
      final CompletableFuture<?> w2Done;
      boolean cancelled;
      Throwable producerError;

      Round(int index, Random r) {
        this.index = index;
        this.w1Kind = r.nextInt(3);
        this.w2UsesAwaitUntil = r.nextBoolean();
        this.cancelHow = r.nextInt(3);
        this.mode = r.nextInt(4);
        this.spinSignal = r.nextInt(300);
        this.spinRelease = r.nextInt(mode >= 2 ? 60 : 300);
        this.spinCancel = mode >= 2 ? r.nextInt(60) : r.nextInt(r.nextBoolean() ? 200 : 1_200);
        Permit p1 = lock.tryAcquire().orElseThrow();
        BooleanSupplier hasUnit = () -> count.get() > 0;
        BooleanSupplier w1HasUnit = () -> {
          if (mode == 3 && count.get() > 0 && step.get() == 0) {
            step.set(1); // the re-check after the signal: let the cancel in now
            Fuzz.awaitStep(step, 2);
          }
          return count.get() > 0;
        };
        w1 = switch (w1Kind) {
          case 0 -> condition.awaitUntil(w1HasUnit, p1);
          case 1 -> condition.await(p1);
          default -> condition.await(p1, Duration.ofMinutes(1));
        };
        w1Done = w1.whenComplete((p, t) -> consume(p, consumedByW1));
        Permit p2 = lock.tryAcquire().orElseThrow();
        w2 = w2UsesAwaitUntil ? condition.awaitUntil(hasUnit, p2) : condition.await(p2);
        w2Done = w2.whenComplete((p, t) -> consume(p, consumedByW2));
      }

      private void consume(Permit p, AtomicInteger by) {
        if (p == null) {
          return;
        }
        if (holders.incrementAndGet() != 1) {
          overlaps.incrementAndGet();
        }
        if (count.get() > 0) {
          count.decrementAndGet();
          by.incrementAndGet();
        }
        holders.decrementAndGet();
        p.release();
      }
    }

    void run() throws Exception {
      Fuzz.race("condition-producer", seed, rounds, Round::new, this::cancelW1, this::produce,
          round -> {
            check(round);
            outcomes.count(round.cancelled);
          });
      outcomes.assertBothSeen(seed, rounds, "cancel lost");
    }

    private void cancelW1(Round round) {
      if (round.mode != 0) {
        Fuzz.awaitStep(round.step, 1);
      }
      Fuzz.spin(round.spinCancel);
      round.cancelled = switch (round.cancelHow) {
        case 0 -> round.w1.cancel(false);
        case 1 -> round.w1.cancel(true);
        default -> round.w1.completeExceptionally(new Fuzz.ExternalFailure());
      };
      round.step.set(2);
    }

    private void produce(Round round) {
      try {
        Fuzz.spin(round.spinSignal);
        Permit p = round.lock.acquire().get(10, TimeUnit.SECONDS);
        round.count.incrementAndGet();
        round.condition.signal();
        if (round.mode == 1 || round.mode == 2 || (round.mode == 3 && round.w1Kind != 0)) {
          round.step.set(1); // (mode 3 with awaitUntil: W1's predicate does it)
        }
        if (round.mode == 1) {
          Fuzz.awaitStep(round.step, 2);
        }
        Fuzz.spin(round.spinRelease);
        p.release();
      } catch (Throwable t) {
        round.producerError = t;
      }
    }

    private void check(Round round) {
      String where = "seed=" + seed + ", round " + round.index + ", mode=" + round.mode
          + ", w1Kind=" + round.w1Kind
          + ", w2AwaitUntil=" + round.w2UsesAwaitUntil + ", cancelHow=" + round.cancelHow
          + ", cancelled=" + round.cancelled + ", spins(signal/release/cancel)="
          + round.spinSignal + "/" + round.spinRelease + "/" + round.spinCancel + ", "
          + round.condition;
      if (round.producerError != null) {
        throw new AssertionError("producer failed: " + round.producerError + " (" + where + ")",
            round.producerError);
      }
      awaitQuiet(() -> round.w1Done.isDone() && !round.lock.isLocked()
          && (round.w2Done.isDone() || round.condition.waiters() == 1), where);
      assertThat(round.overlaps.get()).as("overlapping holders; %s", where).isZero();
      assertThat(round.w1.isCompletedExceptionally()).as("W1 failed iff cancelled; %s", where)
          .isEqualTo(round.cancelled);
      assertThat(round.count.get())
          .as("the unit is consumed (W1 took it: %s, W2 took it: %s, W2 still waits: %s) -"
              + " a lost wake-up otherwise; %s", round.consumedByW1.get(),
              round.consumedByW2.get(), !round.w2.isDone(), where)
          .isZero();
      if (round.cancelled) {
        assertThat(round.consumedByW1.get()).as("cancelled W1 consumed; %s", where).isZero();
      }
      // Clean up W2 and check that nothing is left.
      round.w2.cancel(false);
      awaitQuiet(() -> round.w2Done.isDone() && !round.lock.isLocked(), where);
      assertThat(round.condition.waiters()).as("condition waiters; %s", where).isZero();
      assertThat(round.lock.waiters()).as("lock waiters; %s", where).isZero();
      assertThat(round.lock.isLocked()).as("locked; %s", where).isFalse();
    }
  }

  /**
   * The window the race test above hits, opened deterministically: W1 (awaitUntil) has taken the
   * signal and re-acquired the lock, and is evaluating its predicate, when another thread cancels
   * it. The cancel wins (W1 holds nothing afterwards), so the signal W1 consumed must pass to W2,
   * as it does for a plain await withdrawn after its signal; otherwise W2 waits forever with a
   * unit available (asyncio's lost wake-up, CPython gh-112202).
   */
  @Test
  void cancellingAnAwaitUntilWhosePredicateRunsPassesItsSignalOn() throws Exception {
    AsyncCondition condition = AsyncCondition.create();
    AsyncLock lock = condition.lock();
    AtomicInteger count = new AtomicInteger();
    java.util.concurrent.CountDownLatch inPredicate = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch proceed = new java.util.concurrent.CountDownLatch(1);
    CompletableFuture<Permit> w1 = condition.awaitUntil(() -> {
      if (count.get() > 0) { // only the re-check after the signal blocks
        inPredicate.countDown();
        try {
          proceed.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return count.get() > 0;
    }, lock.tryAcquire().orElseThrow());
    CompletableFuture<Permit> w2 =
        condition.awaitUntil(() -> count.get() > 0, lock.tryAcquire().orElseThrow());
    CompletableFuture<Integer> w2Consumed = w2.thenApply(p -> {
      int left = count.decrementAndGet();
      p.release();
      return left;
    });
    Thread producer = new Thread(() -> {
      Permit p = lock.acquire().join();
      count.incrementAndGet();
      condition.signal(); // wakes W1 only
      p.release(); // hands the lock to W1, whose predicate then runs (and blocks) right here
    }, "producer");
    producer.start();
    assertThat(inPredicate.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(w1.cancel(false)).as("cancel while the predicate runs wins").isTrue();
    proceed.countDown();
    producer.join(10_000);
    assertThat(lock.isLocked()).as("W1 released the lock").isFalse();
    assertThat(w2Consumed).as("W2 woken by the signal W1 gave up (count=%s, %s)", count, condition)
        .succeedsWithin(Duration.ofSeconds(5)).isEqualTo(0);
    assertThat(condition.waiters()).isZero();
  }

  /** Sanity of the helpers above: signal() without the lock is refused. */
  @Test
  void signallingWithoutTheLockIsRefused() {
    AsyncCondition condition = AsyncCondition.create();
    assertThatThrownBy(condition::signal).isInstanceOf(IllegalStateException.class);
  }
}
