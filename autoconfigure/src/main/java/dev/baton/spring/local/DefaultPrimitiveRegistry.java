package dev.baton.spring.local;

import dev.baton.AsyncBarrier;
import dev.baton.AsyncCondition;
import dev.baton.AsyncEvent;
import dev.baton.AsyncLock;
import dev.baton.AsyncQueue;
import dev.baton.AsyncSemaphore;
import dev.baton.spring.BatonProperties;
import dev.baton.spring.NamedPrimitive.Kind;
import dev.baton.spring.NamedPrimitive;
import dev.baton.spring.PrimitiveRegistry;
import dev.baton.spring.PrimitiveSource;
import dev.baton.spring.QueueDeclaration;
import dev.baton.spring.QueueScore;
import dev.baton.spring.observation.EventSetters;
import dev.baton.spring.observation.HoldTracking;
import dev.baton.spring.observation.ObservedGrants;
import dev.baton.spring.observation.WaitListener;
import dev.baton.spring.observation.WaitListeners;
import dev.baton.spring.observation.WaitSite;
import dev.baton.spring.observation.WaitWatch;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * The {@link PrimitiveRegistry} of every backend: its primitives come from a
 * {@link PrimitiveSource} (this JVM's by default, Redis's with {@code baton.backend=redis}). Every
 * primitive declared in {@link BatonProperties} is created when the registry is, so a declaration
 * the backend cannot keep fails start-up; others on first use. When two threads create the same
 * name at once, one instance wins and only it is announced. An event declared initially set is
 * set when the registry is created: with a shared backend, on every instance that starts,
 * whatever another instance did to it before.
 *
 * <p>Every wait on its primitives is reported to the registry's {@link WaitListener}s, and its
 * locks and semaphores (also {@link HoldTracking}) can keep their live holds, whatever the backend.
 */
public final class DefaultPrimitiveRegistry implements PrimitiveRegistry, AutoCloseable {

  private final BatonProperties properties;
  /** Where every primitive comes from. */
  private final PrimitiveSource source;
  private final ConcurrentMap<String, ObservedLock> locks = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, KeyedLocks> keyedLocks = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, ObservedSemaphore> semaphores = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, ObservedEvent> events = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, ObservedCondition> conditions = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, ObservedQueue<?>> queues = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, AsyncBarrier> barriers = new ConcurrentHashMap<>();
  private final List<Consumer<? super NamedPrimitive>> listeners = new CopyOnWriteArrayList<>();
  private final WaitListeners waitListeners;
  private final boolean trackHolds;
  /** The stall view's watch over its locks' and semaphores' pending waits; null when off. */
  private final WaitWatch watch;
  /** Ends the waits of its locks, semaphores and events as the application shuts down. */
  private final Closing closing = new Closing();

  /**
   * A registry of this JVM's primitives whose waits nobody observes, tracking who holds its locks
   * and permits.
   */
  public DefaultPrimitiveRegistry(BatonProperties properties) {
    this(properties, List.of(), true);
  }

  /** A registry of this JVM's primitives (see the four-argument constructor). */
  public DefaultPrimitiveRegistry(BatonProperties properties,
      List<? extends WaitListener> waitListeners, boolean trackHolds) {
    this(properties, new LocalPrimitives(), waitListeners, trackHolds);
  }

  /**
   * A registry taking its primitives from {@code source}, which reports every wait on its
   * primitives to {@code waitListeners}.
   *
   * @param trackHolds whether its locks and semaphores keep their live holds (see
   *     {@link HoldTracking#holds()}); off, their holds always read empty, and each grant
   *     saves two clock reads and a concurrent-set update
   * @throws IllegalStateException if {@code source} is not the backend {@code baton.backend}
   *     names, saying which module brings that backend
   */
  public DefaultPrimitiveRegistry(BatonProperties properties, PrimitiveSource source,
      List<? extends WaitListener> waitListeners, boolean trackHolds) {
    this(properties, source, waitListeners, trackHolds, null);
  }

