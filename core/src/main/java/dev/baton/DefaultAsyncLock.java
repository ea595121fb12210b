package dev.baton;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The {@link AsyncLock} of {@link AsyncLock#create()}.
 *
 * <p>Implementation overview. One {@code long} holds the whole lock:
 * <pre>
 *   state = token &lt;&lt; 2 | QUEUED | LOCKED
 * </pre>
 * {@code token} counts grants; while LOCKED it is the current holder's fencing token, so a
 * permit releases only if its token is the one in the state, and a stale permit can never
 * release a later holder. QUEUED is set exactly while the wait queue is non-empty, and implies
 * LOCKED: a release with waiters hands the lock over (new token, still LOCKED) instead of
 * unlocking, so nobody can barge in between.
 *
 * <p>Fast paths, no guard: acquire CASes an unlocked, unqueued state to LOCKED with the next
 * token; release CASes the state its permit holds (its token, LOCKED, QUEUED clear) to unlocked,
 * without reading the state first. Slow paths take {@link #guard}:
 * enqueueing sets QUEUED, a release with QUEUED set polls the oldest waiter and writes the
 * hand-off state, a withdrawal that empties the queue clears QUEUED. While QUEUED is set no fast
 * path can succeed, so the state changes only under the guard.
 */
final class DefaultAsyncLock implements AsyncLock {

  private static final long LOCKED = 1;
  private static final long QUEUED = 2;
  private static final int TOKEN_SHIFT = 2;
  private static final long ONE_TOKEN = 1L << TOKEN_SHIFT;
  private static final VarHandle STATE;

  static {
    try {
      STATE = MethodHandles.lookup().findVarHandle(DefaultAsyncLock.class, "state", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** token &lt;&lt; 2 | QUEUED | LOCKED, as described above; QUEUED implies LOCKED. */
  private volatile long state;
  /** Guards the wait queue and every state change while QUEUED is set. */
  private final Guard guard = new Guard();
  /** Acquires waiting for the lock, oldest first; non-empty exactly while QUEUED is set. */
  private final WaitQueue<Waiter<Permit>> waiters = new WaitQueue<>(guard,
      () -> STATE.getAndBitwiseAnd(this, ~QUEUED));

  @Override
  public CompletableFuture<Permit> acquire() {
    long token = tryLock();
    return token != 0 ? granted(token) : enqueue(Timeouts.NEVER);
  }

  @Override
  public CompletableFuture<Permit> acquire(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    long token = tryLock();
    if (token != 0) {
      return granted(token);
    }
    if (!Timeouts.isPositive(timeout)) {
      return CompletableFuture.failedFuture(new AcquireTimeoutException("lock", timeout));
    }
    return enqueue(timeout);
  }

  @Override
  public Optional<Permit> tryAcquire() {
    long token = tryLock();
    return token != 0 ? Optional.of(new LockPermit(token)) : Optional.empty();
  }

  @Override
  public boolean isLocked() {
    return (state & LOCKED) != 0;
  }

  @Override
  public int waiters() {
    return waiters.size();
  }

  /** Whether {@code permit} is a live permit of this lock. */
  boolean holds(Permit permit) {
    return permit instanceof LockPermit p && p.lock() == this && !p.isReleased();
  }

  /** Fails the waits pending now (see {@link Withdrawals#failPending}). */
  int failPending(Supplier<? extends Throwable> failure) {
    return waiters.withdrawAll(failure);
  }

  @Override
  public String toString() {
    long s = state;
    return "AsyncLock[" + ((s & LOCKED) != 0 ? "locked" : "unlocked") + ", waiters=" + waiters()
        + "]";
  }

  /** Takes the lock if it is free and nobody waits: returns the new token, or 0. */
  private long tryLock() {
    for (;;) {
      long s = state;
      if ((s & LOCKED) != 0) {
        return 0;
      }
      long next = lockedWithNextToken(s);
      if (STATE.compareAndSet(this, s, next)) {
        return next >>> TOKEN_SHIFT;
      }
    }
  }

  private CompletableFuture<Permit> enqueue(Duration timeout) {
    Waiter<Permit> w = new Waiter<>(waiters, timeout, "lock");
    long token = 0;
    guard.lock();
    try {
      for (;;) {
        long s = state;
        if ((s & LOCKED) == 0) {
          long next = lockedWithNextToken(s);
          if (STATE.compareAndSet(this, s, next)) {
            token = next >>> TOKEN_SHIFT;
            break;
          }
        } else if ((s & QUEUED) != 0 || STATE.compareAndSet(this, s, s | QUEUED)) {
          waiters.add(w);
          break;
        }
      }
    } finally {
      guard.unlock();
    }
    return token != 0 ? granted(token) : w.armTimeout();
  }

  /**
   * Releases the holder with {@code token}: unlocks, or hands the lock to the oldest waiter.
   *
   * <p>The holder knows the state it holds: one CAS from that state to unlocked. While
   * {@code token} holds the lock only QUEUED can change under it (or a concurrent release of the
   * same permit unlock it), so the witness of a failed CAS is either the held state with QUEUED
   * set (hand the lock over) or another state altogether (the permit is stale). A read of the
   * state first spares the CAS that would fail when waiters queue, the hand-off's common case;
   * the guard then settles it.
   *
   * @return false if {@code token} does not hold the lock (a stale or twice-released permit)
   */
  private boolean release(long token) {
    long held = (token << TOKEN_SHIFT) | LOCKED;
    if (state == (held | QUEUED)) {
      return handOff(token);
    }
    long witness = (long) STATE.compareAndExchange(this, held, held & ~LOCKED);
    if (witness == held) {
      return true;
    }
    return witness == (held | QUEUED) && handOff(token);
  }

  private boolean handOff(long token) {
    Waiter<Permit> next;
    guard.lock();
    try {
      long s = state;
      if (!isHeldBy(s, token)) {
        return false;
      }
      if ((s & QUEUED) == 0) {
        // The last waiter withdrew after our unguarded read: nobody to hand over to. The fast
        // path is open again, so a second close() of this permit may unlock, and a newcomer lock,
        // at any moment: unlock only the state this token holds. A failed CAS means that second
        // close released it first.
        return STATE.compareAndSet(this, s, s & ~LOCKED);
      }
      // QUEUED is set under the guard, so the queue is non-empty; withdrawals are decided under
      // the guard too, so the oldest waiter is still waiting and the grant cannot fail. The
      // state carries the new token before the grant is decided: from then on a cancel may
      // deliver the permit on another thread, whose release must find its token.
      next = waiters.poll();
      long handedOver = lockedWithNextToken(s);
      STATE.setRelease(this, waiters.isEmpty() ? handedOver & ~QUEUED : handedOver);
      next.grant(new LockPermit(handedOver >>> TOKEN_SHIFT));
    } finally {
      guard.unlock();
    }
    Grants.deliver(next);
    return true;
  }

  private static boolean isHeldBy(long s, long token) {
    return (s & LOCKED) != 0 && (s >>> TOKEN_SHIFT) == token;
  }

  private static long lockedWithNextToken(long s) {
    return (s + ONE_TOKEN) | LOCKED;
  }

  private CompletableFuture<Permit> granted(long token) {
    return CompletableFuture.completedFuture(new LockPermit(token));
  }

  /** The permit of one grant: holds the lock while the state carries its token. */
  private final class LockPermit implements Permit {
    private final long token;

    LockPermit(long token) {
      this.token = token;
    }

    DefaultAsyncLock lock() {
      return DefaultAsyncLock.this;
    }

    @Override
    public void release() {
      if (!DefaultAsyncLock.this.release(token)) {
        throw new IllegalStateException(
            "lock permit " + token + " was already released: release each permit once, or use"
                + " close() where cleanup may run twice");
      }
    }

    @Override
    public boolean isReleased() {
      return !isHeldBy(state, token);
    }

    @Override
    public long token() {
      return token;
    }

    @Override
    public void close() {
      DefaultAsyncLock.this.release(token);
    }

    @Override
    public String toString() {
      return "LockPermit[token=" + token + (isReleased() ? ", released]" : ", held]");
    }
  }
}
