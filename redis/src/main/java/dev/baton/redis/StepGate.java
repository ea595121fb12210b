package dev.baton.redis;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.StampedLock;

/**
 * A gate for short steps that {@link RedisBackend#close()} lets finish before it goes on, and
 * then lets no other begin. A step {@linkplain #enter() enters}, which never blocks, and
 * {@linkplain #exit exits} with the stamp it got; {@link #shut} waits for the steps under way
 * and, from then on, every enter fails. A step may still enter while shut waits, so a step checks
 * once inside whether close() has begun. Steps never run a caller's callbacks: shut would wait
 * for them.
 */
final class StepGate {

  /** Steps hold its read side; a shut gate holds its write side for good. */
  private final StampedLock lock = new StampedLock();

  /** Begins a step: its stamp, for {@link #exit}, or 0 once the gate is shut (do not step). */
  long enter() {
    return lock.tryReadLock();
  }

  /** Ends the step of {@code stamp}, from {@link #enter()}; 0, no step, does nothing. */
  void exit(long stamp) {
    if (stamp != 0) {
      lock.unlockRead(stamp);
    }
  }

  /**
   * Shuts the gate once the steps under way have ended, waiting at most {@code timeout} for
   * them; false if they had not ended by then, and the gate stays open.
   */
  boolean shut(Duration timeout) throws InterruptedException {
    return lock.tryWriteLock(timeout.toNanos(), TimeUnit.NANOSECONDS) != 0;
  }
}
