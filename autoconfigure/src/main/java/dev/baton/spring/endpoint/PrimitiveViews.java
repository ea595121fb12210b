package dev.baton.spring.endpoint;

import dev.baton.AsyncBarrier;
import dev.baton.AsyncCondition;
import dev.baton.AsyncEvent;
import dev.baton.AsyncLock;
import dev.baton.AsyncQueue;
import dev.baton.AsyncSemaphore;
import dev.baton.spring.LockFamily;
import dev.baton.spring.NamedPrimitive;
import dev.baton.spring.observation.Hold;
import dev.baton.spring.observation.HoldTracking;
import dev.baton.spring.observation.SharedLevels;
import dev.baton.spring.observation.SharedLevels.Levels;
import dev.baton.spring.observation.SharedQueueLevels;
import dev.baton.spring.observation.SharedQueueLevels.QueueLevels;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the {@code baton} endpoint shows of one primitive: a JSON object with {@code name},
 * {@code kind}, {@code state} and {@code waiters}, then the fields of its kind (see the README's
 * endpoint section), then {@code scope}: {@code shared} when a shared backend shares it with other
 * instances, else {@code this-instance}. Holds appear as {@code oldestHolder}: how long it has been
 * held in this instance and which annotated method took it. A shared primitive's state and
 * waiters come from its backend's snapshot ({@link SharedLevels}), across every instance, except
 * an event's waiters, which a backend may not store: they are always this instance's. A per-key
 * lock family is {@code this-instance} on any backend: its counts are of the keys this instance
 * uses, as no backend keeps an index of a family's keys; it lists those keys, each with its
 * shared state, only when asked to. Until the backend has answered a first read of a shared
 * primitive, its {@code state} is {@code unknown} and the numbers only the backend knows are
 * {@code null}.
 */
final class PrimitiveViews {

  /** The state of a shared primitive whose backend has not yet answered a read of it. */
  private static final String UNKNOWN = "unknown";

  private PrimitiveViews() {}

  /**
   * @param sharedBackend whether the registry's backend shares its primitives with other
   *     instances
   */
  static Map<String, Object> of(NamedPrimitive named, boolean showKeys, boolean sharedBackend) {
    Map<String, Object> view = new LinkedHashMap<>();
    view.put("name", named.name());
    switch (named.kind()) {
      case LOCK -> lock(view, (AsyncLock) named.primitive());
      case LOCK_FAMILY -> family(view, (LockFamily) named.primitive(), showKeys);
      case SEMAPHORE -> semaphore(view, (AsyncSemaphore) named.primitive());
      case EVENT -> event(view, (AsyncEvent) named.primitive());
      case CONDITION -> condition(view, (AsyncCondition) named.primitive());
      case QUEUE -> queue(view, (AsyncQueue<?>) named.primitive());
      case BARRIER -> barrier(view, (AsyncBarrier) named.primitive());
    }
    boolean shared = sharedBackend && named.kind() != NamedPrimitive.Kind.LOCK_FAMILY;
    view.put("scope", shared ? "shared" : "this-instance");
    return view;
  }

  private static void lock(Map<String, Object> view, AsyncLock lock) {
    view.put("kind", "lock");
    lockState(view, lock);
  }

  /** A lock's state, waiters and holders: what a lock and each key of a family show. */
  private static void lockState(Map<String, Object> view, AsyncLock lock) {
    Optional<Levels> shared = SharedLevels.of(lock);
    if (unknown(shared)) {
      view.put("state", UNKNOWN);
      view.put("waiters", null);
    } else {
      view.put("state", shared.map(Levels::held).orElseGet(() -> lock.isLocked() ? 1 : 0) > 0
          ? "locked" : "free");
      view.put("waiters", shared.map(Levels::waiters).orElseGet(lock::waiters));
    }
    holders(view, lock);
  }

  private static void family(Map<String, Object> view, LockFamily family, boolean showKeys) {
    int held = family.heldKeys();
    common(view, "lock-family", held > 0 ? "locked" : "free", family.waiters());
    view.put("activeKeys", family.activeKeys());
    view.put("heldKeys", held);
    view.put("holders", held);
    view.put("oldestHolder", holder(family.oldestHold()));
    if (showKeys) {
      List<Map<String, Object>> keys = family.locksByKey().entrySet().stream().map(entry -> {
        Map<String, Object> key = new LinkedHashMap<>();
        key.put("key", String.valueOf(entry.getKey()));
        lockState(key, entry.getValue());
        return key;
      }).toList();
      view.put("keys", keys);
    }
  }

