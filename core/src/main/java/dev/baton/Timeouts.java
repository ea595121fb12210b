package dev.baton;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.PriorityQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The one thread that expires every timed wait in the JVM, and the few that complete what it
 * expires; all started on first use.
 *
 * <p>Arming and cancelling a timeout take no lock, so a thread that queues a timed wait never
 * parks on another's: arming pushes the timeout onto a lock-free stack, the inbox, and wakes the
 * expiry thread only when it must; cancelling is one volatile write. The expiry thread only
 * decides: a due timeout withdraws its waiter (a short step under the primitive's guard), and the
 * failure of the timed-out future, whose callbacks are user code, runs on a completer thread
 * ({@link #completeOffExpiryThread}), as do the grants a withdrawal passes on. So a slow callback
 * delays no timeout, and one that blocks holds only its completer: timeouts fail late only while
 * all {@link #COMPLETERS} completers are blocked.
 *
 * <p>These threads are Baton's own, whoever happens to start them: daemons of normal priority
 * that inherit no inheritable thread-locals and whose context class loader is Baton's, not the
 * first caller's. Completers end after {@link #COMPLETER_IDLE} without work.
 *
 * <p>Implementation overview. Only the expiry thread touches {@link #pending}, a heap by
 * deadline. Each turn of its loop moves the inbox into the heap, runs the timeouts that are due,
 * drops the cancelled ones, then publishes in {@link #wakeAt} when it will next look (with nothing
 * pending: later than any deadline) and parks until then. While it works {@code wakeAt} is
 * {@link #AWAKE}, a value no published time takes. The two steps that cross (an arming
 * thread pushes, then reads {@code wakeAt}; the expiry thread writes {@code wakeAt}, then reads
 * the inbox) are volatile, so at least one sees the other: a timeout due before the published
 * time unparks the thread, or the thread finds it before parking. Pushes also wake the thread
 * every {@link #INBOX_BATCH} timeouts, so the inbox stays short while every deadline is far off.
 *
 * <p>Cancelled timeouts drop their task at once (nothing they would complete stays reachable)
 * and leave the heap when they reach its top or when the heap has grown to twice its live size
 * since the last sweep, so the heap stays within a constant factor of the live timeouts.
 */
final class Timeouts {

  /** "Wait as long as it takes": a wait with this timeout arms no timer. Compared by identity. */
  static final Duration NEVER = Duration.ofSeconds(Long.MAX_VALUE);

  /** {@link #wakeAt} while the expiry thread is not parked: arming needs to wake nobody. */
  private static final long AWAKE = Long.MIN_VALUE;
  /** Every this many pushes onto the inbox, the pusher wakes the expiry thread to drain it. */
  private static final int INBOX_BATCH = 1 << 10;
  /** Sweeps of cancelled timeouts wait until the heap has at least this many entries. */
  private static final int MIN_SWEEP = 1 << 10;
  /** Completer threads at most; started one per completion until there are this many. */
  static final int COMPLETERS = Math.max(4, Runtime.getRuntime().availableProcessors());
  /** How long a completer thread waits for work before it ends. */
  private static final Duration COMPLETER_IDLE = Duration.ofSeconds(10);
  /** Deadlines are at most this far off, so comparing two by subtraction never overflows. */
  private static final long MAX_DELAY_NANOS = Long.MAX_VALUE >> 2;
  /** How far off the expiry thread sets its wake-up when nothing is pending: after any deadline. */
  private static final long IDLE_NANOS = Long.MAX_VALUE >> 1;

  private static final VarHandle INBOX;

  static {
    try {
      INBOX = MethodHandles.lookup().findStaticVarHandle(Timeouts.class, "inbox", Timeout.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** Timeouts armed and not yet moved to {@link #pending}, newest first. */
  private static volatile Timeout inbox;
  /** When the parked expiry thread will next look, in {@link System#nanoTime()}; or AWAKE. */
  private static volatile long wakeAt = AWAKE;

  /** Confined to the expiry thread. */
  private static final PriorityQueue<Timeout> pending =
      new PriorityQueue<>((a, b) -> Long.signum(a.deadline - b.deadline));
  /** Confined to the expiry thread: heap size at which the next sweep runs. */
  private static int sweepAt = MIN_SWEEP;

  private Timeouts() {}

  /** A timeout armed by {@link #schedule}. */
  static final class Timeout {
    final long deadline;
    /** What runs at the deadline; null once cancelled or run. */
    private volatile Runnable task;
    /** The next older timeout in the inbox; written before this one is pushed. */
    private Timeout next;
    /** Timeouts in the inbox up to and including this one, so pushers know when to wake. */
    private int depth;

    private Timeout(Runnable task, long deadline) {
      this.task = task;
      this.deadline = deadline;
    }

    /** Makes sure the task will not run, unless it has started; lock-free, idempotent. */
    void cancel() {
      task = null;
    }

    private boolean isCancelled() {
      return task == null;
    }
  }

  private static final class ExpiryThread {
    static final Thread INSTANCE = start();

    private static Thread start() {
      Thread t = newThread(Timeouts::expireForever, "baton-timeouts");
      t.start();
      return t;
    }
  }

  /**
   * The completer threads, which complete futures whose callbacks a thread must not run itself:
   * Baton's own daemons, started on first use.
   */
  static Executor completers() {
    return Completers.INSTANCE;
  }

  /** The completer threads: a fixed pool started and ended on demand, with a queue unbounded. */
  private static final class Completers {
    static final ThreadPoolExecutor INSTANCE = start();

    private static ThreadPoolExecutor start() {
      AtomicInteger started = new AtomicInteger();
      ThreadPoolExecutor pool = new ThreadPoolExecutor(COMPLETERS, COMPLETERS,
          COMPLETER_IDLE.toNanos(), TimeUnit.NANOSECONDS, new LinkedBlockingQueue<>(),
          body -> newThread(body, "baton-timeouts-completer-" + started.incrementAndGet()));
      pool.allowCoreThreadTimeOut(true);
      return pool;
    }
  }

  /**
   * A thread of Baton's own: a daemon of normal priority that inherits no inheritable
   * thread-locals from the thread creating it and uses Baton's class loader as its context class
   * loader.
   */
  static Thread newThread(Runnable body, String name) {
    Thread t = new Thread(null, body, name, 0, false);
    t.setDaemon(true);
    t.setPriority(Thread.NORM_PRIORITY);
    t.setContextClassLoader(Timeouts.class.getClassLoader());
    return t;
  }

  /**
   * Runs {@code task} on the expiry thread once {@code delay} has passed, unless cancelled. The
   * task must be short and run no user code: see {@link #completeOffExpiryThread}.
   */
  static Timeout schedule(Runnable task, Duration delay) {
    Thread expiry = ExpiryThread.INSTANCE;
    Timeout t = new Timeout(task, System.nanoTime() + Math.min(saturatedNanos(delay),
        MAX_DELAY_NANOS));
    Timeout head;
    do {
      head = inbox;
      t.next = head;
      t.depth = head == null ? 1 : head.depth + 1;
    } while (!INBOX.compareAndSet(head, t));
    long w = wakeAt;
    if ((w != AWAKE && t.deadline - w < 0) || t.depth % INBOX_BATCH == 0) {
      LockSupport.unpark(expiry);
    }
    return t;
  }

  /**
   * Runs {@code completion}, which completes what a timeout decided, on a completer thread; for
   * the tasks run by the expiry thread, which must not run the callbacks of the futures they fail.
   */
  static void completeOffExpiryThread(Runnable completion) {
    Completers.INSTANCE.execute(completion);
  }

  /** Whether a wait with this timeout may be queued at all; zero and negative time out at once. */
  static boolean isPositive(Duration timeout) {
    return !(timeout.isNegative() || timeout.isZero());
  }

  private static void expireForever() {
    for (;;) {
      Thread.interrupted(); // nobody may stop this thread; a pending interrupt would spin it
      wakeAt = AWAKE;
      drainInbox();
      long next = runDue();
      sweepIfGrown();
      wakeAt = next == AWAKE ? next + 1 : next;
      if (inbox == null) {
        LockSupport.parkNanos(Timeouts.class, next - System.nanoTime());
      }
    }
  }

  private static void drainInbox() {
    for (Timeout t = (Timeout) INBOX.getAndSet(null), older; t != null; t = older) {
      older = t.next;
      t.next = null;
      if (!t.isCancelled()) {
        pending.add(t);
      }
    }
  }

  /**
   * Runs the due timeouts and drops cancelled ones from the top; returns the deadline of the
   * earliest left, or, if none is, a time after every deadline that can be armed.
   */
  private static long runDue() {
    for (Timeout top; (top = pending.peek()) != null; ) {
      if (!top.isCancelled() && top.deadline - System.nanoTime() > 0) {
        return top.deadline;
      }
      pending.poll();
      Runnable task = top.task;
      if (task != null) {
        top.task = null;
        run(task);
      }
    }
    return System.nanoTime() + IDLE_NANOS;
  }

  private static void sweepIfGrown() {
    if (pending.size() >= sweepAt) {
      pending.removeIf(Timeout::isCancelled);
      sweepAt = Math.max(MIN_SWEEP, 2 * pending.size());
    }
  }

  /** Runs a due task; the grants it makes (a withdrawal may pass one on) go to a completer. */
  private static void run(Runnable task) {
    try {
      Grants.offload(task, Completers.INSTANCE);
    } catch (Throwable failure) {
      Thread self = Thread.currentThread();
      self.getUncaughtExceptionHandler().uncaughtException(self, failure);
    }
  }

  private static long saturatedNanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException tooLong) {
      return Long.MAX_VALUE;
    }
  }
}
