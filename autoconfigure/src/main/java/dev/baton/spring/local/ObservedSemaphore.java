package dev.baton.spring.local;

import dev.baton.AsyncSemaphore;
import dev.baton.Permit;
import dev.baton.Withdrawals;
import dev.baton.spring.PrimitiveSource;
import dev.baton.spring.observation.ObservedGrants;
import dev.baton.spring.observation.SharedLevels;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * A registry's semaphore: {@code semaphore}, made by {@code source}, with its waits reported, its
 * holds tracked and its levels read from the source's snapshot when it keeps one.
 */
final class ObservedSemaphore extends ObservedAcquires implements AsyncSemaphore, SharedLevels {

  private final AsyncSemaphore semaphore;
  /** The source that made {@code semaphore}, which reads its shared levels. */
  private final PrimitiveSource source;

  ObservedSemaphore(AsyncSemaphore semaphore, ObservedGrants grants, PrimitiveSource source,
      Closing.Site closing) {
    super(grants, closing);
    this.semaphore = semaphore;
    this.source = source;
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
  void failPendingInner(Supplier<Throwable> failure) {
    Withdrawals.failPending(semaphore, failure);
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
  public Optional<Levels> sharedLevels() {
    return source.levels(semaphore);
  }

  @Override
  public String toString() {
    return semaphore.toString();
  }
}
