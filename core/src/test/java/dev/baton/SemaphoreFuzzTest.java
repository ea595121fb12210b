package dev.baton;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Randomized concurrency tests of {@link AsyncSemaphore}: several threads mix every operation,
 * and the end state must show no leaked, lost or extra permit. Scaled by {@code baton.stress}; a
 * failure names the seed that replays it ({@code -Dbaton.fuzz.seed}).
 */
class SemaphoreFuzzTest {

  private static final int THREADS = 4;
  private static final int RUNS = 150;
  private static final int OPS_PER_THREAD = 400;
  private static final int RACE_ROUNDS = 15_000;

  @Test
  void randomMixOfWaitsCancelsAndReleasesNeverExceedsThePermitsAndReturnsThemAll() {
    Fuzz.repeat("semaphore mix", RUNS, seed -> new MixRun(seed).run());
  }

  @Test
  void cancelRacingReleaseGivesThePermitToExactlyOneAndStrandsNobody() {
    Fuzz.once("semaphore cancel/release race",
        seed -> new CancelReleaseRace(seed, RACE_ROUNDS * Fuzz.STRESS).run());
  }

  /** One run of the random mix on a fresh semaphore of 1 to 4 permits. */
  private static final class MixRun {
    private final long seed;
    private final int permits;
    private final AsyncSemaphore semaphore;
    private final Fuzz.Failures failures = new Fuzz.Failures();
    /** Parties holding a permit (at most {@link #permits}), kept permits and running actions. */
    private final Holdings holdings = new Holdings(failures);
    private final AtomicInteger maxHolders = new AtomicInteger();
    private final Set<Long> tokens = ConcurrentHashMap.newKeySet();
    private final ConcurrentLinkedQueue<CompletableFuture<?>> all = new ConcurrentLinkedQueue<>();
    private final Fuzz.Ring ring = new Fuzz.Ring(16);

    MixRun(long seed) {
      this.seed = seed;
      this.permits = 1 + new Random(seed).nextInt(4);
      this.semaphore = AsyncSemaphore.create(permits);
    }

    void run() throws Exception {
      Fuzz.concurrently("semaphore-mix", seed, THREADS, this::work);
      holdings.drain();
      Fuzz.awaitSettled(all, this::state);
      failures.assertNone(this::state);
      assertThat(holdings.holders()).as("holders at the end; %s", state()).isZero();
      assertThat(semaphore.availablePermits()).as("available at the end; %s", state())
          .isEqualTo(permits);
      assertThat(semaphore.maxPermits()).isEqualTo(permits);
      assertThat(semaphore.waiters()).as("waiters at the end; %s", state()).isZero();
      List<Permit> fresh = new ArrayList<>();
      for (int i = 0; i < permits; i++) {
        Optional<Permit> p = semaphore.tryAcquire();
        assertThat(p).as("fresh tryAcquire %d; %s", i, state()).isPresent();
        assertThat(tokens.add(p.get().token())).as("fresh token is new").isTrue();
        fresh.add(p.get());
      }
      assertThat(semaphore.tryAcquire()).as("one permit too many; %s", state()).isEmpty();
      fresh.forEach(Permit::release);
      assertThat(semaphore.availablePermits()).isEqualTo(permits);
    }

    private String state() {
      return "seed=" + seed + ", " + semaphore + ", maxHolders=" + maxHolders + ", grants="
          + tokens.size() + ", " + holdings;
    }

    private void work(int thread, Random r) {
      List<CompletableFuture<?>> mine = new ArrayList<>();
      for (int op = 0; op < OPS_PER_THREAD; op++) {
        switch (r.nextInt(13)) {
          case 0, 1 -> mine.add(track(semaphore.acquire(), r));
          case 2, 3 -> mine.add(track(semaphore.acquire(Fuzz.shortTimeout(r)), r));
          case 4 -> semaphore.tryAcquire()
              .ifPresent(p -> granted(p, r.nextInt(3) == 0, r.nextInt(8) == 0));
          case 5, 6 -> mine.add(withPermit(r));
          case 7 -> {
            if (!mine.isEmpty()) {
              mine.remove(r.nextInt(mine.size())).cancel(r.nextBoolean());
            }
          }
          case 8 -> {
            CompletableFuture<?> f = ring.pick(r);
            if (f != null) {
              f.cancel(r.nextBoolean());
            }
          }
          case 9 -> {
            CompletableFuture<?> f = ring.pick(r);
            if (f != null) {
              Fuzz.withdrawSomehow(f, r);
            }
          }
          case 10 -> holdings.releaseOneHeld();
          case 11 -> holdings.finishOneAction(r.nextBoolean());
          default -> {
            int available = semaphore.availablePermits();
            if (available < 0 || available > permits || semaphore.waiters() < 0) {
              failures.add("available %d of %d, waiters %d", available, permits,
                  semaphore.waiters());
            }
          }
        }
        mine.removeIf(CompletableFuture::isDone);
        Fuzz.jitter(r);
      }
    }

