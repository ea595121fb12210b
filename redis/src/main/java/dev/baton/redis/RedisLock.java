package dev.baton.redis;

import dev.baton.AsyncLock;
import dev.baton.Permit;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** A lock on Redis: one permit (see {@link RedisBackend}); its reads are one round trip each. */
final class RedisLock implements AsyncLock, RemoteLevels {

  private final RemotePermits permits;

  RedisLock(RemotePermits permits) {
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
  public boolean isLocked() {
    return permits.heldNow() > 0;
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
