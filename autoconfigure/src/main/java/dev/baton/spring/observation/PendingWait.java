package dev.baton.spring.observation;

import java.time.Duration;

/**
 * One wait for a registry's lock, semaphore or event that was not granted at once, from then
 * until it is granted, fails or is withdrawn, while the stall view is on: who waits
 * ({@link #call}), where ({@link #site}), for whose holds ({@link #holders}), and since when.
 * Distinct by identity. Only the stall view's waits are pending waits: each one is also what
 * settles its wait, and reads its site and holders from the primitive it waits for, so that it
 * keeps no copy. A lock's or semaphore's wait goes on, once granted, as the {@link Hold} it was
 * granted: only {@link #ended()} tells whether it still waits.
 */
public interface PendingWait {

  /** The call waiting, or null when unknown. */
  Call call();

  /**
   * What it keeps of {@link #call()} ({@link CallBits}), for a walk of many waits that would
   * rather read no call; {@link CallBits#UNKNOWN} when the call is unknown.
   */
  int callBits();

  /** The primitive waited for: its kind and name (a per-key lock's family, never its key). */
  WaitSite site();

  /** The live holds of the primitive waited for: whoever ends one may let this wait in. */
  LiveHolds holders();

  /**
   * Whether it ends by itself after a timeout; an untimed one lasts until granted or withdrawn.
   * Told by the kind of wait rather than kept in a field, so that a wait costs no flag for it.
   */
  boolean timed();

  /**
   * {@link System#nanoTime()} when it began: for comparing many waits against one reading. Once
   * it has ended, it may tell when the hold it became began instead.
   */
  long sinceNanos();

  /** How long it has waited so far, while it has not ended. */
  default Duration waitedFor() {
    return Duration.ofNanos(System.nanoTime() - sinceNanos());
  }

  /**
   * Ends the wait with {@code failure}, withdrawing it, unless it was granted or ended first.
   *
   * @return whether this ended it
   */
  boolean fail(Throwable failure);

  /**
   * Whether it was granted, failed or was withdrawn: then it no longer waits, though a
   * {@link LiveWaits#references()} copy may still hold it.
   */
  boolean ended();
}