    private CompletableFuture<Permit> track(CompletableFuture<Permit> f, Random r) {
      boolean keep = r.nextInt(3) == 0;
      boolean releaseTwice = r.nextInt(8) == 0;
      ring.add(f, r);
      all.add(f.whenComplete((p, t) -> {
        if (p != null) {
          granted(p, keep, releaseTwice);
        } else if (t != null && !Fuzz.isWithdrawal(t)) {
          failures.add("acquire failed with %s", t);
        }
      }));
      return f;
    }

    private void granted(Permit p, boolean keep, boolean releaseTwice) {
      enter();
      if (!tokens.add(p.token())) {
        failures.add("token %d handed out twice", p.token());
      }
      if (p.isReleased()) {
        failures.add("granted permit %s is already released", p);
      }
      holdings.keepOrRelease(p, keep, releaseTwice);
    }

    private void enter() {
      int h = holdings.enter();
      maxHolders.accumulateAndGet(h, Math::max);
      if (h > permits) {
        failures.add("%d holders of %d permits", h, permits);
      }
    }

    private CompletableFuture<String> withPermit(Random r) {
      int mode = r.nextInt(3);
      CompletableFuture<String> result = semaphore.withPermit(() -> {
        enter();
        return holdings.actionBody(mode);
      });
      ring.add(result, r);
      all.add(result.whenComplete((v, t) -> {
        if (t != null && !Fuzz.isWithdrawal(t)) {
          failures.add("withPermit failed with %s", t);
        }
      }));
      return result;
    }
  }

  /**
   * CPython gh-90155 and bpo-32734 for semaphores: every permit is held, W1 (and maybe W2) wait;
   * one thread cancels W1 while another releases a permit, lined up to the same instant. Exactly
   * one of "W1 got the permit", "W2 got it", "it went back to the pool (no W2)" must be true,
   * and afterwards every permit comes back and a new acquire succeeds at once.
   */
  private static final class CancelReleaseRace {
    private final long seed;
    private final int rounds;
    private final Fuzz.CancelOutcomes outcomes = new Fuzz.CancelOutcomes();

    CancelReleaseRace(long seed, int rounds) {
      this.seed = seed;
      this.rounds = rounds;
    }

    private static final class Round {
      final int index;
      final int permits;
      final AsyncSemaphore semaphore;
      final List<Permit> holders = new ArrayList<>();
      final int cancelHow;
      final boolean releaseByClose;
      final int spinCancel;
      final int spinRelease;
      final List<CompletableFuture<Permit>> cancelledAhead = new ArrayList<>();
      final CompletableFuture<Permit> w1;
      final CompletableFuture<String> w1Scoped;
      final AtomicInteger actionRuns = new AtomicInteger();
      final CompletableFuture<Permit> w2;
      /**
       * In-transit mode: W0 waits just ahead of W1; when the release grants W0, W0's callback
       * releases at once, which grants W1 while the releasing thread is still completing W0, so
       * W1 is granted but not yet completed; the callback then lets the cancel of W1 in and
       * waits for it. The cancel must lose and hand W1 its permit (nothing leaks).
       */
      final boolean inTransit;
      final CompletableFuture<Permit> w0;
      final AtomicInteger step = new AtomicInteger();
      boolean cancelled;
      boolean doneRightAfterCancel;
      Throwable releaseError;

      Round(int index, Random r) {
        this.index = index;
        this.permits = 1 + r.nextInt(3);
        this.semaphore = AsyncSemaphore.create(permits);
        for (int i = 0; i < permits; i++) {
          holders.add(semaphore.tryAcquire().orElseThrow());
        }
        this.cancelHow = r.nextInt(4);
        this.releaseByClose = r.nextBoolean();
        this.spinCancel = r.nextInt(r.nextBoolean() ? 50 : 400);
        this.spinRelease = r.nextInt(r.nextBoolean() ? 50 : 400);
        for (int i = r.nextInt(4) == 0 ? 1 + r.nextInt(2) : 0; i > 0; i--) {
          cancelledAhead.add(semaphore.acquire());
        }
        this.inTransit = r.nextInt(4) == 0;
        if (inTransit) {
          w0 = semaphore.acquire();
          w0.thenAccept(p -> {
            p.release(); // grants W1, delivered only after this callback returns
            step.set(1);
            Fuzz.awaitStep(step, 2);
          });
        } else {
          w0 = null;
        }
        if (cancelHow == 3) {
          w1 = null;
          w1Scoped = semaphore.withPermit(() -> {
            actionRuns.incrementAndGet();
            return CompletableFuture.completedFuture("ran");
          });
        } else {
          w1 = cancelHow == 2 ? semaphore.acquire(Duration.ofMinutes(1)) : semaphore.acquire();
          w1Scoped = null;
        }
        w2 = r.nextBoolean() ? semaphore.acquire() : null;
        cancelledAhead.forEach(f -> f.cancel(false));
      }

