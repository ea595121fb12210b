package dev.baton.spring.local;

import dev.baton.AsyncLock;
import dev.baton.Permit;
import dev.baton.spring.observation.ObservedGrants;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** A registry's lock: {@code lock} with its waits reported and its holds tracked. */
final class ObservedLock extends ObservedAcquires implements AsyncLock {

  private final AsyncLock lock;

  ObservedLock(AsyncLock lock, ObservedGrants grants) {
    super(grants);
    this.lock = lock;
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
  public boolean isLocked() {
    return lock.isLocked();
  }

  @Override
  public int waiters() {
    return lock.waiters();
  }

  @Override
  public String toString() {
    return lock.toString();
  }
}
