package dev.baton.spring.metrics;

import dev.baton.AsyncBarrier;
import dev.baton.AsyncCondition;
import dev.baton.AsyncEvent;
import dev.baton.AsyncLock;
import dev.baton.AsyncQueue;
import dev.baton.AsyncSemaphore;
import dev.baton.spring.LockFamily;
import dev.baton.spring.NamedPrimitive;
import dev.baton.spring.PrimitiveRegistry;
import dev.baton.spring.observation.SharedLevels;
import dev.baton.spring.observation.SharedLevels.Levels;
import dev.baton.spring.observation.SharedQueueLevels;
import dev.baton.spring.observation.SharedQueueLevels.QueueLevels;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.IntSupplier;
import java.util.function.Predicate;
import java.util.function.ToDoubleFunction;
import java.util.function.ToIntFunction;

/**
 * The level gauges of every primitive in a {@link PrimitiveRegistry}, tagged with the primitive's
 * {@code name}: those present when bound and every one created later. A per-key lock family
 * reports {@value #LOCK_HELD} (held keys), {@value #LOCK_WAITERS} and {@value #LOCK_KEYS_ACTIVE}
 * for the family, never a meter per key, so evicted keys leave nothing behind; the family keeps
 * those counts as its keys change, so a read never walks the keys. A plain lock and a family of
 * one name share that name's gauges, which count both ({@link LockName}). Gauges observe the
 * primitives; they add no work to waits. A primitive of a shared backend (see
 * {@link SharedLevels}) is read from the backend's snapshot, refreshed for all its primitives in
 * one batch (also {@link SharedQueueLevels}), so its gauges show the levels across every instance
 * without a round trip each; a per-key family's counts, and an event's waiters, are this
 * instance's. Until the backend has answered a first read of a primitive, its gauges read
 * {@code NaN}, not a level nobody measured. An unbounded queue has no {@value #QUEUE_CAPACITY}
 * gauge.
 *
 * <p>The meter names below are the single source; the README's meter table lists the same.
 */
public final class BatonGauges implements MeterBinder {

  public static final String LOCK_HELD = "baton.lock.held";
  public static final String LOCK_WAITERS = "baton.lock.waiters";
  public static final String LOCK_KEYS_ACTIVE = "baton.lock.keys.active";
  public static final String SEMAPHORE_AVAILABLE = "baton.semaphore.permits.available";
  public static final String SEMAPHORE_MAX = "baton.semaphore.permits.max";
  public static final String SEMAPHORE_WAITERS = "baton.semaphore.waiters";
  public static final String EVENT_SET = "baton.event.set";
  public static final String EVENT_WAITERS = "baton.event.waiters";
  public static final String CONDITION_WAITERS = "baton.condition.waiters";
  public static final String QUEUE_SIZE = "baton.queue.size";
  public static final String QUEUE_CAPACITY = "baton.queue.capacity";
  public static final String QUEUE_UNFINISHED = "baton.queue.unfinished";
  public static final String QUEUE_WAITERS = "baton.queue.waiters";
  public static final String BARRIER_WAITING = "baton.barrier.waiting";
  public static final String TAG_NAME = "name";
  public static final String TAG_SIDE = "side";

  private static final String HELD_DESCRIPTION = "Locks held: 1 or 0 for a lock, plus the number"
      + " of held keys of the per-key lock family of that name";
  private static final String WAITERS_DESCRIPTION =
      "Acquires waiting for the lock (for a per-key family, over all its keys)";
  /** One text for both sides: Prometheus keeps a single HELP line per meter name. */
  private static final String QUEUE_WAITERS_DESCRIPTION =
      "Calls waiting on the queue: puts waiting for room (side=put), takes for an item (side=take)";

  private final PrimitiveRegistry primitives;

  public BatonGauges(PrimitiveRegistry primitives) {
    this.primitives = primitives;
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    // The lock names met so far in this registry, each with one set of lock gauges (LockName):
    // one map per registry, as a binder may be bound to several, each needing its own meters.
    ConcurrentMap<String, LockName> lockNames = new ConcurrentHashMap<>();
    primitives.onPrimitive(primitive -> register(registry, lockNames, primitive));
  }

