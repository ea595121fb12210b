package dev.baton;

import java.util.AbstractQueue;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Objects;

/**
 * The items of a priority {@link AsyncQueue}: a binary min-heap, equal items in arrival order,
 * that a throwing comparator leaves as it was.
 *
 * <p>{@link java.util.PriorityQueue} moves elements while it compares, so a comparator that
 * throws halfway through an insertion or a removal leaves one element stored twice and another
 * lost. Here every change first walks the path its element takes, comparing only, and moves
 * elements once every comparison is done: if the comparator throws, the heap is untouched and the
 * exception reaches the caller. An insertion allocates nothing unless the array must grow.
 *
 * <p>Each item carries its arrival number, and items equal by {@link #order} compare by it, so
 * ties leave first-in-first-out, as on Redis, where equal scores keep arrival order.
 *
 * <p>Invariant: {@code elements[0..size)} hold the items, none before its parent
 * {@code elements[(i - 1) / 2]} by {@link #order} and then by {@code arrivals[i]}, so the first
 * to leave is at 0; {@code elements[size..]} are null. Not thread-safe: the queue calls it under
 * its guard.
 */
final class PriorityHeap<T> extends AbstractQueue<T> {

  private static final int INITIAL_CAPACITY = 16;

  private final Comparator<? super T> order;
  /** The heap, as the invariant above says. */
  private Object[] elements = new Object[INITIAL_CAPACITY];
  /** {@code arrivals[i]}: the arrival number of {@code elements[i]}, moved with it. */
  private long[] arrivals = new long[INITIAL_CAPACITY];
  /** The arrival number the next item takes. */
  private long arrived;
  /** Number of items, the prefix of {@link #elements} in use. */
  private int size;

  PriorityHeap(Comparator<? super T> order) {
    this.order = Objects.requireNonNull(order, "order");
  }

  /** Inserts {@code item}; if the comparator throws, the heap is unchanged. */
  @Override
  public boolean offer(T item) {
    Objects.requireNonNull(item, "item");
    if (size == elements.length) {
      int capacity = grownCapacity();
      elements = Arrays.copyOf(elements, capacity);
      arrivals = Arrays.copyOf(arrivals, capacity);
    }
    long arrival = arrived;
    int at = riseFrom(size, item, arrival);
    for (int i = size; i > at; i = parent(i)) {
      elements[i] = elements[parent(i)];
      arrivals[i] = arrivals[parent(i)];
    }
    elements[at] = item;
    arrivals[at] = arrival;
    arrived = arrival + 1;
    size++;
    return true;
  }

  /** Removes the least item; if the comparator throws, the heap is unchanged. */
  @Override
  public T poll() {
    if (size == 0) {
      return null;
    }
    int last = size - 1;
    T sinking = elementAt(last);
    long sinkingArrival = arrivals[last];
    int at = sinkWithin(last, sinking, sinkingArrival);
    T least = elementAt(0);
    elements[last] = null;
    size = last;
    if (last > 0) {
      // Rotate the path from the root down to at: each element on it moves up one level, the
      // least drops out at the top and the sinking element takes the slot at the bottom.
      Object carried = sinking;
      long carriedArrival = sinkingArrival;
      for (int i = at; ; i = parent(i)) {
        Object displaced = elements[i];
        long displacedArrival = arrivals[i];
        elements[i] = carried;
        arrivals[i] = carriedArrival;
        carried = displaced;
        carriedArrival = displacedArrival;
        if (i == 0) {
          break;
        }
      }
    }
    return least;
  }

  @Override
  public T peek() {
    return size == 0 ? null : elementAt(0);
  }

  @Override
  public int size() {
    return size;
  }

  /** Removes every item without comparing any. */
  @Override
  public void clear() {
    Arrays.fill(elements, 0, size, null);
    size = 0;
  }

  /** The items in heap order, not in priority order; read-only. */
  @Override
  public Iterator<T> iterator() {
    return new Iterator<>() {
      private int next;

      @Override
      public boolean hasNext() {
        return next < size;
      }

      @Override
      public T next() {
        if (next >= size) {
          throw new NoSuchElementException();
        }
        return elementAt(next++);
      }
    };
  }

  /**
   * The slot on the path from {@code slot} up to the root where {@code item}, arrived as
   * {@code arrival}, belongs: below the first ancestor it does not go before. Compares only.
   */
  private int riseFrom(int slot, T item, long arrival) {
    int at = slot;
    while (at > 0 && goesBefore(item, arrival, parent(at))) {
      at = parent(at);
    }
    return at;
  }

  /**
   * The slot where {@code item}, arrived as {@code arrival} and sinking from the root of the
   * heap's first {@code n} slots along the child that goes first, comes to rest: above the first
   * child it goes before. Compares only.
   */
  private int sinkWithin(int n, T item, long arrival) {
    int at = 0;
    for (int child = 1; child < n; child = 2 * at + 1) {
      if (child + 1 < n && !goesBefore(elementAt(child), arrivals[child], child + 1)) {
        child++;
      }
      if (goesBefore(item, arrival, child)) {
        break;
      }
      at = child;
    }
    return at;
  }

  /** Whether {@code item}, arrived as {@code arrival}, leaves before the item in {@code slot}. */
  private boolean goesBefore(T item, long arrival, int slot) {
    int comparison = order.compare(item, elementAt(slot));
    return comparison < 0 || comparison == 0 && arrival < arrivals[slot];
  }

  private int grownCapacity() {
    int length = elements.length;
    return length <= Integer.MAX_VALUE / 2 ? length * 2 : Integer.MAX_VALUE - 8;
  }

  private static int parent(int slot) {
    return (slot - 1) >>> 1;
  }

  @SuppressWarnings("unchecked")
  private T elementAt(int slot) {
    return (T) elements[slot];
  }
}
