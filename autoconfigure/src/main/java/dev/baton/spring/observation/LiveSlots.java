package dev.baton.spring.observation;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One array of {@link Slotted} elements behind a spin lock: a concurrent set, by identity, in
 * which adding or removing an element allocates nothing, and whose array a walk reads without the
 * lock ({@link #slots()}, {@link #read}). {@link StripedSlots} puts such arrays side by side and
 * walks them; its walks are weakly consistent: they never fail, see each element exactly once if
 * it was listed for the whole walk, never see one twice unless it is removed and listed again
 * meanwhile, and may or may not see one listed or removed meanwhile. The size is exact when
 * nothing changes, and may be off by the changes in flight.
 *
 * <p>A list is of one of two kinds, fixed when it is made: its elements leave it by removal
 * (holds), or end by themselves (waits, {@link Slotted#ended()}). One element, a wait that
 * becomes a hold, can be in one list of each kind at once, since the two write its
 * {@code slot} at different times: a list of waits once, when it lists the element, and never
 * again, nor reads it once the element has ended; a list of holds only after the element has
 * ended as a wait (its holder makes sure of that). So neither ever reads what the other wrote.
 *
 * <p>Design. The elements sit in an array of slots, changed only under a spin lock (a CAS to
 * take it, a release store to let go; what runs under it is a few stores, or now and then a
 * resize). An element is put in the first never-used slot. In a list of elements that leave by
 * removal, it records that slot in itself, so that its removal clears that slot alone. When a
 * removal leaves the array mostly empty, the elements are copied, in order, into a new array
 * sized to fit them, and their slots renumbered; when no never-used slot is left, the list makes
 * room (below). A replaced array is never written again.
 *
 * <p>A walk takes no lock: it reads the array once and its slots in turn. An element listed
 * throughout the walk sits in one slot of every array the list has during the walk, so it is
 * seen; a slot's element changes only by a clear or by a new element, so none is seen twice.
 * Reading slots from an array, rather than following links from element to element, lets the
 * reads of many elements overlap, and keeps a removed element from holding on to any other.
 *
 * <p>In a list of elements that end by themselves, an element is never removed: from its end on
 * it is not listed (not contained, passed by walks), but its slot keeps it until the list makes
 * room or {@link #dropEnded()} runs. That lets a thread end an element without touching the list.
 * Such a list writes {@link Slotted#LISTED} in an element once, when it lists it, and never
 * renumbers it: an ended element may be listed in a list of the other kind meanwhile. Making room
 * when no never-used slot is left: if every element in the array has ended, the array is emptied
 * in place, which no walk can miss an element for, since none is listed; else the elements not
 * ended are copied, in order, into a new array at least as long as the old one, so that a busy
 * list does not shrink only to grow again. {@link #dropEnded()} copies them into one sized to
 * fit. A list of elements that leave by removal never asks whether one has ended.
 *
 * <p>Invariants, under the lock: in a list of elements that leave by removal, an element
 * {@code e} in the slots is in {@code slots[e.slot]}, and one in none has {@code slot} -1; in a
 * list of elements that end by themselves, an element in the slots has {@code slot}
 * {@link Slotted#LISTED} or has ended; the slots from {@code used} on are empty; {@code size}
 * counts the elements in the slots, ended ones not yet dropped among them.
 */
final class LiveSlots {

  /** The fewest slots an array has; also its length once the list empties. */
  private static final int MIN_SLOTS = 4;
  /** Spins on a taken lock before yielding between tries. */
  private static final int SPINS = 64;
  private static final VarHandle LOCKED;
  private static final VarHandle SIZE;
  private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(Slotted[].class);

  static {
    try {
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      LOCKED = lookup.findVarHandle(LiveSlots.class, "locked", int.class);
      SIZE = lookup.findVarHandle(LiveSlots.class, "size", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** Whether its elements end by themselves (waits) rather than leave by removal (holds). */
  private final boolean selfEnding;
  /** 1 while taken; changed by CAS to take, by a release store to let go. */
  private int locked;
  /** Replaced, never written again, when resized; read by walks without the lock. */
  private volatile Slotted[] slots = new Slotted[MIN_SLOTS];
  /** How many slots from the first have been used since the last resize; under the lock. */
  private int used;
  /** How many elements are in the slots; written under the lock, read by {@link #size()}. */
  private int size;

  /**
   * An empty list.
   *
   * @param selfEnding whether its elements end by themselves (waits, each listed once in its
   *     life) rather than leave by removal (holds)
   */
  LiveSlots(boolean selfEnding) {
    this.selfEnding = selfEnding;
  }

  /**
   * Lists {@code element}; false if it is listed already, or, in a list of elements that end by
   * themselves, has been listed before or has ended.
   */
  boolean add(Slotted element) {
    lock();
    try {
      if (selfEnding ? element.slot != -1 || element.ended() : element.slot >= 0) {
        return false;
      }
      Slotted[] array = slots;
      if (used == array.length) {
        array = makeRoom(array);
      }
      element.slot = selfEnding ? Slotted.LISTED : used;
      SLOT.setRelease(array, used++, element);
      SIZE.setRelease(this, size + 1);
      return true;
    } finally {
      unlock();
    }
  }

  /**
   * Removes {@code removed}; false if it was not listed here. Only a list of elements that leave
   * by removal removes them: the other kind's elements end by themselves.
   */
  boolean remove(Slotted removed) {
    if (selfEnding) {
      throw new UnsupportedOperationException("waits end by themselves, and are not removed");
    }
    lock();
    try {
      Slotted[] array = slots;
      if (!isIn(array, removed)) {
        return false;
      }
      SLOT.setRelease(array, removed.slot, null);
      removed.slot = -1;
      int left = size - 1;
      SIZE.setRelease(this, left);
      if (left == 0) {
        used = 0;
        if (array.length > MIN_SLOTS) {
          slots = new Slotted[MIN_SLOTS];
        }
      } else if (left < array.length >>> 3 && array.length > MIN_SLOTS) {
        resize(array.length >>> 2);
      }
      return true;
    } finally {
      unlock();
    }
  }

  /**
   * Whether {@code listed} is listed here: exact, since it takes the lock. In a list of elements
   * that end by themselves, a search of the slots, for tests and checks rather than hot paths.
   */
  boolean contains(Slotted listed) {
    lock();
    try {
      return isIn(slots, listed);
    } finally {
      unlock();
    }
  }

  /**
   * Drops the elements that ended by themselves, if the array holds any, or it is mostly empty:
   * copies the others into a new array sized to fit them. Looks without the lock first, so that
   * a list with nothing to drop costs one read of each element.
   */
  void dropEnded() {
    Slotted[] array = slots;
    boolean mostlyEmpty = size() < array.length >>> 3 && array.length > MIN_SLOTS;
    if (!mostlyEmpty && !(selfEnding && anyEnded(array))) {
      return;
    }
    lock();
    try {
      resize(Integer.highestOneBit(unended(slots)) << 2);
    } finally {
      unlock();
    }
  }

  private static boolean anyEnded(Slotted[] array) {
    for (int i = 0; i < array.length; i++) {
      Slotted element = read(array, i);
      if (element != null && element.ended()) {
        return true;
      }
    }
    return false;
  }

  /**
   * Under the lock, with no never-used slot left in {@code array}, this list's array: empties it
   * in place if every element in it has ended, else copies the others into a new array at least
   * as long (see the class comment). Returns the array to add to.
   */
  private Slotted[] makeRoom(Slotted[] array) {
    int unended = unended(array);
    if (unended > 0) {
      return resize(Math.max(array.length, Integer.highestOneBit(unended) << 2));
    }
    for (int i = 0; i < used; i++) {
      Slotted element = array[i];
      if (element != null) {
        SLOT.setRelease(array, i, null);
      }
    }
    used = 0;
    SIZE.setRelease(this, 0);
    return array;
  }

  /**
   * Whether {@code element} is listed in {@code array}, this list's array, under the lock: it may
   * be listed in another list, at a slot this array has or not, or have ended. A list of
   * elements that end by themselves keeps no slot number in them, so it searches its slots.
   */
  private boolean isIn(Slotted[] array, Slotted element) {
    int slot = element.slot;
    if (selfEnding) {
      return slot == Slotted.LISTED && !element.ended() && holds(array, element);
    }
    return slot >= 0 && slot < array.length && array[slot] == element;
  }

  /** Whether the used slots of {@code array}, this list's, hold {@code element}: a search. */
  private boolean holds(Slotted[] array, Slotted element) {
    for (int i = 0; i < used; i++) {
      if (array[i] == element) {
        return true;
      }
    }
    return false;
  }

  /** Whether {@code element}, in the slots of this list's array, counts as listed. */
  private boolean unended(Slotted element) {
    return !(selfEnding && element.ended());
  }

  /** How many elements the slots of {@code array}, this list's, hold and have not ended. */
  private int unended(Slotted[] array) {
    int unended = 0;
    for (int i = 0; i < used; i++) {
      Slotted element = array[i];
      if (element != null && unended(element)) {
        unended++;
      }
    }
    return unended;
  }

  /**
   * How many elements the slots hold: exact when nothing changes and none has ended by itself
   * since the last resize.
   */
  int size() {
    return (int) SIZE.getAcquire(this);
  }

  /** The array of slots now, for a walk that reads it with {@link #read}. */
  Slotted[] slots() {
    return slots;
  }

  /** Slot {@code i} of {@code slots}, read as a walk reads it, without the lock. */
  static Slotted read(Slotted[] slots, int i) {
    return (Slotted) SLOT.getAcquire(slots, i);
  }

  /**
   * Copies the elements that have not ended, in order, into a new array of {@code length} slots
   * (at least {@link #MIN_SLOTS}), more than twice their number, renumbering their slots, and
   * drops the ended ones; returns the new array. Under the lock. Each resize leaves room for as
   * many changes as it copies elements, so its cost spreads over them.
   */
  private Slotted[] resize(int length) {
    Slotted[] old = slots;
    Slotted[] fresh = new Slotted[Math.max(MIN_SLOTS, length)];
    int next = 0;
    for (int i = 0; i < used; i++) {
      Slotted element = old[i];
      if (element != null && unended(element)) {
        if (!selfEnding) {
          element.slot = next;
        }
        fresh[next++] = element;
      }
    }
    used = next;
    SIZE.setRelease(this, next);
    slots = fresh;
    return fresh;
  }

  private void lock() {
    for (int tries = 0; !LOCKED.compareAndSet(this, 0, 1); tries++) {
      if (tries < SPINS) {
        Thread.onSpinWait();
      } else {
        Thread.yield();
      }
    }
  }

  private void unlock() {
    LOCKED.setRelease(this, 0);
  }
}
