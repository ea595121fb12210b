package dev.baton.spring.observation;

import java.util.AbstractCollection;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * The pending waits of one stall view: a concurrent set of {@link PendingWait}s in which listing
 * or removing a wait allocates nothing, with the weakly consistent walks and the size of a
 * {@link LiveSlots}. A wait may be in one such set at a time.
 *
 * <p>Design. The waits are spread over a few {@link LiveSlots} stripes by the instant each began,
 * which never changes, so a removal finds the wait's stripe again, and threads listing waits at
 * once rarely meet on one stripe's lock. A walk walks the stripes in turn.
 */
public final class LiveWaits extends AbstractCollection<PendingWait> {

  /** Where a walk starts, before its first stripe. */
  private static final Slotted[] NO_SLOTS = new Slotted[0];

  private final LiveSlots<PendingWait>[] stripes;

  /** An empty set with four stripes per processor (at most 64), for few collisions. */
  @SuppressWarnings("unchecked")
  public LiveWaits() {
    int processors = Integer.highestOneBit(Runtime.getRuntime().availableProcessors());
    stripes = new LiveSlots[Math.min(64, 4 * processors)];
    for (int i = 0; i < stripes.length; i++) {
      stripes[i] = new LiveSlots<>();
    }
  }

  /** Lists {@code wait}; false if it is listed already. */
  @Override
  public boolean add(PendingWait wait) {
    return stripeOf(wait).add(wait);
  }

  /** Removes {@code wait}; false if it was not listed. */
  @Override
  public boolean remove(Object wait) {
    return wait instanceof PendingWait pending && stripeOf(pending).remove(pending);
  }

  @Override
  public int size() {
    int size = 0;
    for (LiveSlots<PendingWait> stripe : stripes) {
      size += stripe.size();
    }
    return size;
  }

  /** A weakly consistent walk over the waits listed, in no particular order. */
  @Override
  public Iterator<PendingWait> iterator() {
    return new Walk();
  }

  /**
   * The waits a walk would meet now, in the order it would, without reading any of them: a copy
   * of references only, so that a caller about to read many waits can read them apart from the
   * walk, where the reads, independent of each other, overlap.
   */
  @Override
  public Object[] toArray() {
    Object[] all = new Object[Math.max(16, size() + (size() >>> 3))];
    int n = 0;
    for (LiveSlots<PendingWait> stripe : stripes) {
      Slotted[] slots = stripe.slots();
      for (int i = 0; i < slots.length; i++) {
        Slotted wait = LiveSlots.read(slots, i);
        if (wait == null) {
          continue;
        }
        if (n == all.length) {
          Object[] grown = new Object[n * 2]; // an Object[] for sure: storing reads no wait
          System.arraycopy(all, 0, grown, 0, n);
          all = grown;
        }
        all[n++] = wait;
      }
    }
    Object[] exact = new Object[n];
    System.arraycopy(all, 0, exact, 0, n);
    return exact;
  }

  /** The stripe of {@code wait}, from the instant it began. */
  private LiveSlots<PendingWait> stripeOf(PendingWait wait) {
    long since = wait.sinceNanos();
    int mixed = (int) (since ^ (since >>> 32)) * 0x9E3779B9;
    return stripes[(mixed >>> 16) & (stripes.length - 1)];
  }

  /**
   * A walk over each stripe in turn, each as its slots are when the walk reaches it: one object
   * for the whole walk, however many stripes.
   */
  private final class Walk implements Iterator<PendingWait> {
    private int stripe;
    private Slotted[] slots = NO_SLOTS;
    /** The next slot of {@code slots} to read. */
    private int slot;
    /** The wait {@link #next()} returns; null until found. */
    private Slotted ahead;

    @Override
    public boolean hasNext() {
      while (ahead == null) {
        if (slot == slots.length) {
          if (stripe == stripes.length) {
            return false;
          }
          slots = stripes[stripe++].slots();
          slot = 0;
        } else {
          ahead = LiveSlots.read(slots, slot++);
        }
      }
      return true;
    }

    @Override
    public PendingWait next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      PendingWait next = (PendingWait) ahead;
      ahead = null;
      return next;
    }
  }
}
