package dev.baton.spring.observation;

/**
 * What a {@link LiveSlots} lists: an element that records its own slot there, so that listing
 * and removing it need no entry object and no search. An element is in one such list at a time.
 */
abstract class Slotted {

  /** Its slot in the list that lists it, -1 while not listed; written under that list's lock. */
  int slot = -1;
}
