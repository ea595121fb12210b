package dev.baton.spring.observation;

import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.StressOptions;
import org.jetbrains.lincheck.datastructures.Validate;

/**
 * What the Lincheck harnesses of the slot lists share: six bare waits, the operations on a set of
 * them (add, remove, contains and a membership test made by walking it), the size checked
 * once the threads are done, and the settings: 3 threads of 3 operations. One stripe, since an
 * element's stripe follows from when it was made, which a replay cannot repeat.
 */
@Param(name = "wait", gen = IntGen.class, conf = "0:5")
public abstract class SlotsHarness {

  /** How many waits the operations pick from. */
  static final int WAITS = 6;

  final StripedSlots<PendingWait> live;
  private final PendingWait[] waits = BareWait.many(WAITS).toArray(PendingWait[]::new);

  SlotsHarness(StripedSlots<PendingWait> live) {
    this.live = live;
  }

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

  /**
   * Once the threads are done, the size counts the waits listed: exact when nothing changes.
   * (While others run it is not linearizable with walks, and says so.)
   */
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

  /** Model checking: 20 (scaled) iterations of 1,000 interleavings. */
  static ModelCheckingOptions modelCheckingOptions() {
    return modelCheckingOptions(20, 1_000, 3);
  }

  /**
   * Model checking: {@code scenarios} (scaled) scenarios of {@code interleavings} each, 3 threads
   * of 3 operations after {@code actorsBefore} run alone, and 2 after.
   */
  static ModelCheckingOptions modelCheckingOptions(int scenarios, int interleavings,
      int actorsBefore) {
    return new ModelCheckingOptions()
        .iterations(scaled(scenarios))
        .invocationsPerIteration(interleavings)
        .threads(3)
        .actorsPerThread(3)
        .actorsBefore(actorsBefore)
        .actorsAfter(2);
  }

  /** Stress: the shape of {@link #modelCheckingOptions()}, 20 (scaled) iterations of 3,000 runs. */
  static StressOptions stressOptions() {
    return stressOptions(20, 3_000, 3);
  }

  /** Stress: the shape of {@link #modelCheckingOptions(int, int, int)}, {@code runs} each. */
  static StressOptions stressOptions(int scenarios, int runs, int actorsBefore) {
    return new StressOptions()
        .iterations(scaled(scenarios))
        .invocationsPerIteration(runs)
        .threads(3)
        .actorsPerThread(3)
        .actorsBefore(actorsBefore)
        .actorsAfter(2)
        .minimizeFailedScenario(false);
  }

  /** {@code iterations} times the {@code baton.stress} scale (1 by default, raise it to soak). */
  private static int scaled(int iterations) {
    return iterations * Math.max(1, Integer.getInteger("baton.stress", 1));
  }
}
