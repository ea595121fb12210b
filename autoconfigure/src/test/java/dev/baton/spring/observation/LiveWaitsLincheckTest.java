package dev.baton.spring.observation;

import org.jetbrains.lincheck.datastructures.Operation;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Lincheck: {@link LiveWaits} is linearizable to a set in which each wait is listed once in its
 * life ({@link ListedOnce}), under the operations of {@link SlotsHarness} (a removal only ends a
 * wait) and the drop of ended waits, which resizes the array under the others; its size, counted
 * by a walk, is exact once quiet. Six waits over arrays of four slots at first: runs fill the
 * array, empty it in place, copy it and drop from it under concurrent walks.
 */
@Tag("lincheck")
public class LiveWaitsLincheckTest extends SlotsHarness {

  public LiveWaitsLincheckTest() {
    super(new LiveWaits(1));
  }

  @Operation
  public void dropEnded() {
    ((LiveWaits) live).dropEnded();
  }

  @Test
  public void modelChecking() {
    modelCheckingOptions().sequentialSpecification(ListedOnce.class).check(getClass());
  }

  @Test
  public void stress() {
    stressOptions().sequentialSpecification(ListedOnce.class).check(getClass());
  }

  /** The sequential specification: each wait is new, then listed, then ended, for good. */
  public static class ListedOnce {
    private static final int NEW = 0;
    private static final int LISTED = 1;
    private static final int ENDED = 2;

    private final int[] state = new int[SlotsHarness.WAITS];

    public boolean add(int wait) {
      return move(wait, NEW, LISTED);
    }

    public boolean remove(int wait) {
      return move(wait, LISTED, ENDED);
    }

    public boolean contains(int wait) {
      return state[wait] == LISTED;
    }

    public boolean walkFinds(int wait) {
      return contains(wait);
    }

    public void dropEnded() {
    }

    /** Whether {@code wait} has ended. */
    boolean ended(int wait) {
      return state[wait] == ENDED;
    }

    private boolean move(int wait, int from, int to) {
      if (state[wait] != from) {
        return false;
      }
      state[wait] = to;
      return true;
    }
  }
}
