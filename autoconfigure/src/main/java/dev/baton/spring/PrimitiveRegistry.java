package dev.baton.spring;

import dev.baton.AsyncBarrier;
import dev.baton.AsyncCondition;
import dev.baton.AsyncEvent;
import dev.baton.AsyncLock;
import dev.baton.AsyncQueue;
import dev.baton.AsyncSemaphore;
import dev.baton.Permit;
import java.time.Duration;
import java.util.Collection;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Named Baton primitives shared across an application: declared under {@code baton.*} or
 * created on first use. The same kind and name always give the same instance; each kind has its
 * own names, so a lock and a semaphore may both be called {@code "orders"}.
 *
 * <p>A named primitive lives as long as the registry: names are never dropped. Do not build names
 * from user input (an order id, a user name), which would grow the registry without bound; use
 * {@link #lock(String, Object)} with the user value as the key, whose idle keys are dropped.
 *
 * <p>Implementations are thread-safe.
 */
public interface PrimitiveRegistry {

  /**
   * The lock named {@code name}, kept for the registry's lifetime. For one lock per order, user or
   * other value from input, use {@link #lock(String, Object)}: a {@code name} built from such
   * values grows the registry without bound.
   */
  AsyncLock lock(String name);

  /**
   * The lock for {@code key} in the per-key family {@code name}: equal keys share one lock,
   * distinct keys never contend. A key's lock exists only while someone holds it or waits for it,
   * so memory is bounded by the keys in use.
   *
   * <p>Keys often carry user data, such as account ids or e-mail addresses: exception messages,
   * logs and meters name the family, never a key. Only {@link LockFamily#locksByKey()} reveals
   * keys, and the {@code baton} endpoint lists them only with
   * {@code baton.endpoint.show-keys=true}.
   *
   * @throws IllegalArgumentException if the family declares an ascending key order
   *     ({@code baton.locks.NAME.key-order}) and {@code key} is not {@code Comparable}
   */
  AsyncLock lock(String name, Object key);

  /**
   * Takes the locks of {@code keys} in the per-key family {@code name}, one after another in the
   * keys' ascending natural order (each key once), and completes with one permit that gives them
   * all back. Every caller that takes several keys this way takes them in one order, so two of
   * them never deadlock on those keys; declare {@code baton.locks.NAME.key-order: ascending} so
   * that the stall view also accepts nestings in that order elsewhere. Fails, holding nothing,
   * with an {@link dev.baton.AcquireTimeoutException} naming the family if all are not granted
   * within {@code timeout}; cancelling the result withdraws the wait and gives back what was
   * taken.
   *
   * @throws IllegalArgumentException if the keys are not mutually {@code Comparable}; the message
   *     names their class, never a key
   */
  default CompletableFuture<Permit> lockAll(String name, Collection<?> keys, Duration timeout) {
    return OrderedLocks.acquire(this, name, keys, timeout);
  }

  /**
   * The semaphore named {@code name}.
   *
   * @throws IllegalStateException if it was neither declared
   *     ({@code baton.semaphores.NAME.permits}) nor created with {@link #semaphore(String, int)}
   */
  AsyncSemaphore semaphore(String name);

  /**
   * The semaphore named {@code name}, created with {@code permits} if it does not exist yet.
   *
   * @throws IllegalStateException if it exists with a different number of permits
   */
  AsyncSemaphore semaphore(String name, int permits);

  /** The event named {@code name}; new events are clear unless declared initially set. */
  AsyncEvent event(String name);

  /** The condition named {@code name}, with a lock of its own. */
  AsyncCondition condition(String name);

  /**
   * The queue named {@code name}; undeclared queues are unbounded FIFO queues.
   *
   * @throws IllegalStateException with a shared backend, for a new queue whose item type
   *     {@code baton.queues.NAME.item-type} does not declare: use {@link #queue(String, Class)}
   */
  <T> AsyncQueue<T> queue(String name);

  /**
   * The queue named {@code name}, holding items of {@code itemType}: what a shared backend
   * stores its items as, and reads them back as. Undeclared queues are unbounded FIFO queues.
   *
   * @throws IllegalStateException if the queue exists with another item type, from
   *     {@code baton.queues.NAME.item-type} or an earlier call
   */
  <T> AsyncQueue<T> queue(String name, Class<T> itemType);

  /**
   * The barrier named {@code name}.
   *
   * @throws IllegalStateException if it was neither declared ({@code baton.barriers.NAME.parties})
   *     nor created with {@link #barrier(String, int)}
   */
  AsyncBarrier barrier(String name);

  /**
   * The barrier named {@code name}, created for {@code parties} if it does not exist yet.
   *
   * @throws IllegalStateException if it exists with a different number of parties
   */
  AsyncBarrier barrier(String name, int parties);

  /** Every name in use, of every kind, sorted. */
  Set<String> names();

  /**
   * Calls {@code listener} for every primitive in the registry now and, from then on, for every
   * primitive created, on the thread that created it. A primitive created while the listener is
   * being registered may be announced twice (the same kind, name and instance), so listeners keep
   * what they are told by kind and name; per-key locks are announced once per family.
   */
  void onPrimitive(Consumer<? super NamedPrimitive> listener);
}
