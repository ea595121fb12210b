package dev.baton;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * The cancel/release race of {@link LockFuzzTest} and {@link SemaphoreFuzzTest}: CPython
 * bpo-32734, and gh-90155 for semaphores, on a primitive that hands out {@link Permit}s, seen as
 * an {@link AsyncSemaphore} (a lock through {@link LockAsSemaphore}).
 *
 * <p>Contract of {@link #run}: each round makes a fresh primitive, takes every permit (H is the
 * first), and queues W1 (and maybe W2) behind them; then one thread cancels W1 while another
 * releases H, lined up to the same instant by {@link Fuzz#race}. Afterwards exactly one of "W1
 * holds the permit", "W2 holds it", "it went back to the pool (no W2)" must be true and nobody
 * may be stranded; once every holder releases, every permit is back, and both a
 * {@code tryAcquire} and a new {@code acquire} succeed at once. A race of 2,000 rounds or more
 * must see the cancel both win and lose ({@link Fuzz.CancelOutcomes}). A round varies how W1 is
 * withdrawn, how H is released, the spins before each side, waiters cancelled ahead of W1, and
 * whether W1 is granted in transit ({@code Round.inTransit}), its delivery held back until the
 * cancel returns or racing it.
 */
final class CancelReleaseRace {

  private final String name;
  private final long seed;
  private final int rounds;
  private final Function<Random, AsyncSemaphore> newPrimitive;
  private final Fuzz.CancelOutcomes outcomes = new Fuzz.CancelOutcomes();
  /** Used by the releasing thread only. */
  private final Random releaserRandom;

  /**
   * A race of {@code rounds} rounds; {@code name} names the releasing thread, and
   * {@code newPrimitive} makes each round's primitive, every permit free, from the round's
   * {@link Random}.
   */
  CancelReleaseRace(String name, long seed, int rounds,
      Function<Random, AsyncSemaphore> newPrimitive) {
    this.name = name;
    this.seed = seed;
    this.rounds = rounds;
    this.newPrimitive = newPrimitive;
    this.releaserRandom = new Random(Fuzz.threadSeed(seed, 1));
  }

  /** One round's set-up, choices and results. */
  private static final class Round {
    final int index;
    final AsyncSemaphore primitive;
    /** H: the holder whose release races the cancel of W1. */
    final Permit holder;
    /** The permits held besides H, released in the clean-up (none for a lock). */
    final List<Permit> otherHolders = new ArrayList<>();
    final int cancelHow;
    final boolean releaseByClose;
    final int spinCancel;
    final int spinRelease;
    /** Waiters cancelled before the race, ahead of W1. */
    final List<CompletableFuture<Permit>> cancelledAhead = new ArrayList<>();
    final CompletableFuture<Permit> w1;
    /** W1 as seen by the user when it goes through withPermit. */
    final CompletableFuture<String> w1Scoped;
    final AtomicInteger actionRuns = new AtomicInteger();
    final CompletableFuture<Permit> w2;
    /**
     * In-transit mode: W0 waits just ahead of W1; when the release grants W0, W0's callback
     * releases at once, which grants W1 while the releasing thread is still completing W0, so
     * W1 is granted but not yet completed; the callback then lets the cancel of W1 in. If it
     * {@link #holdsDelivery}, it waits for the cancel, which must lose (the grant is final) and
     * complete W1 with its permit itself, unless W1 goes through withPermit, whose own future
     * the cancel wins, the permit released at once; otherwise it returns, and the cancel races
     * W1's delivery. Either way nothing leaks.
     */
    final boolean inTransit;
    final boolean holdsDelivery;
    final CompletableFuture<Permit> w0;
    final AtomicInteger step = new AtomicInteger();
    boolean cancelled;
    boolean doneRightAfterCancel;
    Throwable releaseError;

    Round(int index, AsyncSemaphore primitive, Random r) {
      this.index = index;
      this.primitive = primitive;
      this.holder = primitive.tryAcquire().orElseThrow();
      for (int i = 1; i < primitive.maxPermits(); i++) {
        otherHolders.add(primitive.tryAcquire().orElseThrow());
      }
      this.cancelHow = r.nextInt(4);
      this.releaseByClose = r.nextBoolean();
      this.spinCancel = r.nextInt(r.nextBoolean() ? 50 : 400);
      this.spinRelease = r.nextInt(r.nextBoolean() ? 50 : 400);
      for (int i = r.nextInt(4) == 0 ? 1 + r.nextInt(2) : 0; i > 0; i--) {
        cancelledAhead.add(primitive.acquire());
      }
      this.inTransit = r.nextInt(4) == 0;
      this.holdsDelivery = inTransit && r.nextBoolean();
      if (inTransit) {
        w0 = primitive.acquire();
        w0.thenAccept(p -> {
          p.release(); // grants W1, delivered only after this callback returns
          step.set(1);
          if (holdsDelivery) {
            Fuzz.awaitStep(step, 2);
          }
        });
      } else {
        w0 = null;
      }
      if (cancelHow == 3) {
        w1 = null;
        w1Scoped = primitive.withPermit(() -> {
          actionRuns.incrementAndGet();
          return CompletableFuture.completedFuture("ran");
        });
      } else {
        w1 = cancelHow == 2 ? primitive.acquire(Duration.ofMinutes(1)) : primitive.acquire();
        w1Scoped = null;
      }
      w2 = r.nextBoolean() ? primitive.acquire() : null;
      cancelledAhead.forEach(f -> f.cancel(false));
    }

    CompletableFuture<?> w1Future() {
      return w1 != null ? w1 : w1Scoped;
    }

    @Override
    public String toString() {
      return "round " + index + ", permits=" + primitive.maxPermits() + ", cancelHow=" + cancelHow
          + ", cancelledAhead=" + cancelledAhead.size() + ", inTransit=" + inTransit
          + ", holdsDelivery=" + holdsDelivery
          + ", w2=" + (w2 != null) + ", " + primitive;
    }
  }

  void run() throws Exception {
    Fuzz.race(name + "-releaser", seed, rounds,
        (index, r) -> new Round(index, newPrimitive.apply(r), r), this::cancelW1, this::release,
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
    String where = "seed=" + seed + ", " + round;
    if (round.releaseError != null) {
      round.holder.close(); // leave nothing held behind the failure
      throw new AssertionError("releasing the holder while W1 was cancelled threw "
          + round.releaseError + " (" + where + ")", round.releaseError);
    }
    assertThat(round.holder.isReleased()).as("holder released; %s", where).isTrue();
    boolean w1Holds = checkW1(round, where);
    checkExactlyOneGotThePermit(round, w1Holds, where);
    cleanUpAndCheckEveryPermitIsBack(round, w1Holds, where);
  }

  /** Checks W1 against the cancel's outcome; returns whether W1 holds a permit. */
  private static boolean checkW1(Round round, String where) {
    CompletableFuture<?> w1 = round.w1Future();
    if (round.holdsDelivery && round.w1 != null) {
      assertThat(round.cancelled).as("a cancel of W1 granted in transit loses; %s", where)
          .isFalse();
    }
    assertThat(round.doneRightAfterCancel)
        .as("W1 is done as soon as cancel returns; %s", where).isTrue();
    if (round.w1Scoped != null) {
      // withPermit: a lost cancel means the action ran (a won cancel may still have found it
      // running); either way the permit is released at once.
      if (!round.cancelled) {
        assertThat(round.actionRuns.get()).as("action ran as the cancel lost; %s", where)
            .isEqualTo(1);
      }
      assertThat(round.actionRuns.get()).as("action runs; %s", where).isLessThanOrEqualTo(1);
      assertThat(w1.isCompletedExceptionally()).as("scoped W1 failed iff cancelled; %s", where)
          .isEqualTo(round.cancelled);
      return false;
    }
    boolean w1Holds = !w1.isCompletedExceptionally();
    assertThat(w1Holds).as("W1 holds a permit iff the cancel lost; %s", where)
        .isEqualTo(!round.cancelled);
    return w1Holds;
  }

  private static void checkExactlyOneGotThePermit(Round round, boolean w1Holds, String where) {
    boolean w2Holds =
        round.w2 != null && round.w2.isDone() && !round.w2.isCompletedExceptionally();
    int available = round.primitive.availablePermits();
    boolean backInPool = available == 1;
    int outcomes = (w1Holds ? 1 : 0) + (w2Holds ? 1 : 0) + (backInPool ? 1 : 0);
    assertThat(outcomes).as("exactly one of W1 holds / W2 holds / permit back in the pool"
        + " (W1=%s, W2=%s, pool=%s); %s", w1Holds, w2Holds, backInPool, where).isEqualTo(1);
    assertThat(available).as("available after the race; %s", where).isLessThanOrEqualTo(1);
    if (round.w2 == null) {
      assertThat(w1Holds || backInPool).as("no W2: W1 holds or the permit is back; %s", where)
          .isTrue();
    } else {
      assertThat(backInPool).as("a live W2 waits, so the permit must not idle; %s", where)
          .isFalse();
    }
    int stillWaiting = round.w2 != null && !round.w2.isDone() ? 1 : 0;
    assertThat(round.primitive.waiters()).as("waiters after the race; %s", where)
        .isEqualTo(stillWaiting);
  }

  /** Every holder releases; then all permits are back and new acquires succeed at once. */
  private static void cleanUpAndCheckEveryPermitIsBack(Round round, boolean w1Holds,
      String where) {
    round.otherHolders.forEach(Permit::release);
    if (w1Holds) {
      round.w1.join().release();
    }
    if (round.w2 != null) {
      assertThat(round.w2).as("W2 granted once the permits come back; %s", where).isDone();
      round.w2.join().release();
    }
    assertThat(round.primitive.availablePermits()).as("all permits back; %s", where)
        .isEqualTo(round.primitive.maxPermits());
    assertThat(round.primitive.waiters()).as("waiters after cleanup; %s", where).isZero();
    Optional<Permit> again = round.primitive.tryAcquire();
    assertThat(again).as("tryAcquire after cleanup; %s", where).isPresent();
    again.get().release();
    CompletableFuture<Permit> later = round.primitive.acquire();
    assertThat(later).as("a later acquire succeeds at once (gh-90155); %s", where).isDone();
    later.join().release();
  }
}
