package dev.baton.spring.redis;

import dev.baton.AsyncEvent;
import dev.baton.AsyncLock;
import dev.baton.AsyncSemaphore;
import dev.baton.redis.RedisBackend;
import dev.baton.redis.RemoteLevels;
import dev.baton.spring.BatonProperties;
import dev.baton.spring.PrimitiveSource;
import dev.baton.spring.observation.SharedLevels;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The {@link PrimitiveSource} of {@code baton.backend=redis}: locks, per-key locks, semaphores
 * and events of a {@link RedisBackend}, shared by every instance using the same Redis and key
 * prefix. A per-key lock's tokens come from Redis and strictly increase per key across all
 * instances, also after its keys vanished while idle. Levels are read from the backend's snapshot
 * of all its primitives ({@link RemoteLevels}).
 */
public final class RedisPrimitives implements PrimitiveSource {

  private final RedisBackend backend;

  public RedisPrimitives(RedisBackend backend) {
    this.backend = backend;
  }

  @Override
  public BatonProperties.Backend backend() {
    return BatonProperties.Backend.REDIS;
  }

  @Override
  public AsyncLock lock(String name) {
    return backend.lock(name);
  }

  @Override
  public AsyncLock lock(String name, String key) {
    return backend.lock(name, key);
  }

  @Override
  public boolean fencesIdleKeys() {
    return true;
  }

  @Override
  public AsyncSemaphore semaphore(String name, int permits) {
    return backend.semaphore(name, permits);
  }

  @Override
  public AsyncEvent event(String name) {
    return backend.event(name);
  }

  @Override
  public Optional<SharedLevels.Levels> levels(Object primitive) {
    if (!(primitive instanceof RemoteLevels remote)) {
      return Optional.empty();
    }
    RemoteLevels.Levels levels = remote.levels();
    return Optional.of(new SharedLevels.Levels(levels.held(), levels.waiters()));
  }

  /**
   * The backend's {@code address}, {@code keyPrefix}, {@code lease} (ISO-8601), whether it is
   * {@code connected} and {@code quarantined} (after a Redis restart), its {@code lostLeases}
   * since start, and this instance's {@code heldPermits} and {@code waitingAcquires}.
   */
  @Override
  public Map<String, Object> status() {
    Map<String, Object> status = new LinkedHashMap<>();
    status.put("address", backend.address());
    status.put("keyPrefix", backend.keyPrefix());
    status.put("lease", backend.lease().toString());
    status.put("connected", backend.isConnected());
    status.put("quarantined", backend.isQuarantined());
    status.put("lostLeases", backend.lostLeases());
    status.put("heldPermits", backend.heldPermits());
    status.put("waitingAcquires", backend.waitingAcquires());
    return status;
  }
}
