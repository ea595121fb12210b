package dev.baton.spring;

import dev.baton.Permit;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * A lock or semaphore of the registry that knows its live holds. Every lock and semaphore a
 * {@link LocalPrimitiveRegistry} hands out implements this beside {@link dev.baton.AsyncLock} or
 * {@link dev.baton.AsyncSemaphore}.
 */
public interface HolderTracking {

  /**
   * Acquires exactly like {@code acquire(timeout)}, recording {@code takenBy} (such as
   * {@code "StockService.reserve"}) as the description of the hold it grants.
   */
  CompletableFuture<Permit> acquire(Duration timeout, String takenBy);

  /** The live holds. */
  Holders holders();
}
