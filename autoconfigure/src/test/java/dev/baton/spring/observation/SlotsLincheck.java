package dev.baton.spring.observation;

import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.StressOptions;

/** The Lincheck settings the harnesses of the slot lists share: 3 threads of 3 operations. */
final class SlotsLincheck {

  private SlotsLincheck() {}

  /** Model checking: 20 (scaled) iterations of 1,000 interleavings. */
  static ModelCheckingOptions modelChecking() {
    return new ModelCheckingOptions()
        .iterations(scaled(20))
        .invocationsPerIteration(1_000)
        .threads(3)
        .actorsPerThread(3)
        .actorsBefore(3)
        .actorsAfter(2);
  }

  /** Stress: the shape of {@link #modelChecking}, 20 (scaled) iterations of 3,000 runs. */
  static StressOptions stress() {
    return new StressOptions()
        .iterations(scaled(20))
        .invocationsPerIteration(3_000)
        .threads(3)
        .actorsPerThread(3)
        .actorsBefore(3)
        .actorsAfter(2)
        .minimizeFailedScenario(false);
  }

  /** {@code iterations} times the {@code baton.stress} scale (1 by default, raise it to soak). */
  private static int scaled(int iterations) {
    return iterations * Math.max(1, Integer.getInteger("baton.stress", 1));
  }
}
