package dev.baton.spring.observation;

import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.Validate;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Lincheck: {@link LiveWaits} is linearizable to a set in which each wait is listed once in its
 * life ({@link ListedOnce}), under add, remove (which only ends a wait), contains, a membership
 * test made by walking it, and the drop of ended waits, which resizes stripes under the others;
 * its size, counted by a walk, is exact once quiet.
 */
@Tag("lincheck")
@Param(name = "wait", gen = IntGen.class, conf = "0:3")
public class LiveWaitsLincheckTest {

  /** One stripe: a wait's stripe follows from when it was made, which a replay cannot repeat. */
  private final LiveWaits live = new LiveWaits(1);
  private final PendingWait[] waits = {
      new BareWait(), new BareWait(), new BareWait(), new BareWait()};

  @Operation
  public boolean add(@Param(name = "wait") int wait) {
    return live.add(waits[wait]);
  }

  @Operation
  public boolean remove(@Param(name = "wait") int wait) {
    return live.remove(waits[wait]);
  }

  @Operation
  public boolean contains(@Param(name = "wait") int wait) {
    return live.contains(waits[wait]);
  }

  /** Whether a walk meets {@code wait}: a single wait's membership, linearizable. */
  @Operation
  public boolean walkFinds(@Param(name = "wait") int wait) {
    for (PendingWait listed : live) {
      if (listed == waits[wait]) {
        return true;
      }
    }
    return false;
  }

  @Operation
  public void dropEnded() {
    live.dropEnded();
  }

  /** Once the threads are done, the size counts the waits a walk meets, and only those listed. */
  @Validate
  public void sizeCountsTheWaitsListed() {
    int listed = 0;
    for (PendingWait wait : waits) {
      if (live.contains(wait)) {
        listed++;
      }
    }
    if (live.size() != listed) {
      throw new IllegalStateException("size " + live.size() + ", but " + listed + " listed");
    }
  }

  @Test
  public void modelChecking() {
    SlotsLincheck.modelChecking().sequentialSpecification(ListedOnce.class).check(getClass());
  }

  @Test
  public void stress() {
    SlotsLincheck.stress().sequentialSpecification(ListedOnce.class).check(getClass());
  }

  /** The sequential specification: each wait is new, then listed, then ended, for good. */
  public static final class ListedOnce {
    private static final int NEW = 0;
    private static final int LISTED = 1;
    private static final int ENDED = 2;

    private final int[] state = new int[4];

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

    private boolean move(int wait, int from, int to) {
      if (state[wait] != from) {
        return false;
      }
      state[wait] = to;
      return true;
    }
  }
}
