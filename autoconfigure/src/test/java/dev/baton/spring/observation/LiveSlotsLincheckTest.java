package dev.baton.spring.observation;

import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.Validate;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Lincheck: {@link LiveSlots}, as one stripe of a {@link StripedSlots}, is a linearizable set
 * under add, remove, contains and a membership test made by walking it, and its size is exact
 * once quiet. With four elements over arrays of at least four slots, runs grow, compact and empty
 * the array under concurrent walks.
 */
@Tag("lincheck")
@Param(name = "wait", gen = IntGen.class, conf = "0:3")
public class LiveSlotsLincheckTest {

  private final StripedSlots<PendingWait> live = new StripedSlots<>(1);
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

  /**
   * Once the threads are done, the size counts the waits a walk meets: exact when nothing
   * changes. (While adds and removes run it is not linearizable with walks, and says so.)
   */
  @Validate
  public void sizeCountsTheWaitsListed() {
    int met = 0;
    for (PendingWait ignored : live) {
      met++;
    }
    if (live.size() != met) {
      throw new IllegalStateException("size " + live.size() + ", but a walk meets " + met);
    }
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

  @Test
  public void modelChecking() {
    SlotsLincheck.modelChecking().check(getClass());
  }

  @Test
  public void stress() {
    SlotsLincheck.stress().check(getClass());
  }
}
