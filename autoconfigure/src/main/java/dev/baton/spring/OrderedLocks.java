package dev.baton.spring;

import dev.baton.AcquireTimeoutException;
import dev.baton.AsyncLock;
import dev.baton.Permit;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Takes several keys' locks of one per-key family ({@link PrimitiveRegistry#lockAll}), one after
 * another in the keys' ascending natural order, so that every caller that takes keys this way
 * takes them in one order and two such callers never deadlock on them.
 *
 * <p>The result completes with one {@link Permit} for all of them once the last is granted. It
 * fails, holding nothing, if a wait fails or cannot start, or the deadline passes (an
 * {@link AcquireTimeoutException} naming the family, and saying what held it up when the key's
 * wait did); cancelling it, or completing it any other way from outside ({@code orTimeout}, say),
 * withdraws the pending wait and gives back the locks already taken. Keys are compared, never
 * shown.
 *
 * <p>A completion from outside races the step that starts the next wait: the step publishes
 * its wait in {@link #pending} and then reads whether the result is done, while the completion's
 * hook marks the result done and then reads {@link #pending}. Both are volatile, so at least one
 * of them sees the other and withdraws the wait.
 */
final class OrderedLocks {

  private final String name;
  private final List<AsyncLock> locks;
  private final long deadlineNanos;
  private final Duration timeout;
  private final CompletableFuture<Permit> result = new CompletableFuture<>();
  /** Granted so far, in order; touched by one step at a time. */
  private final List<Permit> taken = new ArrayList<>();
  /** The wait in progress, withdrawn if the result is cancelled. */
  private volatile CompletableFuture<Permit> pending;

  private OrderedLocks(String name, List<AsyncLock> locks, Duration timeout) {
    this.name = name;
    this.locks = locks;
    this.timeout = timeout;
    this.deadlineNanos = System.nanoTime() + timeout.toNanos();
  }

  /**
   * Takes the locks of {@code keys} (duplicates once) of family {@code name} in ascending order.
   *
   * @throws IllegalArgumentException if a key is not {@code Comparable} to the others, naming
   *     the family and the key's class, never the key
   */
  static CompletableFuture<Permit> acquire(PrimitiveRegistry registry, String name,
      Collection<?> keys, Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    List<AsyncLock> locks = new ArrayList<>(keys.size());
    for (Object key : sorted(name, keys)) {
      locks.add(registry.lock(name, key));
    }
    OrderedLocks ordered = new OrderedLocks(name, locks, timeout);
    ordered.result.whenComplete((permit, failure) -> {
      // Done, by the last grant, a failure or from outside: a wait still pending is withdrawn
      // (after a grant or a failure there is none, and cancelling a done wait changes nothing).
      CompletableFuture<Permit> waiting = ordered.pending;
      if (waiting != null) {
        waiting.cancel(false);
      }
    });
    ordered.next();
    return ordered.result;
  }

  private static TreeSet<Object> sorted(String name, Collection<?> keys) {
    TreeSet<Object> sorted = new TreeSet<>();
    for (Object key : keys) {
      Objects.requireNonNull(key, "key");
      try {
        sorted.add(key);
      } catch (ClassCastException e) {
        throw new IllegalArgumentException("lockAll takes the keys of per-key lock '" + name
            + "' in their natural order, but a key of " + key.getClass().getName()
            + " is not Comparable to the others (the keys are not shown)", e);
      }
    }
    return sorted;
  }

  /** Waits for the next lock, or completes with all of them. */
  private void next() {
    if (taken.size() == locks.size()) {
      if (!result.complete(new AllPermits(List.copyOf(taken)))) {
        releaseTaken();
      }
      return;
    }
    long left = deadlineNanos - System.nanoTime();
    if (left <= 0) {
      fail(new AcquireTimeoutException("lock", name, timeout));
      return;
    }
    CompletableFuture<Permit> waiting;
    try {
      waiting = locks.get(taken.size()).acquire(Duration.ofNanos(left));
    } catch (RuntimeException refused) {
      // Thrown rather than failed (a closed Redis backend refuses so): inside a grant's callback
      // it would be lost, leaving the keys taken held and the result pending.
      fail(refused);
      return;
    }
    pending = waiting;
    if (result.isDone()) {
      waiting.cancel(false); // completed from outside since the hook read the wait before
    }
    waiting.whenComplete((permit, failure) -> {
      Throwable cause = failure instanceof CompletionException && failure.getCause() != null
          ? failure.getCause() : failure;
      if (cause instanceof AcquireTimeoutException timedOut) {
        fail(new AcquireTimeoutException("lock", name, timeout, timedOut.blockers()));
      } else if (failure != null) {
        fail(failure);
      } else if (result.isDone()) {
        permit.release();
        releaseTaken();
      } else {
        taken.add(permit);
        next();
      }
    });
  }

  private void fail(Throwable failure) {
    releaseTaken();
    result.completeExceptionally(failure);
  }

  private void releaseTaken() {
    for (int i = taken.size() - 1; i >= 0; i--) {
      taken.get(i).close();
    }
    taken.clear();
  }

  /**
   * The permits of all the keys, given back in reverse order by one release. A key's release
   * that throws (its lock lost the permit: a shared backend's lease) does not stop the others';
   * the first such failure is thrown once all are released, the later ones suppressed in it.
   */
  private record AllPermits(List<Permit> permits, AtomicBoolean released) implements Permit {

    AllPermits(List<Permit> permits) {
      this(permits, new AtomicBoolean());
    }

    @Override
    public void release() {
      if (!released.compareAndSet(false, true)) {
        throw new IllegalStateException("the permit of several keys of a per-key lock was"
            + " already released: release it once, or use close() where cleanup may run twice");
      }
      RuntimeException failure = null;
      for (int i = permits.size() - 1; i >= 0; i--) {
        try {
          permits.get(i).release();
        } catch (RuntimeException e) {
          if (failure == null) {
            failure = e;
          } else {
            failure.addSuppressed(e);
          }
        }
      }
      if (failure != null) {
        throw failure;
      }
    }

    @Override
    public void close() {
      if (released.compareAndSet(false, true)) {
        for (int i = permits.size() - 1; i >= 0; i--) {
          permits.get(i).close();
        }
      }
    }

    /** Released, or holding nothing any more because every key's lock lost its permit. */
    @Override
    public boolean isReleased() {
      return released.get()
          || !permits.isEmpty() && permits.stream().allMatch(Permit::isReleased);
    }

    /** The token of the lowest key's lock, the first taken. */
    @Override
    public long token() {
      return permits.isEmpty() ? 0 : permits.get(0).token();
    }
  }
}
