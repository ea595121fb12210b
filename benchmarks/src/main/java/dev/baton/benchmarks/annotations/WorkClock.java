package dev.baton.benchmarks.annotations;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The saturated benchmark's downstream: completes each call's future {@code delayMicros} after
 * the body asked for it, on time, and records how long the work really took.
 *
 * <p>Why not a {@code ScheduledExecutorService}: its thread waits in a timed park, which Linux
 * rounds up by the thread's timer slack (50 µs by default) plus a wake-up, so a 10 µs delay took
 * 77 µs (median) and a 100 µs one 174 µs: the rows for short work measured much longer work. This
 * clock's one thread instead spins ({@link Thread#onSpinWait()}) until the earliest pending
 * future is due and completes it then. It parks only when the next future is more than
 * {@link #PARK_AHEAD_NANOS} away (1 ms work), waking that much early and spinning the rest, and
 * when nothing has been pending for {@link #IDLE_NANOS} (between iterations and trials).
 *
 * <p>The cost, the same for every limiter: while calls are pending the clock thread keeps one of
 * the machine's cores busy, so on two cores the callers and the limiter share the other one.
 * Every completion runs the future's dependents on the clock thread (a limiter's release, the
 * next body), so a slow completion delays the next one due; that lateness is part of the work's
 * measured length ({@link #meanWorkNanos()}), which the benchmark reports and checks.
 *
 * <p>All calls of a benchmark share one delay, so the queue is in due order (up to races between
 * submitters, of nanoseconds): only its head is watched.
 *
 * <p>{@link #scheduled} makes the clock the earlier rounds used, a one-thread
 * {@code ScheduledExecutorService}, with the same figures, to compare with them.
 */
final class WorkClock implements AutoCloseable {

  /** A future more than this far off is waited for in a park, then by spinning. */
  static final long PARK_AHEAD_NANOS = TimeUnit.MICROSECONDS.toNanos(200);
  /** With nothing pending for this long, the clock parks until a future is submitted. */
  static final long IDLE_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

  private record Work(long startNanos, long dueNanos, CompletableFuture<Integer> future,
      Runnable done) {
  }

  private final long delayNanos;
  private final ConcurrentLinkedQueue<Work> due = new ConcurrentLinkedQueue<>();
  /** The spinning thread, or null for a {@link #scheduled} clock. */
  private final Thread thread;
  /** The scheduler of a {@link #scheduled} clock, or null. */
  private final ScheduledExecutorService scheduler;
  private volatile boolean running = true;
  private volatile boolean idle;

  // Written by the clock thread alone; read by the benchmark thread between operations.
  private volatile long completed;
  private volatile long workNanosSum;

  private WorkClock(long delayMicros, boolean spinning) {
    this.delayNanos = TimeUnit.MICROSECONDS.toNanos(delayMicros);
    ThreadFactory daemons = runnable -> {
      Thread daemon = new Thread(runnable, "work-clock");
      daemon.setDaemon(true);
      return daemon;
    };
    if (spinning) {
      scheduler = null;
      thread = daemons.newThread(this::run);
      thread.start();
    } else {
      scheduler = Executors.newSingleThreadScheduledExecutor(daemons);
      thread = null;
    }
  }

  /** The spinning clock described above. */
  static WorkClock spinning(long delayMicros) {
    return new WorkClock(delayMicros, true);
  }

  /** A one-thread {@code ScheduledExecutorService}: late by the timer slack and a wake-up. */
  static WorkClock scheduled(long delayMicros) {
    return new WorkClock(delayMicros, false);
  }

  /**
   * A future that this clock completes with 1 once the delay has passed from now; {@code done}
   * runs just before it completes.
   */
  CompletableFuture<Integer> submit(Runnable done) {
    long now = System.nanoTime();
    CompletableFuture<Integer> future = new CompletableFuture<>();
    Work work = new Work(now, now + delayNanos, future, done);
    if (scheduler != null) {
      scheduler.schedule(() -> complete(work, System.nanoTime()), delayNanos,
          TimeUnit.NANOSECONDS);
      return future;
    }
    due.add(work);
    if (idle) {
      LockSupport.unpark(thread);
    }
    return future;
  }

  /** Clears the figures below. */
  void resetFigures() {
    completed = 0;
    workNanosSum = 0;
  }

  /** Mean time from a submission to its completion since the last {@link #resetFigures()}. */
  double meanWorkNanos() {
    long n = completed;
    return n == 0 ? 0 : (double) workNanosSum / n;
  }

  @Override
  public void close() throws InterruptedException {
    if (scheduler != null) {
      scheduler.shutdownNow();
      return;
    }
    running = false;
    LockSupport.unpark(thread);
    thread.join();
  }

  private void run() {
    long lastActive = System.nanoTime();
    while (running) {
      Work next = due.peek();
      long now = System.nanoTime();
      if (next == null) {
        if (now - lastActive > IDLE_NANOS) {
          idle = true;
          if (due.isEmpty() && running) {
            LockSupport.park(this);
          }
          idle = false;
          lastActive = System.nanoTime();
        } else {
          Thread.onSpinWait();
        }
      } else if (now - next.dueNanos() >= 0) {
        due.poll();
        complete(next, now);
        lastActive = System.nanoTime();
      } else if (next.dueNanos() - now > PARK_AHEAD_NANOS) {
        LockSupport.parkNanos(this, next.dueNanos() - now - PARK_AHEAD_NANOS);
      } else {
        Thread.onSpinWait();
      }
    }
  }

  /** Runs on the clock's one thread. */
  private void complete(Work work, long now) {
    work.done().run();
    completed++;
    workNanosSum += now - work.startNanos();
    work.future().complete(1);
  }
}
