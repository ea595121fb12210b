package dev.baton.redis;

import dev.baton.AsyncSemaphore;
import dev.baton.Permit;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** A semaphore on Redis (see {@link RedisBackend}): its reads are one round trip each. */
final class RedisSemaphore implements AsyncSemaphore, RemoteLevels {

  private final RemotePermits permits;

  RedisSemaphore(RemotePermits permits) {
    this.permits = permits;
  }

  @Override
  public CompletableFuture<Permit> acquire() {
    return permits.acquire(null);
  }

  @Override
  public CompletableFuture<Permit> acquire(Duration timeout) {
    return permits.acquire(Objects.requireNonNull(timeout, "timeout"));
  }

  @Override
  public Optional<Permit> tryAcquire() {
    return permits.tryAcquire();
  }

  @Override
  public int availablePermits() {
    return permits.available();
  }

  @Override
  public int maxPermits() {
    return permits.max();
  }

  @Override
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