  /**
   * The four-argument constructor's registry, its locks' and semaphores' pending waits told to
   * {@code watch} (the stall view; null for none), which also makes them track their holds.
   */
  public DefaultPrimitiveRegistry(BatonProperties properties, PrimitiveSource source,
      List<? extends WaitListener> waitListeners, boolean trackHolds, WaitWatch watch) {
    this.properties = Objects.requireNonNull(properties, "properties");
    this.source = Objects.requireNonNull(source, "source");
    this.waitListeners = new WaitListeners(waitListeners);
    this.trackHolds = trackHolds || watch != null;
    this.watch = watch;
    if (properties.backend() != source.backend()) {
      throw new IllegalStateException("baton.backend=" + properties.backend().name().toLowerCase()
          + " needs that backend's primitives: add the dev.baton:baton-redis module and Spring"
          + " Boot's Redis support (org.springframework.boot:spring-boot-starter-data-redis), or"
          + " set baton.backend=local");
    }
    // A name declared with a key order is a per-key family, listed and measured from the start:
    // no plain lock of that name, whose gauges would take the family's place.
    properties.locks().forEach((name, lock) -> {
      if (lock.keyOrder() == BatonProperties.KeyOrder.NONE) {
        lock(name);
      } else {
        family(name);
      }
    });
    properties.semaphores().forEach((name, spec) -> {
      if (spec.permits() != null) {
        semaphore(name, spec.permits());
      }
    });
    properties.events().keySet().forEach(this::event);
    properties.queues().keySet().forEach(this::queue);
    properties.barriers().forEach((name, spec) -> barrier(name, spec.parties()));
  }

  @Override
  public AsyncLock lock(String name) {
    return obtain(locks, Kind.LOCK, name,
        n -> new ObservedLock(source.lock(n), grants("lock", n), source,
            closing.site("lock", n)));
  }

  @Override
  public AsyncLock lock(String name, Object key) {
    Objects.requireNonNull(key, "key");
    if (!(key instanceof Comparable)
        && properties.keyOrder(name) == BatonProperties.KeyOrder.ASCENDING) {
      throw new IllegalArgumentException("per-key lock '" + name + "' declares key-order"
          + " ascending, so its keys must be Comparable; a key of " + key.getClass().getName()
          + " is not (the key is not shown)");
    }
    return family(name).forKey(key);
  }

  /** The per-key lock family {@code name}, made on first use. */
  private KeyedLocks family(String name) {
    return obtain(keyedLocks, Kind.LOCK_FAMILY, name, n -> {
      Closing.Site closed = closing.site("lock", n);
      return new KeyedLocks(n, k -> new ObservedLock(source.lock(n, k), keyGrants(n, k), source,
          closed), source.fencesIdleKeys(), trackHolds);
    });
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
        obtain(semaphores, Kind.SEMAPHORE, name,
            n -> new ObservedSemaphore(source.semaphore(n, permits), grants("semaphore", n),
                source, closing.site("semaphore", n)));
    if (semaphore.maxPermits() != permits) {
      throw new IllegalStateException("semaphore '" + name + "' already exists with "
          + semaphore.maxPermits() + " permits, not " + permits);
    }
    return semaphore;
  }

  @Override
  public AsyncEvent event(String name) {
    return obtain(events, Kind.EVENT, name, n -> {
      AsyncEvent event = source.event(n);
      BatonProperties.Event spec = properties.events().get(n);
      if (spec != null && spec.initiallySet()) {
        event.set();
      }
      WaitSite site = new WaitSite("event", n);
      return new ObservedEvent(event, source, site, waitListeners,
          watch == null ? null : new EventSetters(site, watch), closing.site("event", n));
    });
  }

  @Override
  public AsyncCondition condition(String name) {
    return obtain(conditions, Kind.CONDITION, name,
        n -> new ObservedCondition(source.condition(n), grants("condition", n), source,
            closing.site("condition", n)));
  }

  @Override
  @SuppressWarnings("unchecked")
  public <T> AsyncQueue<T> queue(String name) {
    return (AsyncQueue<T>) obtain(queues, Kind.QUEUE, name, n -> newQueue(n, null));
  }

