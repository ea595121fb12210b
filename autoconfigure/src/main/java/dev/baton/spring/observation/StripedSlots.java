package dev.baton.spring.observation;

import java.util.AbstractCollection;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;

/**
 * A concurrent set of {@link Slotted} elements spread over one or more {@link LiveSlots} stripes,
 * all of one kind (elements that leave by removal, or that end by themselves), with their weakly
 * consistent walks, their exact {@code contains} and their size (exact across stripes only when
 * nothing changes, and none has ended by itself since its stripe last resized). Adding or
 * removing an element allocates nothing.
 *
 * <p>Design. An element's stripe follows from the instant it began ({@code Slotted.sinceNanos}),
 * which does not change while it is listed and has not ended (a wait granted begins anew as its
 * hold), so a removal finds the element's stripe again, and threads adding elements at once
 * rarely meet on one stripe's lock. A walk walks the stripes in turn, each as its slots are when
 * the walk reaches it.
 *
 * @param <E> the elements, each a {@link Slotted}
 */
class StripedSlots<E> extends AbstractCollection<E> {

  /** Stripes for elements many threads add and remove at once: four per processor, up to 64. */
  static final int MANY = Math.min(64,
      4 * Integer.highestOneBit(Runtime.getRuntime().availableProcessors()));
  /** Where a walk starts, before its first stripe. */
  private static final Slotted[] NO_SLOTS = new Slotted[0];

  private final LiveSlots[] stripes;
  /** Whether the elements end by themselves (waits) rather than leave by removal (holds). */
  private final boolean selfEnding;

  /**
   * An empty set of {@code stripes} stripes, a power of two.
   *
   * @param selfEnding whether its elements end by themselves (waits, each listed once in its
   *     life) rather than leave by removal (holds): see {@link LiveSlots}
   */
  StripedSlots(int stripes, boolean selfEnding) {
    if (Integer.bitCount(stripes) != 1) {
      throw new IllegalArgumentException("stripes must be a power of two: " + stripes);
    }
    this.selfEnding = selfEnding;
    this.stripes = new LiveSlots[stripes];
    for (int i = 0; i < stripes; i++) {
      this.stripes[i] = new LiveSlots(selfEnding);
    }
  }

  /**
   * A weakly consistent walk that promises no size: elements come and go while it runs, so a
   * stream over it (a sort, a {@code toList}) must not size its result from {@link #size()} read
   * up front. Regression: sorting the live holds while one ended threw, inside the explanation of
   * a timeout.
   */
  @Override
  public Spliterator<E> spliterator() {
    return Spliterators.spliteratorUnknownSize(iterator(), Spliterator.NONNULL);
  }

  /** Lists {@code element}; false if it is listed already. */
  @Override
  public boolean add(E element) {
    Slotted slotted = (Slotted) element;
    return stripeOf(slotted).add(slotted);
  }

  /** Removes {@code element}; false if it was not listed here. */
  @Override
  public boolean remove(Object element) {
    return element instanceof Slotted slotted && stripeOf(slotted).remove(slotted);
  }

  /** Whether {@code element} is listed here: exact, since it takes its stripe's lock. */
  @Override
  public boolean contains(Object element) {
    return element instanceof Slotted slotted && stripeOf(slotted).contains(slotted);
  }

  @Override
  public int size() {
    return inSlots();
  }

  /** A weakly consistent walk over the elements listed, in no particular order. */
  @Override
  public Iterator<E> iterator() {
    return new Walk();
  }

  /**
   * Drops from their slots the elements that ended by themselves ({@link Slotted#ended()}), and
   * shrinks the arrays of stripes that are mostly empty.
   */
  public void dropEnded() {
    for (LiveSlots stripe : stripes) {
      stripe.dropEnded();
    }
  }

  /**
   * The elements a walk would meet now, in the order it would, without reading any of them, so
   * ended ones not yet dropped among them if they end by themselves ({@link Slotted#ended()}):
   * a copy of references only, so that a caller about to read many elements can read them apart
   * from the walk, where the reads, independent of each other, overlap.
   */
  public Object[] references() {
    int listed = inSlots();
    Object[] all = new Object[Math.max(16, listed + (listed >>> 3))];
    int n = 0;
    for (LiveSlots stripe : stripes) { // as a walk goes, in a loop of its own: no iterator
      Slotted[] slots = stripe.slots();
      for (int i = 0; i < slots.length; i++) {
        Slotted element = LiveSlots.read(slots, i);
        if (element == null) {
          continue;
        }
        if (n == all.length) {
          Object[] grown = new Object[n * 2]; // an Object[] for sure: storing reads no element
          System.arraycopy(all, 0, grown, 0, n);
          all = grown;
        }
        all[n++] = element;
      }
    }
    Object[] exact = new Object[n];
    System.arraycopy(all, 0, exact, 0, n);
    return exact;
  }

  /** How many elements the stripes' slots hold, ended ones not yet dropped among them. */
  private int inSlots() {
    int held = 0;
    for (LiveSlots stripe : stripes) {
      held += stripe.size();
    }
    return held;
  }

  private LiveSlots stripeOf(Slotted element) {
    if (stripes.length == 1) {
      return stripes[0];
    }
    long since = element.sinceNanos;
    int mixed = (int) (since ^ (since >>> 32)) * 0x9E3779B9;
    return stripes[(mixed >>> 16) & (stripes.length - 1)];
  }

  /**
   * A walk over each stripe in turn, passing ended elements by if they end by themselves: one
   * object for the whole walk, however many stripes.
   */
  private final class Walk implements Iterator<E> {
    private int stripe;
    private Slotted[] slots = NO_SLOTS;
    /** The next slot of {@code slots} to read. */
    private int slot;
    /** The element {@link #next()} returns; null until found. */
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
          if (ahead != null && selfEnding && ahead.ended()) {
            ahead = null;
          }
        }
      }
      return true;
    }

    @SuppressWarnings("unchecked")
    @Override
    public E next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      Slotted next = ahead;
      ahead = null;
      return (E) next;
    }
  }
}