  private static void register(MeterRegistry registry,
      ConcurrentMap<String, LockName> lockNames, NamedPrimitive named) {
    Tags tags = Tags.of(TAG_NAME, named.name());
    switch (named.kind()) {
      case LOCK, LOCK_FAMILY -> {
        LockName lock = LockName.add(lockNames, named);
        if (lock != null) {
          gauge(registry, LOCK_HELD, HELD_DESCRIPTION, tags, lock, LockName::held);
          gauge(registry, LOCK_WAITERS, WAITERS_DESCRIPTION, tags, lock, LockName::waiters);
        }
        if (named.primitive() instanceof LockFamily family) {
          gauge(registry, LOCK_KEYS_ACTIVE,
              "Keys of a per-key lock family whose lock is held or waited for", tags, family,
              LockFamily::activeKeys);
        }
      }
      case SEMAPHORE -> {
        AsyncSemaphore semaphore = (AsyncSemaphore) named.primitive();
        gauge(registry, SEMAPHORE_AVAILABLE, "Permits neither held nor handed to a waiter", tags,
            semaphore, s -> level(s, levels -> s.maxPermits() - levels.held(),
                AsyncSemaphore::availablePermits));
        gauge(registry, SEMAPHORE_MAX, "Permits the semaphore was created with", tags, semaphore,
            AsyncSemaphore::maxPermits);
        gauge(registry, SEMAPHORE_WAITERS, "Acquires waiting for a permit", tags, semaphore,
            s -> level(s, Levels::waiters, AsyncSemaphore::waiters));
      }
      case EVENT -> {
        AsyncEvent event = (AsyncEvent) named.primitive();
        gauge(registry, EVENT_SET, "1 while the event is set, else 0", tags, event,
            e -> level(e, Levels::held, local -> local.isSet() ? 1 : 0));
        gauge(registry, EVENT_WAITERS, "Waits pending on the event", tags, event,
            AsyncEvent::waiters);
      }
      case CONDITION -> gauge(registry, CONDITION_WAITERS, "Waiters waiting for a signal", tags,
          (AsyncCondition) named.primitive(),
          c -> level(c, Levels::waiters, AsyncCondition::waiters));
      case QUEUE -> {
        AsyncQueue<?> queue = (AsyncQueue<?>) named.primitive();
        gauge(registry, QUEUE_SIZE, "Items in the queue", tags, queue,
            q -> queueLevel(q, QueueLevels::size, AsyncQueue::size));
        if (queue.capacity() != Integer.MAX_VALUE) {
          gauge(registry, QUEUE_CAPACITY, "Most items the queue holds", tags, queue,
              AsyncQueue::capacity);
        }
        gauge(registry, QUEUE_UNFINISHED, "Items put and not yet marked done", tags, queue,
            q -> queueLevel(q, QueueLevels::unfinished, AsyncQueue::unfinishedTasks));
        gauge(registry, QUEUE_WAITERS, QUEUE_WAITERS_DESCRIPTION, tags.and(TAG_SIDE, "put"), queue,
            q -> queueLevel(q, QueueLevels::putters, AsyncQueue::putters));
        gauge(registry, QUEUE_WAITERS, QUEUE_WAITERS_DESCRIPTION, tags.and(TAG_SIDE, "take"),
            queue, q -> queueLevel(q, QueueLevels::takers, AsyncQueue::takers));
      }
      case BARRIER -> gauge(registry, BARRIER_WAITING, "Parties waiting in the current cycle",
          tags, (AsyncBarrier) named.primitive(),
          b -> level(b, Levels::waiters, AsyncBarrier::waiting));
    }
  }

  /**
   * {@code shared} of {@code primitive}'s shared levels, {@code NaN} while those are unknown, or
   * {@code local} of it when it has none.
   */
  static <T> double level(T primitive, ToIntFunction<Levels> shared, ToIntFunction<T> local) {
    return read(SharedLevels.of(primitive), Levels::known, shared,
        () -> local.applyAsInt(primitive));
  }

  /** As {@link #level}, for a queue's levels. */
  private static <Q extends AsyncQueue<?>> double queueLevel(Q queue,
      ToIntFunction<QueueLevels> shared, ToIntFunction<Q> local) {
    return read(SharedQueueLevels.of(queue), QueueLevels::known, shared,
        () -> local.applyAsInt(queue));
  }

  private static <L> double read(Optional<L> levels, Predicate<L> known, ToIntFunction<L> shared,
      IntSupplier local) {
    if (levels.isEmpty()) {
      return local.getAsInt();
    }
    return known.test(levels.get()) ? shared.applyAsInt(levels.get()) : Double.NaN;
  }

  private static <T> void gauge(MeterRegistry registry, String name, String description,
      Tags tags, T primitive, ToDoubleFunction<T> value) {
    Gauge.builder(name, primitive, value).description(description).tags(tags)
        .strongReference(true).register(registry);
  }
}
