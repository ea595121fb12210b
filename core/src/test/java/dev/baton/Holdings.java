package dev.baton;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the workers of one {@link PermitMixRun} hold: the number of parties holding a permit
 * right now (granted one, or running inside {@code withLock}/{@code withPermit}), the permits
 * kept to be released later by some other worker, and the scoped actions still running, to be
 * finished later by some other worker. A release that misbehaves is reported to the run's
 * {@link Fuzz.Failures}.
 */
final class Holdings {

  private final Fuzz.Failures failures;
  /** Parties holding a permit right now. */
  private final AtomicInteger holders = new AtomicInteger();
  /** Permits kept by callbacks, to be released later by some other thread. */
  private final ConcurrentLinkedQueue<Permit> held = new ConcurrentLinkedQueue<>();
  /** Scoped actions still running, to be finished later by some other thread. */
  private final ConcurrentLinkedQueue<CompletableFuture<String>> actions =
      new ConcurrentLinkedQueue<>();
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
   * released now ({@code twice}: released again, which must throw).
   */
  void keepOrRelease(Permit p, boolean keep, boolean twice) {
    if (keep) {
      held.add(p);
      if (draining) {
        releaseHeld();
      }
    } else {
      release(p, twice);
    }
  }

  private void release(Permit p, boolean twice) {
    holders.decrementAndGet();
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
    if (twice) {
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
      release(p, false);
    }
  }

  private void releaseHeld() {
    Permit p;
    while ((p = held.poll()) != null) {
      release(p, false);
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
