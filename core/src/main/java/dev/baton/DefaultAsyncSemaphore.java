package dev.baton;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The {@link AsyncSemaphore} of {@link AsyncSemaphore#create(int)}.
 *
 * <p>Implementation overview. Three counters that only grow hold the whole semaphore:
 * <pre>
 *   state      = grants &lt;&lt; 1 | QUEUED     grants: permits ever handed out
 *   returned   = permits ever given back to the free pool
 *   handedOver = permits ever released straight to a waiter, under the guard
 *   held       = grants - returned - handedOver  (at most maxPermits)
 * </pre>
 * The grant that moves {@code grants} to {@code g} carries fencing token {@code g}, so tokens come
 * from the CAS that takes the permit and need no counter of their own. QUEUED is set exactly while
 * the wait queue is non-empty; while it is set no acquire takes a permit without the guard, so a
 * racing {@code tryAcquire} cannot barge.
 *
 * <p>Fast paths, no guard: acquire CASes {@code grants} up while QUEUED is clear and fewer than
 * maxPermits are held; release, finding QUEUED clear, adds one to {@code returned}, then reads
 * QUEUED again. Slow paths take {@link #guard}: enqueueing sets QUEUED, then takes a permit that
 * came back meanwhile (clearing QUEUED again) or joins the queue; a release that finds QUEUED set
 * before it gives its permit back hands it over to the oldest waiter (counting it in
 * {@code handedOver}, written only there and before {@code state}, so a reader of the new state
 * sees it), or gives it back if the queue emptied meanwhile; one that finds QUEUED set after it
 * gave its permit back grants; a withdrawal that empties the queue clears QUEUED. "Grants" means:
 * hand the permits that are free to the oldest waiters, under the guard. The two steps that
 * cross (a release adds to {@code returned} and then reads QUEUED; an enqueuer sets QUEUED and
 * then reads {@code returned}) are both volatile, so at least one of them sees the other: a
 * returned permit never sits free while a waiter waits, beyond the moment that grant takes.
 * While QUEUED is set only the guard's holder writes {@code state}.
 */
final class DefaultAsyncSemaphore implements AsyncSemaphore {

  private static final long QUEUED = 1;
  private static final long ONE_GRANT = 2;
  private static final VarHandle STATE;
  private static final VarHandle RETURNED;
  private static final VarHandle HANDED_OVER;

  static {
    try {
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      STATE = lookup.findVarHandle(DefaultAsyncSemaphore.class, "state", long.class);
      RETURNED = lookup.findVarHandle(DefaultAsyncSemaphore.class, "returned", long.class);
      HANDED_OVER = lookup.findVarHandle(DefaultAsyncSemaphore.class, "handedOver", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final int maxPermits;
  /** grants &lt;&lt; 1 | QUEUED; grants only increases. */
  private volatile long state;
  /** Permits given back to the free pool so far; only increases. */
  private volatile long returned;
  /** Permits released straight to a waiter so far; only increases, written under the guard. */
  private volatile long handedOver;
  /** Guards the wait queue and every state change while QUEUED is set. */
  private final Guard guard = new Guard();
  /** Acquires waiting for a permit, oldest first; non-empty exactly while QUEUED is set. */
  private final WaitQueue<Waiter<Permit>> waiters = new WaitQueue<>(guard,
      () -> state = state & ~QUEUED);

  DefaultAsyncSemaphore(int permits) {
    this.maxPermits = Arguments.requirePositive(permits, "permits");
  }

  @Override
  public CompletableFuture<Permit> acquire() {
    long token = tryTake();
    return token != 0 ? granted(token) : enqueue(Timeouts.NEVER);
  }

  @Override
  public CompletableFuture<Permit> acquire(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    long token = tryTake();
    if (token != 0) {
      return granted(token);
    }
    if (!Timeouts.isPositive(timeout)) {
      return CompletableFuture.failedFuture(
          new AcquireTimeoutException("semaphore permit", timeout));
    }
    return enqueue(timeout);
  }

  @Override
  public Optional<Permit> tryAcquire() {
    long token = tryTake();
    return token != 0 ? Optional.of(new SemaphorePermit(token)) : Optional.empty();
  }

  /**
   * Free permits: none while waiters queue (a free permit is then already theirs). Reads the
   * counters of permits back on both sides of {@code state} and retries until they did not move,
   * so the answer held at the moment {@code state} was read.
   */
  @Override
  public int availablePermits() {
    for (;;) {
      long back = handedOver + returned;
      long s = state;
      if (back == handedOver + returned) {
        return (s & QUEUED) != 0 ? 0 : maxPermits - (int) ((s >>> 1) - back);
      }
    }
  }

  @Override
  public int maxPermits() {
    return maxPermits;
  }

  @Override
  public int waiters() {
    return waiters.size();
  }

  /** Fails the waits pending now (see {@link Withdrawals#failPending}). */
  int failPending(Supplier<? extends Throwable> failure) {
    return waiters.withdrawAll(failure);
  }

  @Override
  public String toString() {
    return "AsyncSemaphore[available=" + availablePermits() + "/" + maxPermits + ", waiters="
        + waiters() + "]";
  }

  /** Takes a permit if one is free and nobody waits: returns its token, or 0. */
  private long tryTake() {
    for (;;) {
      long s = state;
      if ((s & QUEUED) != 0 || held(s) >= maxPermits) {
        return 0;
      }
      if (STATE.compareAndSet(this, s, s + ONE_GRANT)) {
        return (s >>> 1) + 1;
      }
    }
  }

  private CompletableFuture<Permit> enqueue(Duration timeout) {
    Waiter<Permit> w = new Waiter<>(waiters, timeout, "semaphore permit");
    long token = 0;
    guard.lock();
    try {
      for (;;) {
        long s = state;
        if ((s & QUEUED) == 0 && held(s) < maxPermits) {
          if (STATE.compareAndSet(this, s, s + ONE_GRANT)) {
            token = (s >>> 1) + 1;
            break;
          }
        } else if ((s & QUEUED) != 0 || STATE.compareAndSet(this, s, s | QUEUED)) {
          if ((s & QUEUED) == 0 && held(s) < maxPermits) {
            // We set QUEUED on an empty queue, and a release that gave a permit back before
            // that saw QUEUED clear and granted nothing. Take its permit here rather than queue
            // and be granted it, which would show a waiter after that release has returned.
            state = s + ONE_GRANT;
            token = (s >>> 1) + 1;
          } else {
            // A release racing from here on sees QUEUED and waits for the guard, so granting
            // ourselves a permit it gave back is linearizable, and spares the hand-off.
            waiters.add(w);
            grantFreePermits();
          }
          break;
        }
      }
    } finally {
      guard.unlock();
      Grants.deliverDeferred();
    }
    return token != 0 ? granted(token) : w.armTimeout();
  }

  /**
   * Hands one released permit over to the oldest waiter if one waits, else gives it back and
   * grants it if a waiter has queued meanwhile.
   */
  private void releasePermit() {
    if ((state & QUEUED) != 0 && handOver()) {
      return;
    }
    RETURNED.getAndAdd(this, 1L);
    if ((state & QUEUED) == 0) {
      return;
    }
    guard.lock();
    try {
      grantFreePermits();
    } finally {
      guard.unlock();
      Grants.deliverDeferred();
    }
  }

  /**
   * Grants a permit being released to the oldest waiter, without giving it back first; false if
   * the queue emptied meanwhile, and the permit is still to give back.
   */
  private boolean handOver() {
    Waiter<Permit> next;
    guard.lock();
    try {
      long s = state;
      if ((s & QUEUED) == 0) {
        return false;
      }
      HANDED_OVER.setRelease(this, handedOver + 1);
      next = grant(s);
    } finally {
      guard.unlock();
    }
    Grants.deliver(next);
    return true;
  }

  /**
   * Under the guard: while waiters queue and a permit is free, grants the oldest waiter one,
   * clearing QUEUED with the last, and defers its completion ({@link Grants#defer}) to the caller's
   * {@link Grants#deliverDeferred} once the guard is released. Withdrawals are decided under the
   * guard too, so each polled waiter is still waiting and its grant cannot fail.
   */
  private void grantFreePermits() {
    for (;;) {
      long s = state;
      if ((s & QUEUED) == 0 || held(s) >= maxPermits) {
        return;
      }
      Grants.defer(grant(s));
    }
  }

  /**
   * Under the guard, with QUEUED set in {@code s}, the current state: grants a permit to the
   * oldest waiter, clearing QUEUED if it was the last, and returns that waiter, to be completed
   * once the guard is released.
   */
  private Waiter<Permit> grant(long s) {
    Waiter<Permit> next = waiters.poll();
    // A release store: no fast path reads this state while QUEUED is set, and a release that
    // misses a QUEUED cleared here takes the guard and finds nothing to grant.
    STATE.setRelease(this, waiters.isEmpty() ? (s + ONE_GRANT) & ~QUEUED : s + ONE_GRANT);
    next.grant(new SemaphorePermit((s >>> 1) + 1));
    return next;
  }

  /** Permits held in state {@code s}: granted, and neither given back nor handed over. */
  private long held(long s) {
    return (s >>> 1) - returned - handedOver;
  }

  private CompletableFuture<Permit> granted(long token) {
    return CompletableFuture.completedFuture(new SemaphorePermit(token));
  }

  /** One held permit; releases once. */
  private final class SemaphorePermit implements Permit {
    private static final VarHandle RELEASED;

    static {
      try {
        RELEASED = MethodHandles.lookup()
            .findVarHandle(SemaphorePermit.class, "released", boolean.class);
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
