package dev.baton;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * Completes granted waiters on the calling thread without recursion.
 *
 * <p>Completing a future runs its callbacks, and a callback may release, set or signal again,
 * which grants the next waiter, whose callbacks release again, and so on. Run directly, a chain
 * of 100,000 such hand-offs overflows the stack. Instead each thread keeps a queue of waiters to
 * complete: the outermost call drains it, nested calls only append. Every grant is still
 * completed on the calling thread before its outermost call returns, in the order granted; a
 * callback that blocks on a waiter hands the queue to another thread first
 * ({@link #deliverBeforeBlocking}).
 *
 * <p>A primitive that grants on a hot path can skip collecting its grants: it {@link #defer}s
 * each one to this queue as it decides it, under its guard, and calls {@link #deliverDeferred}
 * once it has released the guard, in a {@code finally} so that no deferred grant is left behind.
 *
 * <p>The one thread that must not complete what it grants, the timeouts' expiry thread, runs its
 * tasks through {@link #offload}, which hands their grants to another thread to complete.
 */
final class Grants {

  private static final ThreadLocal<Grants> CURRENT = ThreadLocal.withInitial(Grants::new);

  /** Waiters granted on this thread and not yet completed, oldest first. */
  private final ArrayDeque<Waiter<?>> pending = new ArrayDeque<>();
  /** Whether an outer frame on this thread is draining {@link #pending}. */
  private boolean draining;
  /** Whether this thread runs an {@link #offload} action, whose grants another thread completes. */
  private boolean offloading;

  private Grants() {}

  /** Completes {@code w}, or queues it behind the completions already running on this thread. */
  static void deliver(Waiter<?> w) {
    Grants g = CURRENT.get();
    g.pending.add(w);
    g.drainUnlessDraining();
  }

  /** Completes every waiter of {@code granted}, in order, as {@link #deliver} does. */
  static void deliverAll(List<? extends Waiter<?>> granted) {
    if (granted.isEmpty()) {
      return;
    }
    Grants g = CURRENT.get();
    g.pending.addAll(granted);
    g.drainUnlessDraining();
  }

  /**
   * Completes {@code w}, granted already, before returning, even while this thread drains: for a
   * call that finds a grant in transit and must return with the future completed. On a thread
   * that {@linkplain #offload offloads}, it is queued for the completer instead, as every grant
   * made there is.
   */
  static void deliverNow(Waiter<?> w) {
    Grants g = CURRENT.get();
    if (g.offloading) {
      g.pending.add(w);
    } else {
      w.deliver();
    }
  }

  /** Queues {@code w} for the next {@link #deliverDeferred} on this thread; allocates nothing. */
  static void defer(Waiter<?> w) {
    CURRENT.get().pending.add(w);
  }

  /**
   * Hands the waiters this thread has queued behind the callbacks it is running to a completer
   * thread ({@link Timeouts#completers()}), which completes them in order, before this thread
   * blocks. A callback that blocks for one of them (it released, handing the lock to its own
   * acquire, then joins that acquire) would otherwise wait for itself; completed here instead,
   * nested in the blocked callback, their callbacks would run inside it and could wait for what
   * it holds, which it cannot let go while they run. This is the one exception to "the calling
   * thread completes them".
   */
  static void deliverBeforeBlocking() {
    Grants g = CURRENT.get();
    if (g.draining && !g.offloading) {
      g.handOff(Timeouts.completers());
    }
  }

  /**
   * Runs {@code action}, which may run user code, on this thread; on a thread that
   * {@linkplain #offload offloads} (the timeouts' expiry thread), on a completer thread instead.
   */
  static void run(Runnable action) {
    if (CURRENT.get().offloading) {
      Timeouts.completers().execute(action);
    } else {
      action.run();
    }
  }

  /** Completes the waiters deferred on this thread, as {@link #deliver} does. */
  static void deliverDeferred() {
    CURRENT.get().drainUnlessDraining();
  }

  /**
   * Runs {@code action} on this thread, which must not be draining, and has {@code completer}
   * complete what it granted, in order, once it returns; for a thread that must not run the
   * callbacks of the futures it grants.
   */
  static void offload(Runnable action, Executor completer) {
    Grants g = CURRENT.get();
    g.draining = true; // grants made by action only queue
    g.offloading = true;
    try {
      action.run();
    } finally {
      g.draining = false;
      g.offloading = false;
      g.handOff(completer);
    }
  }

  /** Has {@code completer} complete the waiters queued on this thread, in order, if any. */
  private void handOff(Executor completer) {
    if (!pending.isEmpty()) {
      List<Waiter<?>> granted = new ArrayList<>(pending);
      pending.clear();
      completer.execute(() -> deliverAll(granted));
    }
  }

  private void drainUnlessDraining() {
    if (draining) {
      return;
    }
    draining = true;
    try {
      Waiter<?> w;
      while ((w = pending.poll()) != null) {
        w.deliver();
      }
    } finally {
      draining = false;
    }
  }
}
