package dev.baton.redis;

import dev.baton.AsyncLock;

/** A lock on Redis: one permit (see {@link RedisBackend}); its reads are one round trip each. */
final class RedisLock extends PermitHandle implements AsyncLock {

  RedisLock(RemotePermits permits) {
    super(permits);
  }

  @Override
  public boolean isLocked() {
    return permits.heldNow() > 0;
  }
}
