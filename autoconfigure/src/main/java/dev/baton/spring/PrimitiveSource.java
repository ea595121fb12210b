package dev.baton.spring;

import dev.baton.AsyncBarrier;
import dev.baton.AsyncCondition;
import dev.baton.AsyncEvent;
import dev.baton.AsyncLock;
import dev.baton.AsyncQueue;
import dev.baton.AsyncSemaphore;
import dev.baton.spring.observation.SharedLevels;
import dev.baton.spring.observation.SharedQueueLevels;
import java.util.Map;
import java.util.Optional;

/**
 * Where a registry's primitives come from: the backend named by {@code baton.backend}. The
 * registry wraps what a source makes so that waits, holds and timeouts are reported alike for
 * every backend.
 *
 * <p>A source makes a new primitive on every call; the registry keeps one per name. Two
 * primitives a source made for the same name and key are one primitive: they exclude each other,
 * within this JVM and, for a shared backend, across every instance using the same store.
 *
 * <p>Implementations are thread-safe.
 */
public interface PrimitiveSource {

  /** The backend this source stands for; a registry refuses one other than baton.backend's. */
  BatonProperties.Backend backend();

  /** A new handle on the lock named {@code name}. */
  AsyncLock lock(String name);

  /**
   * A new handle on the lock for {@code key} of the per-key family {@code name}. Made again for a
   * key that was idle, it is the same lock as before. Keys are often user data: a source reads
   * one only if it must, as a backend that shares the lock with other instances must (by its
   * string form, {@code String.valueOf(key)}); this JVM's source never does.
   */
  AsyncLock lock(String name, Object key);

  /**
   * Whether the fencing tokens of {@link #lock(String, Object)} strictly increase per key over the
   * key's whole life, also after its lock was dropped while idle and made again. If not, the
   * registry hands out tokens of its own, strictly increasing over the whole family in this JVM.
   */
  boolean fencesIdleKeys();

  /** A new handle on the semaphore named {@code name} with {@code permits} permits. */
  AsyncSemaphore semaphore(String name, int permits);

  /** A new handle on the event named {@code name}, which starts clear unless it exists already. */
  AsyncEvent event(String name);

  /** A new handle on the condition named {@code name}, with a lock of its own. */
  AsyncCondition condition(String name);

  /**
   * A new handle on the barrier named {@code name} for {@code parties} parties.
   *
   * @throws IllegalStateException if a shared backend knows it with another number of parties
   */
  AsyncBarrier barrier(String name, int parties);

  /**
   * A new handle on the queue {@code declaration} describes.
   *
   * @throws IllegalStateException if this backend cannot keep such a queue, saying which
   *     property to set (a backend that stores items elsewhere needs their type, and a priority
   *     queue it orders needs a score)
   */
  <T> AsyncQueue<T> queue(QueueDeclaration<T> declaration);

  /**
   * The held count and waiters of {@code primitive} (made by this source) from a snapshot the
   * backend keeps for all its primitives, when its own reads ({@code isLocked()},
   * {@code availablePermits()}, ...) would each cost a round trip; empty when they are cheap.
   */
  Optional<SharedLevels.Levels> levels(Object primitive);

  /** The levels of {@code queue} (made by this source) from the backend's snapshot, as above. */
  Optional<SharedQueueLevels.QueueLevels> queueLevels(AsyncQueue<?> queue);

  /**
   * What the {@code baton} endpoint shows of the backend beside its name: connection and lease
   * state, as JSON-friendly values; empty when there is nothing to show.
   */
  Map<String, Object> status();
}