  @Override
  @SuppressWarnings("unchecked")
  public <T> AsyncQueue<T> queue(String name, Class<T> itemType) {
    Objects.requireNonNull(itemType, "itemType");
    ObservedQueue<?> queue = obtain(queues, Kind.QUEUE, name, n -> newQueue(n, itemType));
    if (queue.itemType() != null && queue.itemType() != itemType) {
      throw new IllegalStateException("queue '" + name + "' holds "
          + queue.itemType().getName() + " items, not " + itemType.getName());
    }
    return (AsyncQueue<T>) queue;
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
    AsyncBarrier barrier = obtain(barriers, Kind.BARRIER, name, n -> new ObservedBarrier(
        source.barrier(n, parties), new WaitSite("barrier", n), waitListeners, source,
        watch != null));
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

  @Override
  public void onPrimitive(Consumer<? super NamedPrimitive> listener) {
    Objects.requireNonNull(listener, "listener");
    listeners.add(listener);
    Map.of(Kind.LOCK, locks, Kind.LOCK_FAMILY, keyedLocks, Kind.SEMAPHORE, semaphores,
        Kind.EVENT, events, Kind.CONDITION, conditions, Kind.QUEUE, queues, Kind.BARRIER, barriers)
        .forEach((kind, map) -> map.forEach(
            (name, primitive) -> listener.accept(new NamedPrimitive(kind, name, primitive))));
  }

  /**
   * Closes this JVM's primitives as the application shuts down (Spring calls it once the beans
   * that use the registry are gone, after every lifecycle has stopped, so graceful drains run
   * first): a wait still pending for a lock, a per-key lock, a semaphore, an event or a
   * condition's lock fails with a {@link java.util.concurrent.CancellationException}, and one
   * asked for afterwards fails at once with an {@link IllegalStateException}, both saying that
   * the application is shutting down. Holders keep what they hold until they release it; queues,
   * barriers and a condition's waits for a signal are left as they are. With the Redis backend it
   * does nothing: the backend's own close fails this instance's waits and releases its permits.
   */
  @Override
  public void close() {
    if (source.backend() != BatonProperties.Backend.LOCAL) {
      return;
    }
    closing.close();
    locks.values().forEach(ObservedLock::failPending);
    keyedLocks.values().forEach(KeyedLocks::failPending);
    semaphores.values().forEach(ObservedSemaphore::failPending);
    events.values().forEach(ObservedEvent::failPending);
    conditions.values().forEach(ObservedCondition::failPending);
  }

  /** How many keys of the per-key lock family {@code name} have a lock now. */
  public int activeKeys(String name) {
    KeyedLocks family = keyedLocks.get(name);
    return family == null ? 0 : family.activeKeys();
  }

  /**
   * The primitive named {@code name} in {@code map}, created and announced to the listeners if
   * it is new. The announcement happens outside the map's locks.
   */
  private <P> P obtain(ConcurrentMap<String, P> map, Kind kind, String name,
      Function<String, ? extends P> create) {
    P existing = map.get(requireName(name));
    if (existing != null) {
      return existing;
    }
    P created = create.apply(name);
    P winner = map.putIfAbsent(name, created);
    if (winner != null) {
      return winner;
    }
    NamedPrimitive announced = new NamedPrimitive(kind, name, created);
    listeners.forEach(listener -> listener.accept(announced));
    return created;
  }

  /**
   * The grants of the lock of {@code key} in family {@code name}, which pass the key to the stall
   * view when the family declares an ascending key order.
   */
  private ObservedGrants keyGrants(String name, Object key) {
    if (watch == null || properties.keyOrder(name) != BatonProperties.KeyOrder.ASCENDING) {
      return grants("lock", name);
    }
    return ObservedGrants.of(new WaitSite("lock", name), waitListeners, trackHolds, watch, key);
  }

  private ObservedGrants grants(String primitive, String name) {
    return ObservedGrants.of(new WaitSite(primitive, name), waitListeners, trackHolds, watch);
  }

  /**
   * A queue of items of {@code itemType} ({@code null}: undeclared by the caller), as
   * {@code baton.queues.NAME} declares it if it does.
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private ObservedQueue<?> newQueue(String name, Class<?> itemType) {
    BatonProperties.Queue spec = properties.queues().get(name);
    if (spec == null) {
      spec = new BatonProperties.Queue(Integer.MAX_VALUE, BatonProperties.QueueOrder.FIFO, null,
          null, null);
    }
    if (spec.itemType() != null && itemType != null && spec.itemType() != itemType) {
      throw new IllegalStateException("queue '" + name + "' holds " + spec.itemType().getName()
          + " items (baton.queues." + name + ".item-type), not " + itemType.getName());
    }
    Class type = itemType != null ? itemType : spec.itemType();
    QueueDeclaration<?> declaration = new QueueDeclaration<>(name, spec.order(), spec.capacity(),
        type, spec.scoreProperty() == null ? null
            : QueueScore.property(name, type, spec.scoreProperty()),
        (int) spec.maxItemSize().toBytes());
    return new ObservedQueue<>(source.queue(declaration), type, new WaitSite("queue", name),
        waitListeners, source, watch != null);
  }

  private static String requireName(String name) {
    Objects.requireNonNull(name, "name");
    if (name.isBlank()) {
      throw new IllegalArgumentException("a primitive's name must not be blank");
    }
    return name;
  }
}
