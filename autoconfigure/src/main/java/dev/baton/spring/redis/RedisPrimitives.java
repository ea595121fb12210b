package dev.baton.spring.redis;

import dev.baton.AsyncBarrier;
import dev.baton.AsyncCondition;
import dev.baton.AsyncEvent;
import dev.baton.AsyncLock;
import dev.baton.AsyncQueue;
import dev.baton.AsyncSemaphore;
import dev.baton.redis.QueueSpec;
import dev.baton.redis.RedisBackend;
import dev.baton.redis.RemoteLevels;
import dev.baton.redis.RemoteQueueLevels;
import dev.baton.spring.BatonProperties;
import dev.baton.spring.PrimitiveSource;
import dev.baton.spring.QueueDeclaration;
import dev.baton.spring.QueueScore;
import dev.baton.spring.observation.SharedLevels;
import dev.baton.spring.observation.SharedQueueLevels;
import java.util.function.ToDoubleFunction;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The {@link PrimitiveSource} of {@code baton.backend=redis}: every primitive lives in a
 * {@link RedisBackend}, shared by every instance using the same Redis and key prefix. A per-key
 * lock's tokens come from Redis and strictly increase per key across all instances, also after
 * its keys vanished while idle. A queue's items are written with the {@link QueueCodecs} for its
 * declared item type, which it must have; a priority queue is ordered by its score, or by the
 * items themselves when they are numbers. Levels are read from the backend's snapshot of all its
 * primitives ({@link RemoteLevels}, {@link RemoteQueueLevels}).
 */
public final class RedisPrimitives implements PrimitiveSource {

  private final RedisBackend backend;
  private final QueueCodecs codecs;

  public RedisPrimitives(RedisBackend backend, QueueCodecs codecs) {
    this.backend = backend;
    this.codecs = codecs;
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
  public AsyncLock lock(String name, Object key) {
    return backend.lock(name, String.valueOf(key));
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
  public AsyncCondition condition(String name) {
    return backend.condition(name);
  }

  @Override
  public AsyncBarrier barrier(String name, int parties) {
    return backend.barrier(name, parties);
  }

  @Override
  public <T> AsyncQueue<T> queue(QueueDeclaration<T> declaration) {
    String name = declaration.name();
    Class<T> itemType = declaration.itemType();
    if (itemType == null) {
      throw new IllegalStateException("queue '" + name + "' on Redis needs the type of its items,"
          + " to read them back: set baton.queues." + name + ".item-type (a class name) or ask"
          + " the registry for queue(\"" + name + "\", ItemType.class)");
    }
    QueueSpec<T> spec = switch (declaration.order()) {
      case FIFO -> QueueSpec.fifo(declaration.capacity());
      case LIFO -> QueueSpec.lifo(declaration.capacity());
      case PRIORITY -> QueueSpec.priority(declaration.capacity(), score(declaration));
    };
    return backend.queue(name, spec.withMaxItemBytes(declaration.maxItemBytes()),
        codecs.codec(name, itemType));
  }

  /** A priority queue's score: the declared one, or a number item's value. */
  private static <T> ToDoubleFunction<? super T> score(QueueDeclaration<T> declaration) {
    if (declaration.score() != null) {
      return declaration.score();
    }
    if (Number.class.isAssignableFrom(declaration.itemType())) {
      return QueueScore.itemValue(declaration.name());
    }
    String name = declaration.name();
    throw new IllegalStateException("priority queue '" + name + "' on Redis needs a number to"
        + " order its items by, since Redis cannot run " + declaration.itemType().getName()
        + "'s compareTo: set baton.queues." + name + ".score-property to a numeric property of"
        + " the item (lowest first), or use a Number item type");
  }

  @Override
  public Optional<SharedLevels.Levels> levels(Object primitive) {
    if (!(primitive instanceof RemoteLevels remote)) {
      return Optional.empty();
    }
    RemoteLevels.Levels levels = remote.levels();
    return Optional.of(new SharedLevels.Levels(levels.held(), levels.waiters(), levels.known()));
  }

  @Override
  public Optional<SharedQueueLevels.QueueLevels> queueLevels(AsyncQueue<?> queue) {
    if (!(queue instanceof RemoteQueueLevels remote)) {
      return Optional.empty();
    }
    RemoteQueueLevels.QueueLevels levels = remote.queueLevels();
    return Optional.of(new SharedQueueLevels.QueueLevels(levels.size(), levels.unfinished(),
        levels.putters(), levels.takers(), levels.shutdown(), levels.known()));
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
