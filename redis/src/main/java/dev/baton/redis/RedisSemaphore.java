package dev.baton.redis;

import dev.baton.AsyncSemaphore;

/** A semaphore on Redis (see {@link RedisBackend}): its reads are one round trip each. */
final class RedisSemaphore extends PermitHandle implements AsyncSemaphore {

  RedisSemaphore(RemotePermits permits) {
    super(permits);
  }

  @Override
  public int availablePermits() {
    return permits.available();
  }

  @Override
  public int maxPermits() {
    return permits.max();
  }
}
