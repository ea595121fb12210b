package dev.baton;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Completes granted waiters on the calling thread without recursion.
 *
 * <p>Completing a future runs its callbacks, and a callback may release, set or signal again,
 * which grants the next waiter, whose callbacks release again, and so on. Run directly, a chain
 * of 100,000 such hand-offs overflows the stack. Instead each thread keeps a queue of waiters to
 * complete: the outermost call drains it, nested calls only append. Every grant is still
 * completed on the calling thread before its outermost call returns, in the order granted; a
 * callback that blocks on a waiter hands the queue, and the rest of the drain, to another thread
 * first ({@link #deliverBeforeBlocking}).
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
  /**
   * Where the drain running on this thread sends its grants once one of its callbacks blocked
   * ({@link #deliverBeforeBlocking}); null before that, and outside a drain.
   */
  private Relay relay;
  /** The relay whose grants this thread is completing ({@link Relay#run}); else null. */
  private Relay relaying;

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
   * Before this thread blocks in a callback it runs: hands the waiters it has queued behind that
   * callback to a {@link Relay}, a thread of Baton's own that completes them in order, and with
   * them every grant this drain queues from now on, so that the order granted holds. A callback
   * that blocks for one of them (it released, handing the lock to its own acquire, then joins
   * that acquire) would otherwise wait for itself; completed here instead, nested in the blocked
   * callback, their callbacks would run inside it and could wait for what it holds, which it
   * cannot let go while they run. This is the one exception to "the calling thread completes
   * them".
   */
  static void deliverBeforeBlocking() {
    Grants g = CURRENT.get();
    if (!g.draining || g.offloading) {
      return;
    }
    Relay relayed = g.relaying;
    if (relayed != null) {
      // This thread completes a relay's grants, the next of which may be what it blocks for.
      g.relaying = null;
      if (g.relay == null) {
        g.relay = relayed;
      }
    }
    if (!g.pending.isEmpty() && g.relay == null) {
      g.relay = new Relay();
    }
    for (Waiter<?> w; (w = g.pending.poll()) != null; ) {
      g.relay.add(w);
    }
    if (relayed != null) {
      relayed.handOn();
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
      if (!g.pending.isEmpty()) {
        List<Waiter<?>> granted = new ArrayList<>(g.pending);
        g.pending.clear();
        completer.execute(() -> deliverAll(granted));
      }
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
        if (relay == null) {
          w.deliver();
        } else {
          relay.add(w); // after the grants it was handed: in order
        }
      }
    } finally {
      draining = false;
      relay = null;
    }
  }

  /**
   * Completes, one after another on a thread of Baton's own, the grants a drain handed over once
   * one of its callbacks blocked ({@link #deliverBeforeBlocking}). If a callback blocks on the
   * relay's thread in turn, another thread goes on with the relay (the blocked one stops after
   * that callback's drain), so that no grant waits behind a blocked callback. Its threads are as
   * many as relays are busy at once, so that none waits for a thread that a blocked callback
   * holds; each ends after a minute without work.
   */
  private static final class Relay implements Runnable {
    private static final ExecutorService THREADS = threads();

    private final Queue<Waiter<?>> handed = new ConcurrentLinkedQueue<>();
    /** Whether a thread is completing {@link #handed}, or about to. */
    private final AtomicBoolean running = new AtomicBoolean();

    private static ExecutorService threads() {
      AtomicInteger started = new AtomicInteger();
      return Executors.newCachedThreadPool(
          body -> Timeouts.newThread(body, "baton-grants-relay-" + started.incrementAndGet()));
    }

    void add(Waiter<?> w) {
      handed.add(w);
      schedule();
    }

    /** Called by the thread running this, about to block: another thread goes on with it. */
    void handOn() {
      running.set(false);
      if (!handed.isEmpty()) {
        schedule();
      }
    }

    private void schedule() {
      if (running.compareAndSet(false, true)) {
        THREADS.execute(this);
      }
    }

    /** Completes each waiter as {@link Grants#deliver} does on this thread, in the order handed. */
    @Override
    public void run() {
      Grants g = CURRENT.get();
      g.relaying = this;
      try {
        do {
          for (Waiter<?> w; (w = handed.poll()) != null; ) {
            deliver(w);
            if (g.relaying != this) {
              return; // a callback blocked, and handed this relay on to another thread
            }
          }
          running.set(false);
        } while (!handed.isEmpty() && running.compareAndSet(false, true));
      } finally {
        g.relaying = null;
      }
    }
  }
}
