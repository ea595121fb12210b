package dev.baton;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * The {@link AsyncEvent} of {@link AsyncEvent#create()}.
 *
 * <p>Implementation overview. {@link #set} is a volatile flag, read without the guard by
 * {@code isSet} and by waits on a set event. Waiters are enqueued only under the guard after
 * re-reading the flag, and {@code set} flips the flag and empties the queue under the same guard,
 * so no waiter can enqueue after a {@code set} it should have seen. {@code clear} only lowers the
 * flag: waiters already granted stay granted.
 */
final class DefaultAsyncEvent implements AsyncEvent {

  /** Whether the event is set; raised under the guard, lowered anywhere. */
  private volatile boolean set;
  /** Guards the wait queue and the raising of {@link #set}. */
  private final ReentrantLock guard = new ReentrantLock();
  /** Waits pending on a clear event, oldest first; empty whenever {@link #set} is true. */
  private final WaitQueue<Waiter<Void>> waiters = new WaitQueue<>(guard);

  @Override
  public void set() {
    if (set) {
      return;
    }
    List<Waiter<Void>> woken = new ArrayList<>();
    guard.lock();
    try {
      if (set) {
        return;
      }
      // Empty the queue before raising the flag: whoever sees the event set sees no waiters.
      waiters.drainTo(woken);
      set = true;
      woken.forEach(w -> w.grant(null));
    } finally {
      guard.unlock();
    }
    Grants.deliverAll(woken);
  }

  @Override
  public void clear() {
    set = false;
  }

  @Override
  public boolean isSet() {
    return set;
  }

  @Override
  public CompletableFuture<Void> await() {
    return set ? AlreadyDone.FUTURE : enqueue(Timeouts.NEVER);
  }

  @Override
  public CompletableFuture<Void> await(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    if (set) {
      return AlreadyDone.FUTURE;
    }
    if (!Timeouts.isPositive(timeout)) {
      return CompletableFuture.failedFuture(new AcquireTimeoutException("event", timeout));
    }
    return enqueue(timeout);
  }

  @Override
  public int waiters() {
    return waiters.size();
  }

  /** Fails the waits pending now (see {@link Withdrawals#failPending}). */
  int failPending(Supplier<? extends Throwable> failure) {
    return waiters.withdrawAll(failure);
  }

  @Override
  public String toString() {
    return "AsyncEvent[" + (set ? "set" : "clear") + ", waiters=" + waiters() + "]";
  }

  private CompletableFuture<Void> enqueue(Duration timeout) {
    Waiter<Void> w = new Waiter<>(waiters, timeout, "event");
    guard.lock();
    try {
      if (set) {
        return AlreadyDone.FUTURE;
      }
      waiters.add(w);
    } finally {
      guard.unlock();
    }
    return w.armTimeout();
  }
}
