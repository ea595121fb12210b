package dev.baton;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The {@link AsyncSemaphore} of {@link AsyncSemaphore#create(int)}.
 *
 * <p>Implementation overview. One {@code long} holds the count:
 * <pre>
 *   state = available &lt;&lt; 1 | QUEUED
 * </pre>
 * QUEUED is set exactly while the wait queue is non-empty and implies {@code available == 0}: a
 * released permit goes straight to the oldest waiter instead of back to the count, so a racing
 * {@code tryAcquire} cannot barge.
 *
 * <p>Fast paths, no guard: acquire CASes {@code available} down while QUEUED is clear; release
 * CASes it up while QUEUED is clear. Slow paths take {@link #guard}: enqueueing sets QUEUED, a
 * release with QUEUED set polls the oldest waiter, a withdrawal that empties the queue clears
 * QUEUED. While QUEUED is set no fast path can succeed, so the state changes only under the
 * guard. Fencing tokens come from a separate counter, taken after the grant is decided.
 */
final class DefaultAsyncSemaphore implements AsyncSemaphore {

  private static final long QUEUED = 1;
  private static final long ONE_PERMIT = 2;
  private static final VarHandle STATE;
  private static final VarHandle TOKENS;

  static {
    try {
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      STATE = lookup.findVarHandle(DefaultAsyncSemaphore.class, "state", long.class);
      TOKENS = lookup.findVarHandle(DefaultAsyncSemaphore.class, "tokens", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final int maxPermits;
  /** available &lt;&lt; 1 | QUEUED; QUEUED implies available == 0; available &lt;= maxPermits. */
  private volatile long state;
  /** The last fencing token handed out; only increases. */
  private volatile long tokens;
  /** Guards the wait queue and every state change while QUEUED is set. */
  private final ReentrantLock guard = new ReentrantLock();
  /** Acquires waiting for a permit, oldest first; non-empty exactly while QUEUED is set. */
  private final WaitQueue<Waiter<Permit>> waiters = new WaitQueue<>(guard, () -> state = 0);

  DefaultAsyncSemaphore(int permits) {
    this.maxPermits = Arguments.requirePositive(permits, "permits");
    this.state = permits * ONE_PERMIT;
  }

  @Override
  public CompletableFuture<Permit> acquire() {
    return tryTake() ? CompletableFuture.completedFuture(newPermit()) : enqueue(Timeouts.NEVER);
  }

  @Override
  public CompletableFuture<Permit> acquire(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    if (tryTake()) {
      return CompletableFuture.completedFuture(newPermit());
    }
    if (!Timeouts.isPositive(timeout)) {
      return CompletableFuture.failedFuture(new AcquireTimeoutException("semaphore permit", timeout));
    }
    return enqueue(timeout);
  }

  @Override
  public Optional<Permit> tryAcquire() {
    return tryTake() ? Optional.of(newPermit()) : Optional.empty();
  }

  @Override
  public int availablePermits() {
    return (int) (state >>> 1);
  }

  @Override
  public int maxPermits() {
    return maxPermits;
  }

  @Override
  public int waiters() {
    return waiters.size();
  }

  @Override
  public String toString() {
    return "AsyncSemaphore[available=" + availablePermits() + "/" + maxPermits + ", waiters="
        + waiters() + "]";
  }

  /** Takes a permit if one is available and nobody waits. */
  private boolean tryTake() {
    for (;;) {
      long s = state;
      if (s < ONE_PERMIT || (s & QUEUED) != 0) {
        return false;
      }
      if (STATE.compareAndSet(this, s, s - ONE_PERMIT)) {
        return true;
      }
    }
  }

  private CompletableFuture<Permit> enqueue(Duration timeout) {
    Waiter<Permit> w = new Waiter<>(waiters);
    boolean taken = false;
    guard.lock();
    try {
      for (;;) {
        long s = state;
        if (s >= ONE_PERMIT) {
          if (STATE.compareAndSet(this, s, s - ONE_PERMIT)) {
            taken = true;
            break;
          }
        } else if (s == QUEUED || STATE.compareAndSet(this, s, QUEUED)) {
          waiters.add(w);
          break;
        }
      }
    } finally {
      guard.unlock();
    }
    return taken ? CompletableFuture.completedFuture(newPermit())
        : w.expireAfter(timeout, "semaphore permit");
  }

  /** Returns one permit: to the oldest waiter if any, else to the count. */
  private void releasePermit() {
    for (;;) {
      long s = state;
      if ((s & QUEUED) != 0) {
        handOff();
        return;
      }
      if (STATE.compareAndSet(this, s, s + ONE_PERMIT)) {
        return;
      }
    }
  }

  private void handOff() {
    Waiter<Permit> next;
    guard.lock();
    try {
      if ((state & QUEUED) == 0) {
        // The last waiter withdrew after our unguarded read: no hand-off, return the permit.
        STATE.getAndAdd(this, ONE_PERMIT);
        return;
      }
      // Withdrawals are decided under the guard too, so the oldest waiter is still waiting.
      next = waiters.poll();
      next.grant(newPermit());
      state = waiters.isEmpty() ? 0 : QUEUED;
    } finally {
      guard.unlock();
    }
    Grants.deliver(next);
  }

  private SemaphorePermit newPermit() {
    return new SemaphorePermit((long) TOKENS.getAndAdd(this, 1L) + 1);
  }

  /** One held permit; releases once. */
  private final class SemaphorePermit implements Permit {
    private static final VarHandle RELEASED;

    static {
      try {
        RELEASED = MethodHandles.lookup().findVarHandle(SemaphorePermit.class, "released", boolean.class);
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }

    private final long token;
    /** Set once, by the release that returns this permit. */
    private volatile boolean released;

    SemaphorePermit(long token) {
      this.token = token;
    }

    @Override
    public void release() {
      if (!tryRelease()) {
        throw new IllegalStateException(
            "semaphore permit " + token + " was already released: release each permit once, or"
                + " use close() where cleanup may run twice");
      }
    }

    @Override
    public boolean isReleased() {
      return released;
    }

    @Override
    public long token() {
      return token;
    }

    @Override
    public void close() {
      tryRelease();
    }

    private boolean tryRelease() {
      if (!RELEASED.compareAndSet(this, false, true)) {
        return false;
      }
      releasePermit();
      return true;
    }

    @Override
    public String toString() {
      return "SemaphorePermit[token=" + token + (released ? ", released]" : ", held]");
    }
  }
}
