package dev.baton.spring.observation;

/**
 * What a {@link LiveSlots} lists: an element with the instant it began, which also picks its
 * stripe in a {@link StripedSlots}, and, in a list of elements that leave by removal, its own
 * slot there, so that listing and removing it need no entry object and no search. A list of
 * elements that end by themselves (waits) keeps no slot number in them: see {@link LiveSlots}.
 *
 * <p>An element is in at most one list of each kind at a time. A lock's or semaphore's wait under
 * the stall view is in one of each in turn, and for a while in both: it is listed among the
 * pending waits while it waits, and among its primitive's holds from its grant on, while the
 * list of waits has yet to drop it.
 */
abstract class Slotted {

  /**
   * {@link System#nanoTime()} when it began: when the hold or the wait began. Written when it is
   * made, and once more by a wait that becomes a hold, at the grant, before it is listed as a
   * hold ({@link #restart}); a list of holds finds its stripe from the value it was listed with.
   */
  long sinceNanos = System.nanoTime();
  /**
   * In a list of elements that leave by removal, its slot there: -1 before it is listed and after
   * it is removed; written under that list's lock. In a list of elements that end by themselves,
   * {@link #LISTED} from the moment it is listed, for good.
   */
  int slot = -1;

  /** What {@link #slot} says of an element listed in a list of elements that end by themselves. */
  static final int LISTED = -2;

  /**
   * Whether it has ended by itself, without being removed: a list of elements that end by
   * themselves then no longer counts it as listed, and drops it from its slot later (see
   * {@link LiveSlots}). A list of elements that leave by removal never asks.
   */
  boolean ended() {
    return false;
  }

  /**
   * Ends it by itself (see {@link #ended()}); false if it had ended already. Only elements that
   * end by themselves support it.
   */
  boolean end() {
    throw new UnsupportedOperationException(getClass().getSimpleName() + " ends by removal");
  }

  /** Records that it begins anew now: a wait granted, as it becomes its hold. */
  final void restart() {
    sinceNanos = System.nanoTime();
  }
}
