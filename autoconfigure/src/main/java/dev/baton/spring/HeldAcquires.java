package dev.baton.spring;

import dev.baton.Permit;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The acquire side shared by the registry's lock and semaphore: each wait of the wrapped
 * primitive goes through {@link HeldGrants}, which reports it and tracks the hold it grants.
 */
abstract class HeldAcquires implements HolderTracking {

  private final HeldGrants grants;

  HeldAcquires(HeldGrants grants) {
    this.grants = grants;
  }

  /** The wrapped primitive's {@code acquire()}. */
  abstract CompletableFuture<Permit> acquireInner();

  /** The wrapped primitive's {@code acquire(timeout)}. */
  abstract CompletableFuture<Permit> acquireInner(Duration timeout);

  /** The wrapped primitive's {@code tryAcquire()}. */
  abstract Optional<Permit> tryAcquireInner();

  public CompletableFuture<Permit> acquire() {
    return grants.hold(acquireInner(), null);
  }

  public CompletableFuture<Permit> acquire(Duration timeout) {
    return acquire(timeout, null);
  }

  @Override
  public CompletableFuture<Permit> acquire(Duration timeout, String takenBy) {
    Objects.requireNonNull(timeout, "timeout");
    return grants.hold(acquireInner(timeout), takenBy);
  }

  public Optional<Permit> tryAcquire() {
    return grants.hold(tryAcquireInner());
  }

  @Override
  public Holders holders() {
    return grants.holders();
  }

  HeldGrants grants() {
    return grants;
  }
}
