package dev.baton;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Randomized concurrency tests of {@link AsyncLock}: several threads mix every operation, and the
 * end state must show no leaked, lost or doubly granted lock. Scaled by {@code baton.stress}; a
 * failure names the seed that replays it ({@code -Dbaton.fuzz.seed}).
 */
class LockFuzzTest {

  private static final int THREADS = 4;
  private static final int RUNS = 150;
  private static final int OPS_PER_THREAD = 400;
  private static final int RACE_ROUNDS = 10_000;

  @Test
  void randomMixOfWaitsCancelsAndReleasesNeverAdmitsTwoHoldersAndLeavesTheLockFree() {
    Fuzz.repeat("lock mix", RUNS, seed -> new MixRun(seed).run());
  }

  @Test
  void cancelRacingReleaseGivesTheLockToExactlyOneAndStrandsNobody() {
    Fuzz.once("lock cancel/release race",
        seed -> new CancelReleaseRace(seed, RACE_ROUNDS * Fuzz.STRESS).run());
  }

  /**
   * The window the race test above hits, opened deterministically: release() has seen QUEUED
   * and waits for the lock's internal guard while the last waiter withdraws under it. The
   * release must then simply unlock (found by the race test; see handOff in DefaultAsyncLock).
   */
  @Test
  void releaseThatFindsTheLastWaiterWithdrawnUnlocksInsteadOfThrowing() throws Exception {
    AsyncLock lock = AsyncLock.create();
    Permit holder = lock.tryAcquire().orElseThrow();
    CompletableFuture<Permit> waiter = lock.acquire();
    java.lang.reflect.Field field = DefaultAsyncLock.class.getDeclaredField("guard");
    field.setAccessible(true);
    java.util.concurrent.locks.ReentrantLock guard =
        (java.util.concurrent.locks.ReentrantLock) field.get(lock);
    CompletableFuture<Void> released = new CompletableFuture<>();
    Thread releaser = new Thread(() -> {
      try {
        holder.release();
        released.complete(null);
      } catch (Throwable t) {
        released.completeExceptionally(t);
      }
    }, "releaser");
    guard.lock();
    try {
      releaser.start();
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
          .until(() -> guard.hasQueuedThread(releaser)); // past its unguarded read of QUEUED
      assertThat(waiter.cancel(false)).isTrue(); // withdraws the last waiter, clears QUEUED
    } finally {
      guard.unlock();
    }
    releaser.join(10_000);
    assertThat(released).as("release() of the holder").succeedsWithin(Duration.ofSeconds(5));
    assertThat(holder.isReleased()).isTrue();
    assertThat(lock.isLocked()).isFalse();
    assertThat(lock.waiters()).isZero();
    assertThat(lock.tryAcquire()).isPresent();
  }

  /** One run of the random mix on a fresh lock. */
  private static final class MixRun {
    private final long seed;
    private final AsyncLock lock = AsyncLock.create();
    private final Fuzz.Failures failures = new Fuzz.Failures();
    /** Parties inside the critical section (0 or 1), kept permits and running withLock actions. */
    private final Holdings holdings = new Holdings(failures);
    /** Fencing token of the latest holder. */
    private final AtomicLong lastToken = new AtomicLong(Long.MIN_VALUE);
    private final AtomicInteger grants = new AtomicInteger();
    /** Every future (or its checking dependent) that must settle before the end checks. */
    private final ConcurrentLinkedQueue<CompletableFuture<?>> all = new ConcurrentLinkedQueue<>();
    private final Fuzz.Ring ring = new Fuzz.Ring(16);

    MixRun(long seed) {
      this.seed = seed;
    }

    void run() throws Exception {
      Fuzz.concurrently("lock-mix", seed, THREADS, this::work);
      holdings.drain();
      Fuzz.awaitSettled(all, this::state);
      failures.assertNone(this::state);
      assertThat(holdings.holders()).as("holders at the end; %s", state()).isZero();
      assertThat(lock.isLocked()).as("locked at the end; %s", state()).isFalse();
      assertThat(lock.waiters()).as("waiters at the end; %s", state()).isZero();
      Optional<Permit> fresh = lock.tryAcquire();
      assertThat(fresh).as("a fresh tryAcquire; %s", state()).isPresent();
      assertThat(fresh.get().token()).as("fresh token vs last holder's")
          .isGreaterThan(lastToken.get());
      fresh.get().release();
      assertThat(lock.isLocked()).isFalse();
    }

