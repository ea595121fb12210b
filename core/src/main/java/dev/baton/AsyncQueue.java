package dev.baton;

import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.CompletableFuture;

/**
 * A queue for producer/consumer coordination between asynchronous tasks: Python's
 * {@code asyncio.Queue}, {@code PriorityQueue} and {@code LifoQueue}.
 *
 * <p>Puts wait while the queue is full, takes wait while it is empty. A put's future completes
 * only once its item is in the queue; a cancelled or timed-out put never adds its item, and a
 * cancelled or timed-out take never loses one. {@code null} items are rejected.
 *
 * <p>In the queues of this interface's factories, a take or put whose item is decided (taken from
 * the queue, or put in it) is final: a cancel that reaches its future while the item is still on
 * its way returns {@code false}, and the future completes normally at once, so a queue never
 * holds more than its capacity. Other implementations say where they differ (a queue on Redis
 * gives the item of a take cancelled on its way back to the head).
 *
 * <p>Work tracking: every item put counts as an unfinished task until a consumer calls
 * {@link #taskDone()} for it; {@link #join()} completes when none are unfinished.
 *
 * <p>Shutdown, as in Python 3.13: after {@link #shutdown()}, puts and {@code offer} fail with
 * {@link QueueShutdownException}, waiting putters fail, and takes and {@code poll} drain the
 * remaining items and then fail. {@link #shutdownNow()} also drops the queued items (subtracting
 * them, and only them, from the unfinished tasks) and fails every waiting take; {@code join}
 * still waits for items already taken.
 *
 * <p>Guarantees, in the words defined in the {@linkplain dev.baton package documentation}:
 * non-blocking; fair, FIFO among waiting putters and among waiting takers ({@code offer} and
 * {@code poll} never barge past them); granted on the caller's thread; prompt cancellation;
 * timeouts; memory consistency effects (actions before a put happen-before the take that receives
 * its item). Items are ordered first-in-first-out, last-in-first-out or by priority according to
 * the factory used.
 *
 * @param <T> the type of items
 */
public interface AsyncQueue<T> {

  /** A first-in-first-out queue without a capacity limit. */
  static <T> AsyncQueue<T> unbounded() {
    return DefaultAsyncQueue.fifo(Integer.MAX_VALUE);
  }

  /** A first-in-first-out queue holding at most {@code capacity} items. */
  static <T> AsyncQueue<T> bounded(int capacity) {
    return DefaultAsyncQueue.fifo(capacity);
  }

  /**
   * A queue that hands out the least item first, by natural order, equal items in the order
   * they went in. Use {@link Integer#MAX_VALUE} for no capacity limit.
   */
  static <T extends Comparable<? super T>> AsyncQueue<T> priority(int capacity) {
    return DefaultAsyncQueue.priority(capacity, Comparator.naturalOrder());
  }

  /**
   * A queue that hands out the least item by {@code order} first, items {@code order} finds
   * equal in the order they went in. If {@code order} throws while an item goes in or out, that
   * call fails with its exception and the queue is left as it was: {@code put}, {@code offer},
   * {@code take} and {@code poll} throw it, and a waiting put's future fails with it.
   */
  static <T> AsyncQueue<T> priority(int capacity, Comparator<? super T> order) {
    return DefaultAsyncQueue.priority(capacity, order);
  }

  /** A last-in-first-out queue (a stack). Use {@link Integer#MAX_VALUE} for no limit. */
  static <T> AsyncQueue<T> lifo(int capacity) {
    return DefaultAsyncQueue.lifo(capacity);
  }

  /** Adds {@code item}, waiting while the queue is full. */
  CompletableFuture<Void> put(T item);

  /**
   * Adds {@code item}, failing with {@link AcquireTimeoutException} (and adding nothing) if there
   * is no room within {@code timeout}.
   */
  CompletableFuture<Void> put(T item, Duration timeout);

  /**
   * Adds {@code item} if there is room now: asyncio's {@code put_nowait}.
   *
   * @return false when the queue is full
   * @throws QueueShutdownException after a shutdown
   */
  boolean offer(T item);

  /** Takes the next item, waiting while the queue is empty: asyncio's {@code get}. */
  CompletableFuture<T> take();

  /**
   * Takes the next item, failing with {@link AcquireTimeoutException} (and taking nothing) if
   * none arrives within {@code timeout}.
   */
  CompletableFuture<T> take(Duration timeout);

  /**
   * Takes the next item if there is one now: asyncio's {@code get_nowait}.
   *
   * @return the item, or null when the queue is empty
   * @throws QueueShutdownException when the queue is shut down and empty
   */
  T poll();

  /**
   * Marks one unfinished task done: call it once for each item taken, after processing it.
   *
   * @throws IllegalStateException if called more times than items were put
   */
  void taskDone();

  /** Completes when every item put so far has been marked done by {@link #taskDone()}. */
  CompletableFuture<Void> join();

  /** The number of items in the queue (not counting items held by waiting putters). */
  int size();

  boolean isEmpty();

  boolean isFull();

  /** The capacity; {@link Integer#MAX_VALUE} for an unbounded queue. */
  int capacity();

  /** Items put and not yet marked done. */
  int unfinishedTasks();

  /** The number of takes waiting for an item. */
  int takers();

  /** The number of puts waiting for room. */
  int putters();

  /** Stops accepting items; takes drain what is queued, then fail. Idempotent. */
  void shutdown();

  /** Stops accepting items, drops the queued ones and fails every waiting put and take. */
  void shutdownNow();

  boolean isShutdown();
}
