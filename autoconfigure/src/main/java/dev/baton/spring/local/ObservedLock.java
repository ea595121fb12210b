package dev.baton.spring.local;

import dev.baton.AsyncLock;
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
 * A registry's lock: {@code lock}, made by {@code source}, with its waits reported, its holds
 * tracked and its levels read from the source's snapshot when it keeps one.
 */
final class ObservedLock extends ObservedAcquires implements AsyncLock, SharedLevels {

  private final AsyncLock lock;
  /** The source that made {@code lock}, which reads its shared levels. */
  private final PrimitiveSource source;

  ObservedLock(AsyncLock lock, ObservedGrants grants, PrimitiveSource source,
      Closing.Site closing) {
    super(grants, closing);
    this.lock = lock;
    this.source = source;
  }

  @Override
  CompletableFuture<Permit> acquireInner() {
    return lock.acquire();
  }

  @Override
  CompletableFuture<Permit> acquireInner(Duration timeout) {
    return lock.acquire(timeout);
  }

  @Override
  Optional<Permit> tryAcquireInner() {
    return lock.tryAcquire();
  }

  @Override
  void failPendingInner(Supplier<Throwable> failure) {
    Withdrawals.failPending(lock, failure);
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
  public Optional<Levels> sharedLevels() {
    return source.levels(lock);
  }

  @Override
  public String toString() {
    return lock.toString();
  }
}
