package dev.baton.spring.observation;

import dev.baton.Permit;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * A lock or semaphore of a registry that can keep its live holds. Every lock and semaphore a
 * registry hands out implements this beside {@link dev.baton.AsyncLock} or
 * {@link dev.baton.AsyncSemaphore}; holds are kept only when the registry was asked to (a
 * {@link HoldTrackingRequest} bean, which the {@code baton} endpoint declares).
 */
public interface HoldTracking {

  /**
   * Acquires exactly like {@code acquire(timeout)}, recording {@code takenBy} (such as
   * {@code "StockService.reserve"}) as the description of the hold it grants.
   */
  CompletableFuture<Permit> acquire(Duration timeout, String takenBy);

  /** The live holds; always empty when the registry does not track holds. */
  LiveHolds holds();
}
