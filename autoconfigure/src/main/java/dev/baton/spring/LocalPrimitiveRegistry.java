package dev.baton.spring;

import dev.baton.AsyncBarrier;
import dev.baton.AsyncCondition;
import dev.baton.AsyncEvent;
import dev.baton.AsyncLock;
import dev.baton.AsyncQueue;
import dev.baton.AsyncSemaphore;
import java.util.Comparator;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.stream.Stream;

/**
 * The {@link PrimitiveRegistry} of {@code baton.backend=local}: primitives in this JVM. Every
 * primitive declared in {@link BatonProperties} is created when the registry is; others on first
 * use.
 */
public final class LocalPrimitiveRegistry implements PrimitiveRegistry {

  private final BatonProperties properties;
  private final ConcurrentMap<String, AsyncLock> locks = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, KeyedLocks> keyedLocks = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, AsyncSemaphore> semaphores = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, AsyncEvent> events = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, AsyncCondition> conditions = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, AsyncQueue<?>> queues = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, AsyncBarrier> barriers = new ConcurrentHashMap<>();

  public LocalPrimitiveRegistry(BatonProperties properties) {
    this.properties = Objects.requireNonNull(properties, "properties");
    if (properties.backend() != BatonProperties.Backend.LOCAL) {
      throw new IllegalStateException("baton.backend=" + properties.backend().name().toLowerCase()
          + " needs that backend's PrimitiveRegistry: add the dev.baton:baton-redis module, or set"
          + " baton.backend=local");
    }
    properties.locks().keySet().forEach(this::lock);
    properties.semaphores().forEach((name, spec) -> semaphore(name, spec.permits()));
    properties.events().keySet().forEach(this::event);
    properties.queues().keySet().forEach(this::queue);
    properties.barriers().forEach((name, spec) -> barrier(name, spec.parties()));
  }

  @Override
  public AsyncLock lock(String name) {
    return locks.computeIfAbsent(requireName(name), n -> AsyncLock.create());
  }

  @Override
  public AsyncLock lock(String name, Object key) {
    Objects.requireNonNull(key, "key");
    return keyedLocks.computeIfAbsent(requireName(name), n -> new KeyedLocks()).forKey(key);
  }

  @Override
  public AsyncSemaphore semaphore(String name) {
    AsyncSemaphore semaphore = semaphores.get(requireName(name));
    if (semaphore == null) {
      throw new IllegalStateException("no semaphore named '" + name + "': declare baton.semaphores."
          + name + ".permits, or give the permits in @Limited(permits = ...)");
    }
    return semaphore;
  }

  @Override
  public AsyncSemaphore semaphore(String name, int permits) {
    AsyncSemaphore semaphore =
        semaphores.computeIfAbsent(requireName(name), n -> AsyncSemaphore.create(permits));
    if (semaphore.maxPermits() != permits) {
      throw new IllegalStateException("semaphore '" + name + "' already exists with "
          + semaphore.maxPermits() + " permits, not " + permits);
    }
    return semaphore;
  }

  @Override
  public AsyncEvent event(String name) {
    return events.computeIfAbsent(requireName(name), n -> {
      AsyncEvent event = AsyncEvent.create();
      BatonProperties.Event spec = properties.events().get(n);
      if (spec != null && spec.initiallySet()) {
        event.set();
      }
      return event;
    });
  }

  @Override
  public AsyncCondition condition(String name) {
    return conditions.computeIfAbsent(requireName(name), n -> AsyncCondition.create());
  }

  @Override
  @SuppressWarnings("unchecked")
  public <T> AsyncQueue<T> queue(String name) {
    return (AsyncQueue<T>) queues.computeIfAbsent(requireName(name), this::newQueue);
  }

  @Override
  public AsyncBarrier barrier(String name) {
    AsyncBarrier barrier = barriers.get(requireName(name));
    if (barrier == null) {
      throw new IllegalStateException("no barrier named '" + name + "': declare baton.barriers."
          + name + ".parties");
    }
    return barrier;
  }

  @Override
  public AsyncBarrier barrier(String name, int parties) {
    AsyncBarrier barrier =
        barriers.computeIfAbsent(requireName(name), n -> AsyncBarrier.create(parties));
    if (barrier.parties() != parties) {
      throw new IllegalStateException("barrier '" + name + "' already exists for "
          + barrier.parties() + " parties, not " + parties);
    }
    return barrier;
  }

  @Override
  public Set<String> names() {
    Set<String> names = new TreeSet<>();
    Stream.of(locks, keyedLocks, semaphores, events, conditions, queues, barriers)
        .forEach(map -> names.addAll(map.keySet()));
    return names;
  }

  /** How many keys of the per-key lock family {@code name} have a lock now. */
  public int activeKeys(String name) {
    KeyedLocks family = keyedLocks.get(name);
    return family == null ? 0 : family.activeKeys();
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private AsyncQueue<?> newQueue(String name) {
    BatonProperties.Queue spec = properties.queues().get(name);
    if (spec == null) {
      return AsyncQueue.unbounded();
    }
    return switch (spec.order()) {
      case FIFO -> AsyncQueue.bounded(spec.capacity());
      case LIFO -> AsyncQueue.lifo(spec.capacity());
      case PRIORITY -> AsyncQueue.priority(spec.capacity(), (Comparator) Comparator.naturalOrder());
    };
  }

  private static String requireName(String name) {
    Objects.requireNonNull(name, "name");
    if (name.isBlank()) {
      throw new IllegalArgumentException("a primitive's name must not be blank");
    }
    return name;
  }
}
