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
import dev.baton.spring.observation.HoldTracking;
import dev.baton.spring.observation.ObservedGrants;
import dev.baton.spring.observation.WaitListener;
import dev.baton.spring.observation.WaitListeners;
import dev.baton.spring.observation.WaitSite;
import java.util.Comparator;
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
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * The {@link PrimitiveRegistry} of every backend: its locks, per-key locks, semaphores and events
 * come from a {@link PrimitiveSource} (this JVM's by default, Redis's with
 * {@code baton.backend=redis}); its conditions, queues and barriers always live in this JVM. Every
 * primitive declared in {@link BatonProperties} is created when the registry is; others on first
 * use. When two threads create the same name at once, one instance wins and only it is announced.
 * An event declared initially set is set when the registry is created: with a shared backend, on
 * every instance that starts, whatever another instance did to it before.
 *
 * <p>Every wait on its primitives is reported to the registry's {@link WaitListener}s, and its
 * locks and semaphores (also {@link HoldTracking}) can keep their live holds, whatever the backend.
 */
public final class DefaultPrimitiveRegistry implements PrimitiveRegistry {

  private static final Log log = LogFactory.getLog(DefaultPrimitiveRegistry.class);

  private final BatonProperties properties;
  /** Where locks, per-key locks, semaphores and events come from. */
  private final PrimitiveSource source;
  private final ConcurrentMap<String, AsyncLock> locks = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, KeyedLocks> keyedLocks = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, AsyncSemaphore> semaphores = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, AsyncEvent> events = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, AsyncCondition> conditions = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, AsyncQueue<?>> queues = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, AsyncBarrier> barriers = new ConcurrentHashMap<>();
  private final List<Consumer<? super NamedPrimitive>> listeners = new CopyOnWriteArrayList<>();
  private final WaitListeners waitListeners;
  private final boolean trackHolds;

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
   * A registry taking its locks, per-key locks, semaphores and events from {@code source}, which
   * reports every wait on its primitives to {@code waitListeners}.
   *
   * @param trackHolds whether its locks and semaphores keep their live holds (see
   *     {@link HoldTracking#holds()}); off, their holds always read empty, and each grant
   *     saves two clock reads and a concurrent-set update
   * @throws IllegalStateException if {@code source} is not the backend {@code baton.backend}
   *     names, saying which module brings that backend
   */
  public DefaultPrimitiveRegistry(BatonProperties properties, PrimitiveSource source,
      List<? extends WaitListener> waitListeners, boolean trackHolds) {
    this.properties = Objects.requireNonNull(properties, "properties");
    this.source = Objects.requireNonNull(source, "source");
    this.waitListeners = new WaitListeners(waitListeners);
    this.trackHolds = trackHolds;
    if (properties.backend() != source.backend()) {
      throw new IllegalStateException("baton.backend=" + properties.backend().name().toLowerCase()
          + " needs that backend's primitives: add the dev.baton:baton-redis module and Spring"
          + " Boot's Redis support (org.springframework.boot:spring-boot-starter-data-redis), or"
          + " set baton.backend=local");
    }
    properties.locks().keySet().forEach(this::lock);
    properties.semaphores().forEach((name, spec) -> semaphore(name, spec.permits()));
    properties.events().keySet().forEach(this::event);
    properties.queues().keySet().forEach(this::queue);
    properties.barriers().forEach((name, spec) -> barrier(name, spec.parties()));
    warnOfInstanceOnlyPrimitives();
  }

  @Override
  public AsyncLock lock(String name) {
    return obtain(locks, Kind.LOCK, name,
        n -> new ObservedLock(source.lock(n), grants("lock", n), source));
  }

  @Override
  public AsyncLock lock(String name, Object key) {
    Objects.requireNonNull(key, "key");
    return obtain(keyedLocks, Kind.LOCK_FAMILY, name,
        n -> new KeyedLocks(n, k -> new ObservedLock(source.lock(n, String.valueOf(k)),
            grants("lock", n), source), source.fencesIdleKeys(), trackHolds)).forKey(key);
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
                source));
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
      return new ObservedEvent(event, source, new WaitSite("event", n), waitListeners);
    });
  }

  @Override
  public AsyncCondition condition(String name) {
    return obtain(conditions, Kind.CONDITION, name,
        n -> new ObservedCondition(AsyncCondition.create(), grants("condition", n)));
  }

  @Override
  @SuppressWarnings("unchecked")
  public <T> AsyncQueue<T> queue(String name) {
    return (AsyncQueue<T>) obtain(queues, Kind.QUEUE, name, this::newQueue);
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
    // A barrier's await has no timeout to name: only listeners need the wrapper.
    AsyncBarrier barrier =
        obtain(barriers, Kind.BARRIER, name, n -> waitListeners.isEmpty()
            ? AsyncBarrier.create(parties)
            : new ObservedBarrier(AsyncBarrier.create(parties), new WaitSite("barrier", n),
                waitListeners));
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
   * With a shared backend, says once at start-up which declared primitives are this instance's
   * alone: no backend shares conditions, queues and barriers yet.
   */
  private void warnOfInstanceOnlyPrimitives() {
    if (source.backend() == BatonProperties.Backend.LOCAL) {
      return;
    }
    Set<String> declared = new TreeSet<>();
    properties.queues().keySet().forEach(name -> declared.add("queue '" + name + "'"));
    properties.barriers().keySet().forEach(name -> declared.add("barrier '" + name + "'"));
    if (!declared.isEmpty()) {
      log.warn("baton.backend=" + source.backend().name().toLowerCase() + " shares locks,"
          + " semaphores and events; conditions, queues and barriers stay in each instance on its"
          + " own, among them the declared " + String.join(", ", declared));
    }
  }

  private ObservedGrants grants(String primitive, String name) {
    return new ObservedGrants(new WaitSite(primitive, name), waitListeners, trackHolds);
  }

  private AsyncQueue<?> newQueue(String name) {
    return new ObservedQueue<>(queueOf(properties.queues().get(name)),
        new WaitSite("queue", name), waitListeners);
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static AsyncQueue<?> queueOf(BatonProperties.Queue spec) {
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
