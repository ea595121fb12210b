package dev.baton.spring;

import dev.baton.AsyncLock;
import dev.baton.Permit;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** A registry's lock: {@code lock} with its waits reported and its holds tracked. */
final class ObservedLock implements AsyncLock, HolderTracking {

  private final AsyncLock lock;
  private final HeldGrants grants;

  ObservedLock(AsyncLock lock, HeldGrants grants) {
    this.lock = lock;
    this.grants = grants;
  }

  @Override
  public CompletableFuture<Permit> acquire() {
    return grants.hold(lock.acquire(), null);
  }

  @Override
  public CompletableFuture<Permit> acquire(Duration timeout) {
    return acquire(timeout, null);
  }

  @Override
  public CompletableFuture<Permit> acquire(Duration timeout, String takenBy) {
    Objects.requireNonNull(timeout, "timeout");
    return grants.hold(lock.acquire(timeout), takenBy);
  }

  @Override
  public Optional<Permit> tryAcquire() {
    return grants.hold(lock.tryAcquire());
  }

  @Override
  public boolean isLocked() {
    return lock.isLocked();
  }

  @Override
  public int waiters() {
    return lock.waiters();
  }

  @Override
  public Holders holders() {
    return grants.holders();
  }

  HeldGrants grants() {
    return grants;
  }

  @Override
  public String toString() {
    return lock.toString();
  }
}
