package dev.baton;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;

/**
 * {@link PriorityHeap}: hands out the least item first, equal items in arrival order, and a
 * comparator that throws at any comparison of an insertion or a removal leaves it exactly as it
 * was.
 */
class PriorityHeapTest {

  private static final int OPERATIONS = 2_000;

  /** An item ordered by {@code key} alone; {@code put} says when it went in. */
  private record Item(int key, int put) {}

  @Test
  void handsOutTheLeastItemFirstAndEqualItemsInArrivalOrder() {
    Random random = new Random(42);
    PriorityHeap<Item> heap = new PriorityHeap<>(Comparator.comparingInt(Item::key));
    PriorityQueue<Item> reference = new PriorityQueue<>(
        Comparator.comparingInt(Item::key).thenComparingInt(Item::put));
    for (int op = 0; op < OPERATIONS; op++) {
      if (random.nextInt(3) > 0) {
        Item item = new Item(random.nextInt(10), op);
        heap.offer(item);
        reference.offer(item);
      } else {
        assertThat(heap.poll()).as("poll %d", op).isEqualTo(reference.poll());
      }
      assertThat(heap.peek()).isEqualTo(reference.peek());
      assertThat(heap).hasSize(reference.size());
    }
    heap.clear();
    assertThat(heap.poll()).isNull();
    assertThat(heap).isEmpty();
  }

  /**
   * A comparator that throws at its n-th comparison from now, for every n an insertion or a
   * removal reaches: the heap keeps every item where it was, and works on afterwards.
   */
  @RepeatedTest(20)
  void aComparatorThatThrowsAtAnyComparisonLeavesTheHeapAsItWas(RepetitionInfo repetition) {
    AtomicInteger comparisonsLeft = new AtomicInteger(-1);
    Comparator<Integer> order = (x, y) -> {
      if (comparisonsLeft.getAndDecrement() == 0) {
        throw new IllegalArgumentException("comparison refused on purpose");
      }
      return Integer.compare(x, y);
    };
    Random random = new Random(repetition.getCurrentRepetition());
    PriorityHeap<Integer> heap = new PriorityHeap<>(order);
    for (int i = 0, n = 1 + random.nextInt(60); i < n; i++) {
      heap.offer(random.nextInt(1_000));
    }
    for (int n = 0; n < 12; n++) {
      List<Integer> before = new ArrayList<>(heap);
      boolean insert = random.nextBoolean();
      comparisonsLeft.set(n);
      try {
        if (insert) {
          heap.offer(-random.nextInt(1_000)); // least so far: it rises to the top
        } else {
          heap.poll();
        }
      } catch (IllegalArgumentException refused) {
        assertThat(heap).as("heap after a refused %s", insert ? "offer" : "poll")
            .containsExactlyElementsOf(before);
      }
      comparisonsLeft.set(-1);
    }
    List<Integer> drained = new ArrayList<>();
    for (Integer item = heap.poll(); item != null; item = heap.poll()) {
      drained.add(item);
    }
    assertThat(drained).isSorted();
  }

  @Test
  void rejectsNullItems() {
    PriorityHeap<Integer> heap = new PriorityHeap<>(Comparator.naturalOrder());

    assertThatThrownBy(() -> heap.offer(null)).isInstanceOf(NullPointerException.class)
        .hasMessage("item");
  }
}
