package dev.baton.spring.observation;

import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Lincheck: one element in a list of each kind at once, as a lock's wait under the stall view is
 * when it becomes its hold. A list of waits ({@link LiveWaits}) and one of holds (a
 * {@link StripedSlots} whose elements leave by removal) stay linearizable, each to its own kind
 * of set, while waits end and are dropped and holds are listed and removed: neither list reads
 * what the other wrote in an element. Three waits, so that operations often meet on one; more
 * scenarios, each shorter in interleavings, than {@link SlotsHarness}'s, since a break here needs
 * a wait listed, another ended and dropped, and the first granted, in one scenario.
 */
@Tag("lincheck")
@Param(name = "wait", gen = IntGen.class, conf = "0:2")
public class WaitThenHoldLincheckTest {

  private static final int WAITS = 3;

  private final LiveWaits waits = new LiveWaits(1);
  private final StripedSlots<PendingWait> holds = new StripedSlots<>(1, false);
  private final BareWait[] elements = BareWait.many(WAITS).toArray(BareWait[]::new);

  /** Lists it as a wait: once in its life. */
  @Operation
  public boolean waitFor(@Param(name = "wait") int wait) {
    return waits.add(elements[wait]);
  }

  /** Ends it as a wait, as its grant does, or its failure. */
  @Operation
  public boolean end(@Param(name = "wait") int wait) {
    return waits.remove(elements[wait]);
  }

  /** Lists it as a hold, if it has ended as a wait: what a grant does next. */
  @Operation
  public boolean hold(@Param(name = "wait") int wait) {
    BareWait element = elements[wait];
    return element.ended() && holds.add(element);
  }

  @Operation
  public boolean release(@Param(name = "wait") int wait) {
    return holds.remove(elements[wait]);
  }

  @Operation
  public boolean waiting(@Param(name = "wait") int wait) {
    return waits.contains(elements[wait]);
  }

  @Operation
  public void dropEnded() {
    waits.dropEnded();
  }

  /** Model checking: 60 (scaled) scenarios of 300 interleavings, 4 operations before them. */
  @Test
  public void modelChecking() {
    SlotsHarness.modelCheckingOptions(60, 300, 4).sequentialSpecification(Specification.class)
        .check(getClass());
  }

  /** Stress: the shape of {@link #modelChecking}, 60 (scaled) scenarios of 1,000 runs. */
  @Test
  public void stress() {
    SlotsHarness.stressOptions(60, 1_000, 4).sequentialSpecification(Specification.class)
        .check(getClass());
  }

  /**
   * The sequential specification: each wait is new, then listed, then ended, for good
   * ({@link LiveWaitsLincheckTest.ListedOnce}); once ended, it is held or not, as a set of holds
   * says.
   */
  public static final class Specification extends LiveWaitsLincheckTest.ListedOnce {
    private final boolean[] held = new boolean[WAITS];

    public boolean waitFor(int wait) {
      return add(wait);
    }

    public boolean end(int wait) {
      return remove(wait);
    }

    public boolean hold(int wait) {
      if (!ended(wait) || held[wait]) {
        return false;
      }
      held[wait] = true;
      return true;
    }

    public boolean release(int wait) {
      boolean was = held[wait];
      held[wait] = false;
      return was;
    }

    public boolean waiting(int wait) {
      return contains(wait);
    }
  }
}
