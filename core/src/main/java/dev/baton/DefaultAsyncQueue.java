package dev.baton;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * The {@link AsyncQueue} of the {@code AsyncQueue} factories.
 *
 * <p>Implementation overview. Everything happens under {@link #guard}, as in
 * {@link java.util.concurrent.ArrayBlockingQueue}. After every change, {@link #match} restores the
 * two invariants "takers wait only while no item is queued" and "putters wait only while the queue
 * is full", by handing queued items to the oldest takers and moving the oldest putters' items in.
 * An item moves only together with a successful grant, decided under the guard, so a withdrawn
 * putter never adds its item and a withdrawn taker never loses one. Futures are completed after
 * the guard is released: each grant is deferred to {@link Grants} as it is decided, and
 * {@link #unlock} completes them.
 *
 * <p>A call that completes at once allocates only the completed future it returns: a waiter is
 * created only by a call that must wait, and grants are collected in no list of their own.
 */
final class DefaultAsyncQueue<T> implements AsyncQueue<T> {

  private static final String ROOM = "room in the queue";
  private static final String ITEM = "a queue item";

  private final Queue<T> items;
  private final int capacity;
  private final ReentrantLock guard = new ReentrantLock();
  /** Takes waiting for an item, oldest first; non-empty only while {@link #items} is empty. */
  private final WaitQueue<Waiter<T>> takers = new WaitQueue<>(guard);
  /** Puts waiting for room, oldest first; non-empty only while the queue is full. */
  private final WaitQueue<Putter<T>> putters = new WaitQueue<>(guard);
  /** Joins waiting for {@link #unfinished} to reach zero. */
  private final WaitQueue<Waiter<Void>> joiners = new WaitQueue<>(guard);
  /** Items put and not yet marked done; never negative. */
  private int unfinished;
  private boolean shutdown;
  /**
   * Whether the guard's holder has granted waiters that {@link #unlock} must complete; false
   * whenever the guard is free.
   */
  private boolean granted;

  private DefaultAsyncQueue(Queue<T> items, int capacity) {
    this.items = items;
    this.capacity = Arguments.requirePositive(capacity, "capacity");
  }

  static <T> DefaultAsyncQueue<T> fifo(int capacity) {
    return new DefaultAsyncQueue<>(new ArrayDeque<>(), capacity);
  }

  static <T> DefaultAsyncQueue<T> lifo(int capacity) {
    return new DefaultAsyncQueue<>(Collections.asLifoQueue(new ArrayDeque<>()), capacity);
  }

  static <T> DefaultAsyncQueue<T> priority(int capacity, Comparator<? super T> order) {
    return new DefaultAsyncQueue<>(new PriorityHeap<>(order), capacity);
  }

  @Override
  public CompletableFuture<Void> put(T item) {
    return put(item, Timeouts.NEVER);
  }

  @Override
  public CompletableFuture<Void> put(T item, Duration timeout) {
    Objects.requireNonNull(item, "item");
    Objects.requireNonNull(timeout, "timeout");
    Putter<T> w;
    guard.lock();
    try {
      if (shutdown) {
        return CompletableFuture.failedFuture(closedToPuts());
      }
      if (items.size() < capacity) {
        insert(item);
        return AlreadyDone.FUTURE;
      }
      if (!Timeouts.isPositive(timeout)) {
        return CompletableFuture.failedFuture(new AcquireTimeoutException(ROOM, timeout));
      }
      w = new Putter<>(putters, timeout, item);
      putters.add(w);
    } finally {
      unlock();
    }
    return w.armTimeout();
  }

  @Override
  public boolean offer(T item) {
    Objects.requireNonNull(item, "item");
    guard.lock();
    try {
      if (shutdown) {
        throw closedToPuts();
      }
      if (items.size() >= capacity) {
        return false;
      }
      insert(item);
      return true;
    } finally {
      unlock();
    }
  }

  @Override
  public CompletableFuture<T> take() {
    return take(Timeouts.NEVER);
  }

  @Override
  public CompletableFuture<T> take(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    Waiter<T> w;
    guard.lock();
    try {
      T item = items.poll();
      if (item != null) {
        match();
        return CompletableFuture.completedFuture(item);
      }
      if (shutdown) {
        return CompletableFuture.failedFuture(drained());
      }
      if (!Timeouts.isPositive(timeout)) {
        return CompletableFuture.failedFuture(new AcquireTimeoutException(ITEM, timeout));
      }
      w = new QueueWaiter<>(takers, timeout, ITEM);
      takers.add(w);
    } finally {
      unlock();
    }
    return w.armTimeout();
  }

  @Override
  public T poll() {
    guard.lock();
    try {
      T item = items.poll();
      if (item != null) {
        match();
      } else if (shutdown) {
        throw drained();
      }
      return item;
    } finally {
      unlock();
    }
  }

  @Override
  public void taskDone() {
    guard.lock();
    try {
      if (unfinished == 0) {
        throw new IllegalStateException(
            "taskDone() called more times than items were put: call it once per item taken");
      }
      unfinished--;
      releaseJoinersIfFinished();
    } finally {
      unlock();
    }
  }

  @Override
  public CompletableFuture<Void> join() {
    Waiter<Void> w;
    guard.lock();
    try {
      if (unfinished == 0) {
        return AlreadyDone.FUTURE;
      }
      w = new QueueWaiter<>(joiners);
      joiners.add(w);
    } finally {
      guard.unlock();
    }
    return w;
  }

  @Override
  public void shutdown() {
    shutdown(false);
  }

  @Override
  public void shutdownNow() {
    shutdown(true);
  }

  private void shutdown(boolean dropItems) {
    guard.lock();
    try {
      shutdown = true;
      if (dropItems) {
        unfinished -= Math.min(unfinished, items.size());
        items.clear();
        releaseJoinersIfFinished();
      }
      failAll(putters, closedToPuts());
      if (items.isEmpty()) {
        failAll(takers, drained());
      }
    } finally {
      unlock();
    }
  }

  @Override
  public boolean isShutdown() {
    return read(() -> shutdown);
  }

  @Override
  public int size() {
    return read(items::size);
  }

  @Override
  public boolean isEmpty() {
    return size() == 0;
  }

  @Override
  public boolean isFull() {
    return size() >= capacity;
  }

  @Override
  public int capacity() {
    return capacity;
  }

  @Override
  public int unfinishedTasks() {
    return read(() -> unfinished);
  }

  @Override
  public int takers() {
    return takers.size();
  }

  @Override
  public int putters() {
    return putters.size();
  }

  @Override
  public String toString() {
    return "AsyncQueue[size=" + size() + "/" + capacity + ", unfinished=" + unfinishedTasks()
        + ", takers=" + takers() + ", putters=" + putters() + (isShutdown() ? ", shut down]" : "]");
  }

  private <R> R read(Supplier<R> field) {
    guard.lock();
    try {
      return field.get();
    } finally {
      guard.unlock();
    }
  }

  /**
   * Releases the guard, then completes the waiters granted while holding it. Every method that
   * may grant releases the guard this way, in a {@code finally}, so no grant is left undelivered.
   */
  private void unlock() {
    boolean deliver = granted;
    granted = false;
    guard.unlock();
    if (deliver) {
      Grants.deliverDeferred();
    }
  }

  /** Has {@link #unlock} complete {@code w}, just granted, once the guard is released. */
  private void defer(Waiter<?> w) {
    Grants.defer(w);
    granted = true;
  }

  /** Adds an item that has room and hands out what that makes possible. Holds the guard. */
  private void insert(T item) {
    items.add(item);
    unfinished++;
    match();
  }

  /**
   * Hands queued items to waiting takers and moves waiting putters' items into free room until
   * neither is possible. Holds the guard.
   */
  private void match() {
    for (;;) {
      if (!items.isEmpty() && !takers.isEmpty()) {
        Waiter<T> taker = takers.poll();
        taker.grant(items.poll());
        defer(taker);
      } else if (items.size() < capacity && !putters.isEmpty()) {
        Putter<T> putter = putters.poll();
        try {
          items.add(putter.item);
        } catch (RuntimeException rejected) {
          // A comparator that throws on this item fails this put alone (the heap is left as it
          // was); the caller who made room keeps what it took.
          putter.fail(rejected);
          defer(putter);
          continue;
        }
        putter.grant(null);
        unfinished++;
        defer(putter);
      } else {
        return;
      }
    }
  }

  /** Grants every join once no task is unfinished. Holds the guard. */
  private void releaseJoinersIfFinished() {
    if (unfinished > 0 || joiners.isEmpty()) {
      return;
    }
    List<Waiter<Void>> finished = new ArrayList<>();
    joiners.drainTo(finished);
    for (Waiter<Void> joiner : finished) {
      joiner.grant(null);
      defer(joiner);
    }
  }

  /** Fails every waiter of {@code queue} with {@code cause}. Holds the guard. */
  private void failAll(WaitQueue<? extends Waiter<?>> queue, QueueShutdownException cause) {
    List<Waiter<?>> failed = new ArrayList<>();
    queue.drainTo(failed);
    for (Waiter<?> w : failed) {
      w.fail(cause);
      defer(w);
    }
  }

  private static QueueShutdownException closedToPuts() {
    return new QueueShutdownException("the queue was shut down: it accepts no more items");
  }

  private static QueueShutdownException drained() {
    return new QueueShutdownException("the queue was shut down and has no items left");
  }

  /**
   * A wait for an item, for room or for the tasks to finish, which a blocking read parks at once.
   * Its grant comes from a producer or a consumer with work of its own between calls, not from a
   * holder about to release, so polling for it would pair a taker with each put: one hand-off per
   * item while both sides run flat out, where a taker parked at once wakes to the items put
   * meanwhile and takes them without waiting (as {@link java.util.concurrent.ArrayBlockingQueue}'s
   * do).
   */
  private static class QueueWaiter<T> extends Waiter<T> {

    QueueWaiter(WaitQueue<?> queue) {
      super(queue);
    }

    QueueWaiter(WaitQueue<?> queue, Duration timeout, String what) {
      super(queue, timeout, what);
    }

    @Override
    boolean pollsBeforeParking() {
      return false;
    }
  }

  /** A put waiting for room, holding its item until it is granted. */
  private static final class Putter<T> extends QueueWaiter<Void> {
    final T item;

    Putter(WaitQueue<?> queue, Duration timeout, T item) {
      super(queue, timeout, ROOM);
      this.item = item;
    }
  }
}