  private static void semaphore(Map<String, Object> view, AsyncSemaphore semaphore) {
    Optional<Levels> shared = SharedLevels.of(semaphore);
    int max = semaphore.maxPermits();
    Map<String, Object> permits = new LinkedHashMap<>();
    permits.put("max", max);
    if (unknown(shared)) {
      common(view, "semaphore", UNKNOWN, null);
      permits.put("available", null);
      permits.put("inUse", null);
    } else {
      int available = shared.map(levels -> max - levels.held())
          .orElseGet(semaphore::availablePermits);
      String state = available == max ? "free" : available == 0 ? "exhausted" : "in-use";
      common(view, "semaphore", state,
          shared.map(Levels::waiters).orElseGet(semaphore::waiters));
      permits.put("available", available);
      permits.put("inUse", max - available);
    }
    view.put("permits", permits);
    holders(view, semaphore);
  }

  private static void event(Map<String, Object> view, AsyncEvent event) {
    Optional<Levels> shared = SharedLevels.of(event);
    boolean set = shared.map(levels -> levels.held() > 0).orElseGet(event::isSet);
    common(view, "event", unknown(shared) ? UNKNOWN : set ? "set" : "clear", event.waiters());
  }

  private static void condition(Map<String, Object> view, AsyncCondition condition) {
    AsyncLock lock = condition.lock();
    Optional<Levels> shared = SharedLevels.of(condition);
    if (unknown(shared)) {
      common(view, "condition", UNKNOWN, null);
    } else {
      boolean locked = shared.map(levels -> levels.held() > 0).orElseGet(lock::isLocked);
      common(view, "condition", locked ? "locked" : "free",
          shared.map(Levels::waiters).orElseGet(condition::waiters));
    }
    Optional<Levels> sharedLock = SharedLevels.of(lock);
    view.put("lockWaiters", unknown(sharedLock) ? null
        : sharedLock.map(Levels::waiters).orElseGet(lock::waiters));
    holders(view, lock);
  }

  private static void queue(Map<String, Object> view, AsyncQueue<?> queue) {
    QueueLevels levels = SharedQueueLevels.of(queue).orElseGet(() -> new QueueLevels(queue.size(),
        queue.unfinishedTasks(), queue.putters(), queue.takers(), queue.isShutdown()));
    boolean known = levels.known();
    common(view, "queue", !known ? UNKNOWN : levels.shutdown() ? "shut-down" : "open",
        known ? levels.putters() + levels.takers() : null);
    view.put("size", known ? levels.size() : null);
    view.put("capacity", queue.capacity() == Integer.MAX_VALUE ? null : queue.capacity());
    view.put("unfinished", known ? levels.unfinished() : null);
    view.put("putters", known ? levels.putters() : null);
    view.put("takers", known ? levels.takers() : null);
  }

  private static void barrier(Map<String, Object> view, AsyncBarrier barrier) {
    Optional<Levels> shared = SharedLevels.of(barrier);
    if (unknown(shared)) {
      common(view, "barrier", UNKNOWN, null);
      view.put("parties", barrier.parties());
      view.put("waiting", null);
      return;
    }
    boolean broken = shared.map(levels -> levels.held() > 0).orElseGet(barrier::isBroken);
    int waiting = shared.map(Levels::waiters).orElseGet(barrier::waiting);
    common(view, "barrier", broken ? "broken" : "ready", waiting);
    view.put("parties", barrier.parties());
    view.put("waiting", waiting);
  }

  /** Whether {@code shared} are levels the backend has not yet answered. */
  private static boolean unknown(Optional<Levels> shared) {
    return shared.isPresent() && !shared.get().known();
  }

  private static void common(Map<String, Object> view, String kind, String state,
      Integer waiters) {
    view.put("kind", kind);
    view.put("state", state);
    view.put("waiters", waiters);
  }

  private static void holders(Map<String, Object> view, Object primitive) {
    if (primitive instanceof HoldTracking tracking) {
      view.put("holders", tracking.holds().count());
      view.put("oldestHolder", holder(tracking.holds().oldest()));
    }
  }

  private static Map<String, Object> holder(Optional<Hold> hold) {
    return hold.map(h -> {
      Map<String, Object> holder = new LinkedHashMap<>();
      holder.put("heldMillis", h.heldFor().toMillis());
      holder.put("takenBy", h.takenBy());
      return holder;
    }).orElse(null);
  }
}
