package dev.baton.spring;

import dev.baton.AsyncSemaphore;
import dev.baton.Permit;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** A registry's semaphore: {@code semaphore} with its waits reported and its holds tracked. */
final class ObservedSemaphore implements AsyncSemaphore, HolderTracking {

  private final AsyncSemaphore semaphore;
  private final HeldGrants grants;

  ObservedSemaphore(AsyncSemaphore semaphore, HeldGrants grants) {
    this.semaphore = semaphore;
    this.grants = grants;
  }

  @Override
  public CompletableFuture<Permit> acquire() {
    return grants.hold(semaphore.acquire(), null);
  }

  @Override
  public CompletableFuture<Permit> acquire(Duration timeout) {
    return acquire(timeout, null);
  }

  @Override
  public CompletableFuture<Permit> acquire(Duration timeout, String takenBy) {
    Objects.requireNonNull(timeout, "timeout");
    return grants.hold(semaphore.acquire(timeout), takenBy);
  }

  @Override
  public Optional<Permit> tryAcquire() {
    return grants.hold(semaphore.tryAcquire());
  }

  @Override
  public int availablePermits() {
    return semaphore.availablePermits();
  }

  @Override
  public int maxPermits() {
    return semaphore.maxPermits();
  }

  @Override
  public int waiters() {
    return semaphore.waiters();
  }

  @Override
  public Holders holders() {
    return grants.holders();
  }

  @Override
  public String toString() {
    return semaphore.toString();
  }
}