    private String state() {
      return "seed=" + seed + ", " + lock + ", grants=" + grants + ", " + holdings;
    }

    private void work(int thread, Random r) {
      List<CompletableFuture<?>> mine = new ArrayList<>();
      for (int op = 0; op < OPS_PER_THREAD; op++) {
        switch (r.nextInt(13)) {
          case 0, 1 -> mine.add(track(lock.acquire(), r));
          case 2, 3 -> mine.add(track(lock.acquire(Fuzz.shortTimeout(r)), r));
          case 4 -> lock.tryAcquire()
              .ifPresent(p -> granted(p, r.nextInt(3) == 0, r.nextInt(8) == 0));
          case 5, 6 -> mine.add(withLock(r));
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
            if (lock.waiters() < 0) {
              failures.add("negative waiters(): %d", lock.waiters());
            }
          }
        }
        mine.removeIf(CompletableFuture::isDone);
        Fuzz.jitter(r);
      }
    }

    /** Checks the outcome of an acquire: a grant enters the critical section. */
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
      grants.incrementAndGet();
      long previous = lastToken.getAndSet(p.token());
      if (p.token() <= previous) {
        failures.add("token %d not greater than the previous holder's %d", p.token(), previous);
      }
      if (!lock.isLocked() || p.isReleased()) {
        failures.add("holder of %s sees the lock free: %s", p, lock);
      }
      holdings.keepOrRelease(p, keep, releaseTwice);
    }

    private void enter() {
      int h = holdings.enter();
      if (h != 1) {
        failures.add("%d holders at once", h);
      }
    }

    private CompletableFuture<String> withLock(Random r) {
      int mode = r.nextInt(3);
      CompletableFuture<String> result = lock.withLock(() -> {
        enter();
        if (!lock.isLocked()) {
          failures.add("withLock action runs with the lock free");
        }
        return holdings.actionBody(mode);
      });
      ring.add(result, r);
      all.add(result.whenComplete((v, t) -> {
        if (t != null && !Fuzz.isWithdrawal(t)) {
          failures.add("withLock failed with %s", t);
        }
      }));
      return result;
    }
  }

  /**
   * CPython bpo-32734: H holds the lock, W1 (and maybe W2) wait; one thread cancels W1 while
   * another releases H, lined up to the same instant. Exactly one of "W1 holds the lock", "W2
   * holds it", "the lock is free (no W2)" must be true afterwards, and nothing may be stranded.
   */
  private static final class CancelReleaseRace {
    private final long seed;
    private final int rounds;
    private final Fuzz.CancelOutcomes outcomes = new Fuzz.CancelOutcomes();
    /** Used by the releasing thread only. */
    private final Random releaserRandom;

    CancelReleaseRace(long seed, int rounds) {
      this.seed = seed;
      this.rounds = rounds;
      this.releaserRandom = new Random(Fuzz.threadSeed(seed, 1));
    }

    /** One round's set-up, choices and results. */
    private static final class Round {
      final int index;
      final AsyncLock lock = AsyncLock.create();
      final Permit holder;
      final int cancelHow;
      final boolean releaseByClose;
      final int spinCancel;
      final int spinRelease;
      /** Waiters cancelled before the race, ahead of W1. */
      final List<CompletableFuture<Permit>> cancelledAhead = new ArrayList<>();
      final CompletableFuture<Permit> w1;
      /** W1 as seen by the user when it goes through withLock. */
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
        this.holder = lock.tryAcquire().orElseThrow();
        this.cancelHow = r.nextInt(4);
        this.releaseByClose = r.nextBoolean();
        this.spinCancel = r.nextInt(r.nextBoolean() ? 50 : 400);
        this.spinRelease = r.nextInt(r.nextBoolean() ? 50 : 400);
        for (int i = r.nextInt(4) == 0 ? 1 + r.nextInt(2) : 0; i > 0; i--) {
          CompletableFuture<Permit> early = lock.acquire();
          cancelledAhead.add(early);
        }
        this.inTransit = r.nextInt(4) == 0;
        if (inTransit) {
          w0 = lock.acquire();
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
          w1Scoped = lock.withLock(() -> {
            actionRuns.incrementAndGet();
            return CompletableFuture.completedFuture("ran");
          });
        } else {
          w1 = cancelHow == 2 ? lock.acquire(Duration.ofMinutes(1)) : lock.acquire();
          w1Scoped = null;
        }
        w2 = r.nextBoolean() ? lock.acquire() : null;
        cancelledAhead.forEach(f -> f.cancel(false));
      }

      CompletableFuture<?> w1Future() {
        return w1 != null ? w1 : w1Scoped;
      }
    }

    void run() throws Exception {
      Fuzz.race("lock-releaser", seed, rounds, Round::new, this::cancelW1, this::release,
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
      try {
        if (round.releaseByClose) {
          round.holder.close();
        } else {
          round.holder.release();
        }
      } catch (Throwable t) {
        round.releaseError = t;
      }
      if (releaserRandom.nextInt(1_000) == 0) {
        Thread.yield();
      }
    }

    private void check(Round round) {
      String where = "seed=" + seed + ", round " + round.index + ", cancelHow=" + round.cancelHow
          + ", cancelledAhead=" + round.cancelledAhead.size() + ", inTransit=" + round.inTransit
          + ", w2=" + (round.w2 != null)
          + ", " + round.lock;
      if (round.releaseError != null) {
        round.holder.close(); // unstick the lock so that the failure message shows the state
        throw new AssertionError("releasing the holder while W1 was cancelled threw "
            + round.releaseError + " (" + where + ")", round.releaseError);
      }
      assertThat(round.holder.isReleased()).as("holder released; %s", where).isTrue();
      CompletableFuture<?> w1 = round.w1Future();
      if (round.inTransit && round.w1 != null) {
        assertThat(round.cancelled).as("a cancel of W1 granted in transit loses; %s", where)
            .isFalse();
      }
      assertThat(round.doneRightAfterCancel)
          .as("W1 is done as soon as cancel returns; %s", where).isTrue();
      boolean w1Holds;
      if (round.w1Scoped != null) {
        // withLock: a lost cancel means the action ran (a won cancel may still have found it
        // running); either way the permit is released at once.
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
        assertThat(w1Holds).as("W1 holds the lock iff the cancel lost; %s", where)
            .isEqualTo(!round.cancelled);
      }
      boolean w2Holds =
          round.w2 != null && round.w2.isDone() && !round.w2.isCompletedExceptionally();
      boolean free = !round.lock.isLocked();
      int outcomes = (w1Holds ? 1 : 0) + (w2Holds ? 1 : 0) + (free ? 1 : 0);
      assertThat(outcomes).as("exactly one of W1 holds / W2 holds / lock free (W1 holds=%s, W2"
          + " holds=%s, free=%s); %s", w1Holds, w2Holds, free, where).isEqualTo(1);
      if (round.w2 == null) {
        assertThat(w1Holds || free).as("no W2: W1 holds or the lock is free; %s", where).isTrue();
      } else {
        assertThat(free).as("a live W2 waits, so the lock is never left free; %s", where).isFalse();
      }
      int stillWaiting = round.w2 != null && !round.w2.isDone() ? 1 : 0;
      assertThat(round.lock.waiters()).as("waiters after the race; %s", where)
          .isEqualTo(stillWaiting);
      // Clean up: the holder releases, W2 (if waiting) gets the lock and releases it in turn.
      if (w1Holds) {
        round.w1.join().release();
      }
      if (round.w2 != null) {
        assertThat(round.w2).as("W2 granted once W1 is out of the way; %s", where).isDone();
        round.w2.join().release();
      }
      assertThat(round.lock.isLocked()).as("lock free after cleanup; %s", where).isFalse();
      assertThat(round.lock.waiters()).as("waiters after cleanup; %s", where).isZero();
      Optional<Permit> again = round.lock.tryAcquire();
      assertThat(again).as("tryAcquire after cleanup; %s", where).isPresent();
      again.get().release();
    }
  }
}
