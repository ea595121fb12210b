package dev.baton;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The {@link AsyncBarrier} of {@link AsyncBarrier#create(int)}.
 *
 * <p>Implementation overview. Everything happens under {@link #guard}. The waiting parties of the
 * current cycle sit in {@link #waiting}; the arrival that makes {@code parties} grants them all,
 * numbering them 0, 1, ... in queue order (cancelled parties have already left the queue, so the
 * numbers stay distinct and dense) and taking {@code parties - 1} itself. A trip empties the
 * queue, so the next arrival starts the next cycle: there is no draining phase to wait out.
 */
final class DefaultAsyncBarrier implements AsyncBarrier {

  private final int parties;
  /** Guards {@link #waiting} and {@link #broken}. */
  private final ReentrantLock guard = new ReentrantLock();
  /** Parties waiting in the current cycle; fewer than {@link #parties}; empty while broken. */
  private final WaitQueue<Waiter<Integer>> waiting = new WaitQueue<>(guard);
  /** Set by {@code abort}, cleared by {@code reset}. */
  private boolean broken;

  DefaultAsyncBarrier(int parties) {
    this.parties = Arguments.requirePositive(parties, "parties");
  }

  @Override
  public CompletableFuture<Integer> await() {
    List<Waiter<Integer>> released = new ArrayList<>();
    guard.lock();
    try {
      if (broken) {
        return CompletableFuture.failedFuture(new BrokenBarrierException(
            "the barrier was aborted: reset() it before awaiting again"));
      }
      if (waiting.size() < parties - 1) {
        Waiter<Integer> w = new Waiter<>(waiting);
        waiting.add(w);
        return w;
      }
      waiting.drainTo(released);
      for (int index = 0; index < released.size(); index++) {
        released.get(index).grant(index);
      }
    } finally {
      guard.unlock();
    }
    Grants.deliverAll(released);
    return CompletableFuture.completedFuture(parties - 1);
  }

  @Override
  public void reset() {
    breakCycle(false, "the barrier was reset while this party waited");
  }

  @Override
  public void abort() {
    breakCycle(true, "the barrier was aborted while this party waited");
  }

  @Override
  public boolean isBroken() {
    guard.lock();
    try {
      return broken;
    } finally {
      guard.unlock();
    }
  }

  @Override
  public int parties() {
    return parties;
  }

  @Override
  public int waiting() {
    return waiting.size();
  }

  @Override
  public String toString() {
    return "AsyncBarrier[waiting=" + waiting() + "/" + parties + (isBroken() ? ", broken]" : "]");
  }

  /** Fails the current waiters and leaves the barrier broken or not. */
  private void breakCycle(boolean brokenAfter, String reason) {
    List<Waiter<Integer>> failed = new ArrayList<>();
    guard.lock();
    try {
      broken = brokenAfter;
      waiting.drainTo(failed);
      failed.forEach(w -> w.fail(new BrokenBarrierException(reason)));
    } finally {
      guard.unlock();
    }
    Grants.deliverAll(failed);
  }
}
