package dev.baton;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * A counting semaphore for asynchronous code: Python's {@code asyncio.BoundedSemaphore}.
 *
 * <p>Each grant is a {@link Permit} that releases once, so the number of available permits can
 * never exceed {@link #maxPermits()}.
 *
 * <p>Guarantees, in the words defined in the {@linkplain dev.baton package documentation}:
 * non-blocking; fair, FIFO (a released permit goes straight to the oldest waiter, and
 * {@link #tryAcquire()} fails while anyone waits, even if permits seem free to a racing reader);
 * granted on the caller's thread; prompt cancellation; timeouts; memory consistency effects.
 * An uncontended acquire and release each take a CAS on the permit count.
 */
public interface AsyncSemaphore {

  /**
   * Creates a semaphore with {@code permits} permits, all available.
   *
   * @throws IllegalArgumentException if {@code permits} is not positive
   */
  static AsyncSemaphore create(int permits) {
    return new DefaultAsyncSemaphore(permits);
  }

  /** Acquires one permit: completed at once if one is free and nobody waits, else in turn. */
  CompletableFuture<Permit> acquire();

  /**
   * Acquires one permit, failing with {@link AcquireTimeoutException} if it is not granted within
   * {@code timeout}. A zero or negative timeout means "only if one is free now".
   */
  CompletableFuture<Permit> acquire(Duration timeout);

  /** Acquires a permit only if one is free and nobody waits. */
  Optional<Permit> tryAcquire();

  /** Permits neither held nor handed to a waiter. */
  int availablePermits();

  /** The number of permits this semaphore was created with. */
  int maxPermits();

  /** The number of acquires waiting for a permit. */
  int waiters();

  /**
   * Runs {@code action} while holding a permit and releases it when the stage it returns
   * completes, however it completes. If {@code action} throws, the returned future fails with that
   * exception and the permit is released. Cancelling the returned future while it still waits
   * withdraws the acquire and never runs {@code action}.
   */
  default <T> CompletableFuture<T> withPermit(Supplier<? extends CompletionStage<T>> action) {
    Objects.requireNonNull(action, "action");
    return Holding.run(acquire(), Permit::close, action);
  }

  /**
   * As {@link #withPermit(Supplier)}, failing with {@link AcquireTimeoutException} without running
   * {@code action} if a permit is not granted within {@code timeout}.
   */
  default <T> CompletableFuture<T> withPermit(
      Duration timeout, Supplier<? extends CompletionStage<T>> action) {
    Objects.requireNonNull(action, "action");
    return Holding.run(acquire(timeout), Permit::close, action);
  }
}
