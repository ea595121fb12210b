package dev.baton;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Lock;
import java.util.function.Supplier;

/**
 * An intrusive FIFO list of waiters guarded by its primitive's lock: O(1) append, poll and
 * removal from the middle, and no node allocation beyond the waiter itself.
 *
 * <p>{@link #add}, {@link #poll}, {@link #drainTo} and {@link #isEmpty} must be called while
 * holding the {@linkplain #WaitQueue(Lock, Runnable) guard}; {@link #withdraw} takes it itself,
 * {@link #withdrawAll} must be called without it, and {@link #size} is a volatile read for
 * monitoring. Invariant while holding the guard: every linked waiter is still waiting, because
 * grants and withdrawals are both decided under the guard.
 */
final class WaitQueue<W extends Waiter<?>> {

  private static final VarHandle SIZE;

  static {
    try {
      SIZE = MethodHandles.lookup().findVarHandle(WaitQueue.class, "size", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final Lock guard;
  /** Run under the guard when a withdrawal leaves the queue empty; may be null. */
  private final Runnable onEmptied;
  private Waiter<?> head;
  private Waiter<?> tail;
  /**
   * Number of linked waiters; written under the guard with release stores, which order it before
   * the decision that follows each change (so a thread that sees a waiter decided sees it
   * uncounted) without the fence of a volatile store on every grant.
   */
  private volatile int size;

  /** A queue guarded by {@code guard}. */
  WaitQueue(Lock guard) {
    this(guard, null);
  }

  /**
   * A queue guarded by {@code guard} that runs {@code onEmptied} (may be null) when a withdrawal
   * empties it.
   */
  WaitQueue(Lock guard, Runnable onEmptied) {
    this.guard = guard;
    this.onEmptied = onEmptied;
  }

  void add(W w) {
    w.prev = tail;
    if (tail == null) {
      head = w;
    } else {
      tail.next = w;
    }
    tail = w;
    SIZE.setRelease(this, size + 1);
  }

  /** Removes and returns the oldest waiter, or null when empty. */
  @SuppressWarnings("unchecked")
  W poll() {
    Waiter<?> w = head;
    if (w != null) {
      unlink(w);
    }
    return (W) w;
  }

  /**
   * Removes every waiter, oldest first, into {@code into}; the count drops to zero in one step,
   * so a reader never sees part of a bulk grant.
   */
  @SuppressWarnings("unchecked")
  void drainTo(List<? super W> into) {
    for (Waiter<?> w = head, next; w != null; w = next) {
      next = w.next;
      w.prev = null;
      w.next = null;
      into.add((W) w);
    }
    head = null;
    tail = null;
    SIZE.setRelease(this, 0);
  }

  boolean isEmpty() {
    return head == null;
  }

  int size() {
    return size;
  }

  /**
   * Withdraws {@code w} if it is still in this queue: unlinks it and then marks it (see
   * {@link Waiter#markWithdrawn}), under the guard. Linked means still waiting (see above), so the
   * mark cannot fail. Unlinking first keeps {@link #size}, read without the guard, from counting a
   * waiter that a racing outside call already finds withdrawn.
   *
   * @return false if {@code w} was already granted, withdrawn or polled
   */
  boolean withdraw(Waiter<?> w, boolean byTimeout) {
    guard.lock();
    try {
      boolean linked = w.prev != null || head == w;
      if (!linked) {
        return false;
      }
      unlink(w);
      w.markWithdrawn(byTimeout);
      if (head == null && onEmptied != null) {
        onEmptied.run();
      }
      return true;
    } finally {
      guard.unlock();
    }
  }

  /**
   * Fails the waiters linked now, each with a new failure from {@code failure}, through its
   * future's {@code completeExceptionally}: so each is withdrawn first, as by any outside call, and
   * one whose grant is decided meanwhile keeps it. Takes the guard only to list them; must be
   * called without it, since each withdrawal takes it.
   *
   * @return how many it failed
   */
  int withdrawAll(Supplier<? extends Throwable> failure) {
    List<Waiter<?>> linked = new ArrayList<>();
    guard.lock();
    try {
      for (Waiter<?> w = head; w != null; w = w.next) {
        linked.add(w);
      }
    } finally {
      guard.unlock();
    }
    int failed = 0;
    for (Waiter<?> w : linked) {
      if (w.completeExceptionally(failure.get())) {
        failed++;
      }
    }
    return failed;
  }

  private void unlink(Waiter<?> w) {
    Waiter<?> p = w.prev;
    Waiter<?> n = w.next;
    if (p == null) {
      head = n;
    } else {
      p.next = n;
    }
    if (n == null) {
      tail = p;
    } else {
      n.prev = p;
    }
    w.prev = null;
    w.next = null;
    SIZE.setRelease(this, size - 1);
  }
}
