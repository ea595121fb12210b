package dev.baton;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * An {@link AsyncLock} seen as an {@link AsyncSemaphore} of one permit, so that a test written
 * against semaphores runs on the lock too.
 *
 * <p>The acquires, {@code tryAcquire} and {@code waiters} are the lock's, and
 * {@code withPermit(action)} is the lock's {@code withLock(action)}; the timed
 * {@code withPermit} keeps the interface's default, over the lock's timed acquire.
 * {@link #availablePermits()} is 0 while the lock is locked and 1 while it is free,
 * {@link #maxPermits()} is 1, and {@link #toString()} is the lock's.
 */
record LockAsSemaphore(AsyncLock lock) implements AsyncSemaphore {

  @Override
  public CompletableFuture<Permit> acquire() {
    return lock.acquire();
  }

  @Override
  public CompletableFuture<Permit> acquire(Duration timeout) {
    return lock.acquire(timeout);
  }

  @Override
  public Optional<Permit> tryAcquire() {
    return lock.tryAcquire();
  }

  @Override
  public int availablePermits() {
    return lock.isLocked() ? 0 : 1;
  }

  @Override
  public int maxPermits() {
    return 1;
  }

  @Override
  public int waiters() {
    return lock.waiters();
  }

  @Override
  public <T> CompletableFuture<T> withPermit(Supplier<? extends CompletionStage<T>> action) {
    return lock.withLock(action);
  }

  @Override
  public String toString() {
    return lock.toString();
  }
}
