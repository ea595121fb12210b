package dev.baton.redis;

import dev.baton.Permit;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The acquire side shared by a lock and a semaphore on Redis: every call goes to the
 * {@link RemotePermits} of the primitive's keys.
 */
abstract class PermitHandle implements RemoteLevels {

  final RemotePermits permits;

  PermitHandle(RemotePermits permits) {
    this.permits = permits;
  }

  public CompletableFuture<Permit> acquire() {
    return permits.acquire(null);
  }

  public CompletableFuture<Permit> acquire(Duration timeout) {
    return permits.acquire(Objects.requireNonNull(timeout, "timeout"));
  }

  public Optional<Permit> tryAcquire() {
    return permits.tryAcquire();
  }

  public int waiters() {
    return permits.waiters();
  }

  @Override
  public Levels levels() {
    return permits.levels();
  }

  @Override
  public String toString() {
    return permits.toString();
  }
}
