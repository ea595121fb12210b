package dev.baton.spring.observation;

/**
 * What a {@link LiveSlots} lists: an element that records its own slot there, so that listing
 * and removing it need no entry object and no search, and the instant it began, which also picks
 * its stripe in a {@link StripedSlots}. An element is in one such list at a time.
 */
abstract class Slotted {

  /** {@link System#nanoTime()} when it was made: when the hold or the wait began. */
  final long sinceNanos = System.nanoTime();
  /**
   * Its slot in the list that lists it, -1 before it is listed and after it is removed (once it
   * has ended by itself, nothing reads it); written under that list's lock.
   */
  int slot = -1;

  /**
   * Whether it has ended by itself, without being removed: a list then no longer counts it as
   * listed, and drops it from its slot later (see {@link LiveSlots}). False for elements that end
   * only by being removed.
   */
  boolean ended() {
    return false;
  }
}
