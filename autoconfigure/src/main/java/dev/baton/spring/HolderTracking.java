package dev.baton.spring;

import dev.baton.Permit;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * A lock or semaphore of the registry that can tell who holds it. Every lock and semaphore a
 * {@link LocalPrimitiveRegistry} hands out implements this beside {@link dev.baton.AsyncLock} or
 * {@link dev.baton.AsyncSemaphore}; holds are tracked only when the registry was asked to (a
 * {@link HolderTrackingRequest} bean, which the {@code baton} endpoint declares).
 */
public interface HolderTracking {

  /**
   * Acquires exactly like {@code acquire(timeout)}, recording {@code takenBy} (such as
   * {@code "StockService.reserve"}) as the description of the hold it grants.
   */
  CompletableFuture<Permit> acquire(Duration timeout, String takenBy);

  /** The live holds; always empty when the registry does not track holders. */
  Holders holders();
}
