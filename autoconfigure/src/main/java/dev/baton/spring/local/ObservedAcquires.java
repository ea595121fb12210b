package dev.baton.spring.local;

import dev.baton.Permit;
import dev.baton.spring.observation.HoldTracking;
import dev.baton.spring.observation.LiveHolds;
import dev.baton.spring.observation.ObservedGrants;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The acquire side shared by the registry's lock and semaphore: each wait of the wrapped
 * primitive goes through {@link ObservedGrants}, which reports it and wraps the permit it grants.
 */
abstract class ObservedAcquires implements HoldTracking {

  private final ObservedGrants grants;

  ObservedAcquires(ObservedGrants grants) {
    this.grants = grants;
  }

  /** The wrapped primitive's {@code acquire()}. */
  abstract CompletableFuture<Permit> acquireInner();

  /** The wrapped primitive's {@code acquire(timeout)}. */
  abstract CompletableFuture<Permit> acquireInner(Duration timeout);

  /** The wrapped primitive's {@code tryAcquire()}. */
  abstract Optional<Permit> tryAcquireInner();

  public CompletableFuture<Permit> acquire() {
    RuntimeException refused = grants.checkRequest();
    return refused != null ? CompletableFuture.failedFuture(refused)
        : grants.observe(acquireInner(), null);
  }

  public CompletableFuture<Permit> acquire(Duration timeout) {
    return acquire(timeout, null);
  }

  @Override
  public CompletableFuture<Permit> acquire(Duration timeout, String takenBy) {
    Objects.requireNonNull(timeout, "timeout");
    RuntimeException refused = grants.checkRequest();
    return refused != null ? CompletableFuture.failedFuture(refused)
        : grants.observe(acquireInner(timeout), takenBy, true);
  }

  public Optional<Permit> tryAcquire() {
    return grants.observe(tryAcquireInner());
  }

  @Override
  public LiveHolds holds() {
    return grants.holds();
  }

  ObservedGrants grants() {
    return grants;
  }
}
