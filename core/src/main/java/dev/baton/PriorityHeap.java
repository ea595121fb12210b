package dev.baton;

import java.util.AbstractQueue;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Objects;

/**
 * The items of a priority {@link AsyncQueue}: a binary min-heap that a throwing comparator leaves
 * as it was.
 *
 * <p>{@link java.util.PriorityQueue} moves elements while it compares, so a comparator that
 * throws halfway through an insertion or a removal leaves one element stored twice and another
 * lost. Here every change first walks the path its element takes, comparing only, and moves
 * elements once every comparison is done: if the comparator throws, the heap is untouched and the
 * exception reaches the caller. An insertion allocates nothing unless the array must grow.
 *
 * <p>Invariant: {@code elements[0..size)} hold the items, none less by {@link #order} than its
 * parent {@code elements[(i - 1) / 2]}, so the least is at 0; {@code elements[size..]} are null.
 * Ties come out in no particular order. Not thread-safe: the queue calls it under its guard.
 */
final class PriorityHeap<T> extends AbstractQueue<T> {

  private static final int INITIAL_CAPACITY = 16;

  private final Comparator<? super T> order;
  /** The heap, as the invariant above says. */
  private Object[] elements = new Object[INITIAL_CAPACITY];
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
      elements = Arrays.copyOf(elements, grownCapacity());
    }
    int at = riseFrom(size, item);
    for (int i = size; i > at; i = parent(i)) {
      elements[i] = elements[parent(i)];
    }
    elements[at] = item;
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
    int at = sinkWithin(last, sinking);
    T least = elementAt(0);
    elements[last] = null;
    size = last;
    if (last > 0) {
      // Rotate the path from the root down to at: each element on it moves up one level, the
      // least drops out at the top and the sinking element takes the slot at the bottom.
      Object carried = sinking;
      for (int i = at; ; i = parent(i)) {
        Object displaced = elements[i];
        elements[i] = carried;
        carried = displaced;
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
   * The slot on the path from {@code slot} up to the root where {@code item} belongs: below the
   * first ancestor it is not less than. Compares only.
   */
  private int riseFrom(int slot, T item) {
    int at = slot;
    while (at > 0 && order.compare(item, elementAt(parent(at))) < 0) {
      at = parent(at);
    }
    return at;
  }

  /**
   * The slot where {@code item}, sinking from the root of the heap's first {@code n} slots along
   * the lesser child, comes to rest: above the first child it is not greater than. Compares only.
   */
  private int sinkWithin(int n, T item) {
    int at = 0;
    for (int child = 1; child < n; child = 2 * at + 1) {
      if (child + 1 < n && order.compare(elementAt(child), elementAt(child + 1)) > 0) {
        child++;
      }
      if (order.compare(item, elementAt(child)) <= 0) {
        break;
      }
      at = child;
    }
    return at;
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
