package dev.baton.spring.aspect;

import dev.baton.AsyncEvent;
import dev.baton.AsyncLock;
import dev.baton.AsyncSemaphore;
import dev.baton.Permit;
import dev.baton.spring.observation.HoldTracking;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * What an annotation makes one invocation wait for, and what it gives back afterwards.
 *
 * @param enter starts the wait; cancelling the future it returns withdraws the wait
 * @param exit gives back what {@code enter} granted once the invocation has completed; safe to
 *     call twice for the same resource
 * @param <R> what a wait grants, such as a {@link Permit}
 */
public record Gate<R>(Supplier<CompletableFuture<R>> enter, Consumer<? super R> exit) {

  /**
   * Holds {@code lock} around the invocation; a registry's lock records {@code takenBy} (such as
   * {@code "StockService.reserve"}) as the holder.
   */
  public static Gate<Permit> holding(AsyncLock lock, Duration timeout, String takenBy) {
    return new Gate<>(() -> acquire(lock, timeout, takenBy), Permit::close);
  }

  /**
   * Holds one permit of {@code semaphore} around the invocation; a registry's semaphore records
   * {@code takenBy} as the holder.
   */
  public static Gate<Permit> holding(AsyncSemaphore semaphore, Duration timeout, String takenBy) {
    return new Gate<>(() -> semaphore instanceof HoldTracking tracking
        ? tracking.acquire(timeout, takenBy) : semaphore.acquire(timeout), Permit::close);
  }

  private static CompletableFuture<Permit> acquire(AsyncLock lock, Duration timeout,
      String takenBy) {
    return lock instanceof HoldTracking tracking
        ? tracking.acquire(timeout, takenBy) : lock.acquire(timeout);
  }

  /** Runs the invocation once {@code event} is set. */
  public static Gate<Void> after(AsyncEvent event, Duration timeout) {
    return new Gate<>(() -> event.await(timeout), nothing -> { });
  }

  /**
   * A gate whose wait has already failed with {@code failure}: the method body never runs and
   * the adapter reports {@code failure} as it reports a timeout (thrown, a failed future, an
   * error signal). For a call that cannot even tell what to wait for, such as a per-key lock
   * whose key cannot be evaluated.
   */
  public static <R> Gate<R> failed(Throwable failure) {
    return new Gate<>(() -> CompletableFuture.failedFuture(failure), nothing -> { });
  }
}