      CompletableFuture<?> w1Future() {
        return w1 != null ? w1 : w1Scoped;
      }
    }

    void run() throws Exception {
      Fuzz.race("semaphore-releaser", seed, rounds, Round::new, this::cancelW1, this::release,
          round -> {
            check(round);
            outcomes.count(round.cancelled);
          });
      outcomes.assertBothSeen(seed, rounds, "release won");
    }

    private void cancelW1(Round round) {
      if (round.inTransit) {
        Fuzz.awaitStep(round.step, 1);
      }
      Fuzz.spin(round.spinCancel);
      round.cancelled = round.cancelHow == 1
          ? round.w1Future().completeExceptionally(new Fuzz.ExternalFailure())
          : round.w1Future().cancel(round.index % 2 == 0);
      round.doneRightAfterCancel = round.w1Future().isDone();
      round.step.set(2);
    }

    private void release(Round round) {
      Fuzz.spin(round.spinRelease);
      Permit p = round.holders.get(0);
      try {
        if (round.releaseByClose) {
          p.close();
        } else {
          p.release();
        }
      } catch (Throwable t) {
        round.releaseError = t;
      }
    }

    private void check(Round round) {
      String where = "seed=" + seed + ", round " + round.index + ", permits=" + round.permits
          + ", cancelHow=" + round.cancelHow + ", cancelledAhead=" + round.cancelledAhead.size()
          + ", inTransit=" + round.inTransit
          + ", w2=" + (round.w2 != null) + ", " + round.semaphore;
      if (round.releaseError != null) {
        throw new AssertionError("releasing a permit while W1 was cancelled threw "
            + round.releaseError + " (" + where + ")", round.releaseError);
      }
      CompletableFuture<?> w1 = round.w1Future();
      if (round.inTransit && round.w1 != null) {
        assertThat(round.cancelled).as("a cancel of W1 granted in transit loses; %s", where)
            .isFalse();
      }
      assertThat(round.doneRightAfterCancel)
          .as("W1 is done as soon as cancel returns; %s", where).isTrue();
      boolean w1Holds;
      if (round.w1Scoped != null) {
        if (!round.cancelled) {
          assertThat(round.actionRuns.get()).as("action ran as the cancel lost; %s", where)
              .isEqualTo(1);
        }
        assertThat(round.actionRuns.get()).as("action runs; %s", where).isLessThanOrEqualTo(1);
        assertThat(w1.isCompletedExceptionally()).as("scoped W1 failed iff cancelled; %s", where)
            .isEqualTo(round.cancelled);
        w1Holds = false;
      } else {
        w1Holds = !w1.isCompletedExceptionally();
        assertThat(w1Holds).as("W1 holds a permit iff the cancel lost; %s", where)
            .isEqualTo(!round.cancelled);
      }
      boolean w2Holds =
          round.w2 != null && round.w2.isDone() && !round.w2.isCompletedExceptionally();
      boolean backInPool = round.semaphore.availablePermits() == 1;
      int outcomes = (w1Holds ? 1 : 0) + (w2Holds ? 1 : 0) + (backInPool ? 1 : 0);
      assertThat(outcomes).as("exactly one of W1 holds / W2 holds / permit back in the pool"
          + " (W1=%s, W2=%s, pool=%s); %s", w1Holds, w2Holds, backInPool, where).isEqualTo(1);
      assertThat(round.semaphore.availablePermits()).as("available after the race; %s", where)
          .isLessThanOrEqualTo(1);
      if (round.w2 != null) {
        assertThat(backInPool).as("a live W2 waits, so the permit must not idle; %s", where)
            .isFalse();
      }
      int stillWaiting = round.w2 != null && !round.w2.isDone() ? 1 : 0;
      assertThat(round.semaphore.waiters()).as("waiters after the race; %s", where)
          .isEqualTo(stillWaiting);
      // Clean up: every holder releases; then all permits are back and an acquire succeeds.
      for (Permit p : round.holders.subList(1, round.holders.size())) {
        p.release();
      }
      if (w1Holds) {
        round.w1.join().release();
      }
      if (round.w2 != null) {
        assertThat(round.w2).as("W2 granted once permits come back; %s", where).isDone();
        round.w2.join().release();
      }
      assertThat(round.semaphore.availablePermits()).as("all permits back; %s", where)
          .isEqualTo(round.permits);
      assertThat(round.semaphore.waiters()).as("waiters after cleanup; %s", where).isZero();
      CompletableFuture<Permit> later = round.semaphore.acquire();
      assertThat(later).as("a later acquire succeeds at once (gh-90155); %s", where).isDone();
      later.join().release();
    }
  }
}
