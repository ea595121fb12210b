package dev.baton.spring.local;

import dev.baton.Permit;
import dev.baton.spring.observation.HoldTracking;
import dev.baton.spring.observation.LiveHolds;
import dev.baton.spring.observation.ObservedGrants;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The acquire side shared by the registry's lock and semaphore: each wait of the wrapped
 * primitive goes through {@link ObservedGrants}, which reports it and wraps the permit it grants,
 * and none is left pending once the application shuts down ({@link Closing}).
 */
abstract class ObservedAcquires implements HoldTracking {

  private final ObservedGrants grants;
  /** Fails its pending waits, and refuses new ones, once the application shuts down. */
  private final Closing.Site closing;

  ObservedAcquires(ObservedGrants grants, Closing.Site closing) {
    this.grants = grants;
    this.closing = closing;
  }

  /** The wrapped primitive's {@code acquire()}. */
  abstract CompletableFuture<Permit> acquireInner();

  /** The wrapped primitive's {@code acquire(timeout)}. */
  abstract CompletableFuture<Permit> acquireInner(Duration timeout);

  /** The wrapped primitive's {@code tryAcquire()}. */
  abstract Optional<Permit> tryAcquireInner();

  /** Fails the wrapped primitive's pending waits with {@code failure}'s failures. */
  abstract void failPendingInner(Supplier<Throwable> failure);

  public CompletableFuture<Permit> acquire() {
    RuntimeException refused = refusal();
    return refused != null ? CompletableFuture.failedFuture(refused)
        : grants.observe(closing.recheck(acquireInner()), null);
  }

  public CompletableFuture<Permit> acquire(Duration timeout) {
    return acquire(timeout, null);
  }

  @Override
  public CompletableFuture<Permit> acquire(Duration timeout, String takenBy) {
    Objects.requireNonNull(timeout, "timeout");
    RuntimeException refused = refusal();
    return refused != null ? CompletableFuture.failedFuture(refused)
        : grants.observe(closing.recheck(acquireInner(timeout)), takenBy, true);
  }

  /** Fails the waits pending now, as the application shuts down ({@link Closing}). */
  void failPending() {
    failPendingInner(closing.withdrawal());
  }

  /** Why a wait asked for now fails at once, if it does: the close, or the stall view. */
  private RuntimeException refusal() {
    RuntimeException closed = closing.refusal();
    return closed != null ? closed : grants.checkRequest();
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
