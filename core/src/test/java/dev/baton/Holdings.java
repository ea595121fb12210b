package dev.baton;

import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * What the workers of one {@link PermitMixRun} hold: the number of parties holding a permit
 * right now (granted one, or running inside {@code withLock}/{@code withPermit}), the permits
 * kept to be released later by some other worker, and the scoped actions still running, to be
 * finished later by some other worker. A release that misbehaves is reported to the run's
 * {@link Fuzz.Failures}.
 *
 * <p>Permits closed with {@link Release#CLOSED_BY_SEVERAL} stay within reach of every worker,
 * which close them again: stale closes, and now and then a close racing the first one.
 */
final class Holdings {

  /** How a party gives its permit back. */
  enum Release {
    /** {@code release()} once. */
    ONCE,
    /** {@code release()} twice: the second must throw, and a {@code close()} after it is a no-op. */
    TWICE,
    /** {@code close()}, the permit left for other workers to close again. */
    CLOSED_BY_SEVERAL;

    /** Mostly {@link #ONCE}. */
    static Release pick(Random r) {
      int n = r.nextInt(8);
      return n == 0 ? TWICE : n == 1 ? CLOSED_BY_SEVERAL : ONCE;
    }
  }

  private final Fuzz.Failures failures;
  /** Parties holding a permit right now. */
  private final AtomicInteger holders = new AtomicInteger();
  /** Permits kept by callbacks, to be released later by some other thread. */
  private final ConcurrentLinkedQueue<Permit> held = new ConcurrentLinkedQueue<>();
  /** Scoped actions still running, to be finished later by some other thread. */
  private final ConcurrentLinkedQueue<CompletableFuture<String>> actions =
      new ConcurrentLinkedQueue<>();
  /** Permits closed lately by {@link Release#CLOSED_BY_SEVERAL}, for workers to close again. */
  private final AtomicReferenceArray<Permit> closedLately = new AtomicReferenceArray<>(8);
  /** Set once the workers are done: from then on, callbacks release at once. */
  private volatile boolean draining;

  Holdings(Fuzz.Failures failures) {
    this.failures = failures;
  }

  /** Counts in a party that was granted a permit or whose scoped action starts. */
  int enter() {
    return holders.incrementAndGet();
  }

  /** Parties holding a permit right now. */
  int holders() {
    return holders.get();
  }

  /**
   * A granted permit, once its party has entered: kept for some worker to release later, or
   * released now as {@code how} says.
   */
  void keepOrRelease(Permit p, boolean keep, Release how) {
    if (keep) {
      held.add(p);
      if (draining) {
        releaseHeld();
      }
    } else {
      release(p, how);
    }
  }

  private void release(Permit p, Release how) {
    holders.decrementAndGet();
    if (how == Release.CLOSED_BY_SEVERAL) {
      closedLately.set((int) (p.token() % closedLately.length()), p);
      p.close();
      if (!p.isReleased()) {
        failures.add("permit %s not released after close()", p);
      }
      return;
    }
    try {
      p.release();
    } catch (RuntimeException e) {
      failures.add("first release() of %s threw %s", p, e);
      p.close(); // recover, so that the run can finish and report
      return;
    }
    if (!p.isReleased()) {
      failures.add("permit %s not released after release()", p);
    }
    if (how == Release.TWICE) {
      try {
        p.release();
        failures.add("second release() of %s did not throw", p);
      } catch (IllegalStateException expected) {
        p.close(); // and close() after release() is a no-op
      }
    }
  }

  void releaseOneHeld() {
    Permit p = held.poll();
    if (p != null) {
      release(p, Release.ONCE);
    }
  }

  private void releaseHeld() {
    Permit p;
    while ((p = held.poll()) != null) {
      release(p, Release.ONCE);
    }
  }

  /**
   * Closes again a permit closed lately by {@link Release#CLOSED_BY_SEVERAL}, perhaps while its
   * first close is still under way: it must release nothing more, least of all a later holder.
   */
  void closeOneClosedLately(Random r) {
    Permit p = closedLately.get(r.nextInt(closedLately.length()));
    if (p != null) {
      p.close();
    }
  }

  /**
   * The body of a scoped action whose party has entered. By {@code mode}: 0 completes at once,
   * 1 throws at once, otherwise it runs until some worker finishes it.
   */
  CompletableFuture<String> actionBody(int mode) {
    switch (mode) {
      case 0:
        holders.decrementAndGet();
        return CompletableFuture.completedFuture("now");
      case 1:
        holders.decrementAndGet();
        throw new Fuzz.ExternalFailure();
      default:
        CompletableFuture<String> running = new CompletableFuture<>();
        actions.add(running);
        if (draining) {
          finishActions();
        }
        return running;
    }
  }

  void finishOneAction(boolean fail) {
    CompletableFuture<String> a = actions.poll();
    if (a != null) {
      holders.decrementAndGet();
      if (fail) {
        a.completeExceptionally(new Fuzz.ExternalFailure());
      } else {
        a.complete("later");
      }
    }
  }

  private void finishActions() {
    while (!actions.isEmpty()) {
      finishOneAction(false);
    }
  }

  /**
   * Once the workers are done: releases every kept permit and finishes every running action;
   * from then on, callbacks do so at once.
   */
  void drain() {
    draining = true;
    releaseHeld();
    finishActions();
  }

  @Override
  public String toString() {
    return "holders=" + holders + ", held=" + held.size() + ", runningActions=" + actions.size();
  }
}
