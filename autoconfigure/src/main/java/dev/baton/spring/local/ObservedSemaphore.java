package dev.baton.spring.local;

import dev.baton.AsyncSemaphore;
import dev.baton.Permit;
import dev.baton.spring.observation.ObservedGrants;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** A registry's semaphore: {@code semaphore} with its waits reported and its holds tracked. */
final class ObservedSemaphore extends ObservedAcquires implements AsyncSemaphore {

  private final AsyncSemaphore semaphore;

  ObservedSemaphore(AsyncSemaphore semaphore, ObservedGrants grants) {
    super(grants);
    this.semaphore = semaphore;
  }

  @Override
  CompletableFuture<Permit> acquireInner() {
    return semaphore.acquire();
  }

  @Override
  CompletableFuture<Permit> acquireInner(Duration timeout) {
    return semaphore.acquire(timeout);
  }

  @Override
  Optional<Permit> tryAcquireInner() {
    return semaphore.tryAcquire();
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
  public String toString() {
    return semaphore.toString();
  }
}
