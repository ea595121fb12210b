package dev.baton;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

/**
 * A condition variable for asynchronous code: Python's {@code asyncio.Condition}.
 *
 * <p>A waiter holds the condition's {@link #lock()}, calls {@link #await(Permit)} with its permit,
 * which releases the lock and waits for a signal; once signalled, it queues for the lock again,
 * and the returned future completes with a <em>new</em> permit of the lock. So a signalled waiter
 * proceeds only after the signaller has released the lock.
 *
 * <p>{@link #signal()}, {@link #signal(int)} and {@link #signalAll()} require the lock to be
 * held ({@link AsyncLock#isLocked()}: like asyncio, the lock has no owning thread, so "held" means
 * "held by someone"); they wake waiters in FIFO order.
 *
 * <p>Cancellation and timeouts: a wait that is cancelled or times out before its future
 * completes (whether it still waited for a signal or already for the lock) is withdrawn, holds no
 * permit, and if it had taken a signal, that signal passes to the next waiter. Once the new
 * permit is granted, the wait is over: a cancel that reaches the future while the permit is on
 * its way to it returns {@code false} and completes it with the permit, which the caller then
 * holds. A timeout covers the whole wait, re-acquiring the lock included.
 *
 * <p>Guarantees, in the words defined in the {@linkplain dev.baton package documentation}:
 * non-blocking; fair, FIFO; prompt cancellation; timeouts; memory consistency effects.
 */
public interface AsyncCondition {

  /** Creates a condition with its own new lock. */
  static AsyncCondition create() {
    return new DefaultAsyncCondition(AsyncLock.create());
  }

  /**
   * Creates a condition over {@code lock}, which may be shared by several conditions. For locks
   * made by {@link AsyncLock#create()} every permit passed to {@code await} is checked to belong
   * to {@code lock}; for other implementations only that it is not released.
   */
  static AsyncCondition create(AsyncLock lock) {
    return new DefaultAsyncCondition(lock);
  }

  /** The lock that waiters and signallers hold. */
  AsyncLock lock();

  /** Acquires the condition's lock: {@code lock().acquire()}. */
  default CompletableFuture<Permit> acquire() {
    return lock().acquire();
  }

  /**
   * Releases {@code held}, waits for a signal, and re-acquires the lock.
   *
   * @param held a live permit of {@link #lock()}
   * @return a future of the new permit of the lock, held when it completes
   * @throws IllegalArgumentException if {@code held} is released or belongs to another lock
   */
  CompletableFuture<Permit> await(Permit held);

  /**
   * As {@link #await(Permit)}, failing with {@link AcquireTimeoutException} (holding nothing) if
   * the signal and the lock are not both obtained within {@code timeout}. With a zero or negative
   * timeout, {@code held} is released and the future times out at once.
   */
  CompletableFuture<Permit> await(Permit held, Duration timeout);

  /**
   * Waits until {@code predicate} is true. The predicate is evaluated while holding the lock:
   * first at once (if true, the future completes with {@code held} itself), then after each
   * wake-up, waiting again while it is false. If the predicate throws, the future fails with that
   * exception and the lock is released.
   */
  CompletableFuture<Permit> awaitUntil(BooleanSupplier predicate, Permit held);

  /**
   * Wakes the oldest waiter: asyncio's {@code notify(1)}.
   *
   * @throws IllegalStateException if the lock is not held
   */
  void signal();

  /**
   * Wakes the {@code n} oldest waiters (fewer if fewer wait).
   *
   * @throws IllegalArgumentException if {@code n} is not positive
   * @throws IllegalStateException if the lock is not held
   */
  void signal(int n);

  /**
   * Wakes every waiter: asyncio's {@code notify_all}.
   *
   * @throws IllegalStateException if the lock is not held
   */
  void signalAll();

  /** The number of waiters waiting for a signal (not those already re-acquiring the lock). */
  int waiters();
}
