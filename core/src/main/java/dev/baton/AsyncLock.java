package dev.baton;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * A mutual-exclusion lock for asynchronous code: Python's {@code asyncio.Lock}.
 *
 * <p>{@link #acquire()} returns a future of a {@link Permit}; the holder releases the lock with
 * {@link Permit#release()} from any thread. The lock is not re-entrant and has no owning thread:
 * acquiring it again before releasing waits like any other caller.
 *
 * <p>Guarantees, in the words defined in the {@linkplain dev.baton package documentation}:
 * non-blocking; fair, FIFO (a release hands the lock directly to the oldest waiter, and
 * {@link #tryAcquire()} fails while anyone waits); granted on the caller's thread; prompt
 * cancellation; timeouts; memory consistency effects. Each grant carries a fencing
 * {@linkplain Permit#token() token}. An uncontended acquire and release each take a single CAS.
 */
public interface AsyncLock {

  /** Creates an unlocked lock. */
  static AsyncLock create() {
    return new DefaultAsyncLock();
  }

  /** Acquires the lock: a future completed at once if it is free, else when it is handed over. */
  CompletableFuture<Permit> acquire();

  /**
   * Acquires the lock, failing with {@link AcquireTimeoutException} if it is not granted within
   * {@code timeout}. A zero or negative timeout means "only if free now".
   */
  CompletableFuture<Permit> acquire(Duration timeout);

  /** Acquires the lock only if it is free and nobody waits for it. */
  Optional<Permit> tryAcquire();

  /** Whether someone holds the lock (including a waiter it was just handed to). */
  boolean isLocked();

  /** The number of acquires waiting for the lock. */
  int waiters();

  /**
   * Runs {@code action} while holding the lock and releases it when the stage it returns
   * completes, however it completes. If {@code action} throws, the returned future fails with that
   * exception and the lock is released. Cancelling the returned future while it still waits for
   * the lock withdraws the acquire and never runs {@code action}.
   */
  default <T> CompletableFuture<T> withLock(Supplier<? extends CompletionStage<T>> action) {
    Objects.requireNonNull(action, "action");
    return Holding.run(acquire(), Permit::close, action);
  }

  /**
   * As {@link #withLock(Supplier)}, failing with {@link AcquireTimeoutException} without running
   * {@code action} if the lock is not granted within {@code timeout}.
   */
  default <T> CompletableFuture<T> withLock(
      Duration timeout, Supplier<? extends CompletionStage<T>> action) {
    Objects.requireNonNull(action, "action");
    return Holding.run(acquire(timeout), Permit::close, action);
  }
}
