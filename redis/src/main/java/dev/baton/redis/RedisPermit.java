package dev.baton.redis;

import dev.baton.Permit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A permit of a lock or semaphore on Redis: a lease that its {@link RedisBackend} renews until it
 * is released. A permit whose lease could not be renewed in time is {@linkplain #isLost() lost}:
 * it reads as released, and {@link #release()} throws {@link LeaseLostException}. Its
 * {@link #token()} is the fencing token a guarded resource should check.
 */
public final class RedisPermit implements Permit {

  private static final int HELD = 0;
  private static final int RELEASED = 1;
  private static final int LOST = 2;

  private final RemotePermits owner;
  private final String id;
  private final long token;
  private final AtomicInteger state = new AtomicInteger(HELD);
  /** Redis time (ms) by which the lease runs out unless renewed: an estimate never too late. */
  private volatile long leaseEnd;

  RedisPermit(RemotePermits owner, String id, long token) {
    this.owner = owner;
    this.id = id;
    this.token = token;
  }

  void renewed(long leaseEnd) {
    this.leaseEnd = leaseEnd;
  }

  long leaseEnd() {
    return leaseEnd;
  }

  String id() {
    return id;
  }

  RemotePermits owner() {
    return owner;
  }

  @Override
  public void release() {
    checkLease();
    if (state.compareAndSet(HELD, RELEASED)) {
      owner.release(this);
      return;
    }
    if (state.get() == LOST) {
      throw new LeaseLostException(owner.keys() + ": the lease of permit " + token
          + " ran out before this release (it could not be renewed in time), so the permit may"
          + " have been granted to another holder since");
    }
    throw new IllegalStateException("permit " + token + " of " + owner.keys()
        + " was already released: release each permit once, or use close() where cleanup may"
        + " run twice");
  }

  @Override
  public void close() {
    checkLease();
    if (state.compareAndSet(HELD, RELEASED)) {
      owner.release(this);
    }
  }

  /**
   * Marks this permit lost if its lease has run out unrenewed (this JVM paused, or Redis was out
   * of reach), as the next renewal tick would: a release must not pass for one that held the
   * lock to the end.
   */
  private void checkLease() {
    if (state.get() == HELD && owner.leaseRanOut(this)) {
      owner.lost(this, "its lease had run out unrenewed when it was released");
    }
  }

  /** Whether this permit holds nothing any more: released, or its lease lost. */
  @Override
  public boolean isReleased() {
    return state.get() != HELD;
  }

  /** Whether this permit's lease ran out before it was released. */
  public boolean isLost() {
    return state.get() == LOST;
  }

  /**
   * Marks this permit released without releasing it in Redis, for a script that releases it
   * itself (a condition's await); false if it had been released (or lost) already.
   */
  boolean handOver() {
    return state.compareAndSet(HELD, RELEASED);
  }

  /** Marks this permit lost; false if it had been released (or marked) already. */
  boolean markLost() {
    return state.compareAndSet(HELD, LOST);
  }

  /** Marks this permit, released already, lost: Redis found its lease over at the release. */
  void lostAtRelease() {
    state.compareAndSet(RELEASED, LOST);
  }

  @Override
  public long token() {
    return token;
  }

  @Override
  public String toString() {
    return "RedisPermit[" + owner.keys() + ", token=" + token
        + (isLost() ? ", lost]" : isReleased() ? ", released]" : ", held]");
  }
}
