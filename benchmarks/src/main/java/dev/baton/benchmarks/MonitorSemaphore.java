package dev.baton.benchmarks;

import dev.baton.Permit;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * The simplest correct asynchronous semaphore a reader would write with a monitor: a count and a
 * FIFO of plain {@link CompletableFuture}s under {@code synchronized}, each future completed
 * outside the monitor. The yardstick of issue 15's drain ("never slower than a monitor-based
 * implementation"), not a peer: it keeps none of Baton's promises beyond FIFO grants and one
 * release per permit (a cancelled waiter still takes a permit and never gives it back, nothing
 * times out, there are no fencing tokens).
 *
 * <p>Like Baton, it completes the futures a release grants on the releasing thread without
 * recursing: a callback that releases again only queues its grant behind the ones this thread is
 * completing, so a line of a million callbacks that each release runs in constant stack.
 */
final class MonitorSemaphore {

  /**
   * Permits granted on this thread and not delivered yet (of any semaphore), and whether a frame
   * is delivering them.
   */
  private static final ThreadLocal<Trampoline> TRAMPOLINE =
      ThreadLocal.withInitial(Trampoline::new);

  private final ArrayDeque<CompletableFuture<Permit>> waiters = new ArrayDeque<>();
  private int permits;

  MonitorSemaphore(int permits) {
    this.permits = permits;
  }

  CompletableFuture<Permit> acquire() {
    CompletableFuture<Permit> f;
    synchronized (this) {
      if (permits > 0) {
        permits--;
        return CompletableFuture.completedFuture(new MonitorPermit(this, null));
      }
      f = new CompletableFuture<>();
      waiters.add(f);
    }
    return f;
  }

  synchronized int waiters() {
    return waiters.size();
  }

  synchronized int availablePermits() {
    return permits;
  }

  private void release() {
    CompletableFuture<Permit> next;
    synchronized (this) {
      next = waiters.poll();
      if (next == null) {
        permits++;
        return;
      }
    }
    Trampoline t = TRAMPOLINE.get();
    t.pending.add(new MonitorPermit(this, next));
    if (t.running) {
      return;
    }
    t.running = true;
    try {
      MonitorPermit p;
      while ((p = t.pending.poll()) != null) {
        p.grantedTo.complete(p);
      }
    } finally {
      t.running = false;
    }
  }

  private static final class Trampoline {
    final ArrayDeque<MonitorPermit> pending = new ArrayDeque<>();
    boolean running;
  }

  /** One permit: releases once. */
  private static final class MonitorPermit implements Permit {
    private static final AtomicIntegerFieldUpdater<MonitorPermit> RELEASED =
        AtomicIntegerFieldUpdater.newUpdater(MonitorPermit.class, "released");

    private final MonitorSemaphore semaphore;
    /** The waiter's future this permit completes; null for a permit taken at once. */
    private final CompletableFuture<Permit> grantedTo;
    private volatile int released;

    MonitorPermit(MonitorSemaphore semaphore, CompletableFuture<Permit> grantedTo) {
      this.semaphore = semaphore;
      this.grantedTo = grantedTo;
    }

    @Override
    public void release() {
      if (!RELEASED.compareAndSet(this, 0, 1)) {
        throw new IllegalStateException("permit already released");
      }
      semaphore.release();
    }

    @Override
    public boolean isReleased() {
      return released != 0;
    }

    @Override
    public long token() {
      return 0;
    }

    @Override
    public void close() {
      if (RELEASED.compareAndSet(this, 0, 1)) {
        semaphore.release();
      }
    }
  }
}
