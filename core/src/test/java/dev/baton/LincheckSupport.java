package dev.baton;

import java.util.concurrent.CompletableFuture;
import org.jetbrains.kotlinx.lincheck.execution.ExecutionScenario;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.StressOptions;

/** Small helpers shared by the Lincheck harnesses. */
final class LincheckSupport {

  private LincheckSupport() {}

  /**
   * Whether a wait was queued, as decided under the primitive's guard when it was called.
   *
   * <p>{@code !f.isDone()} is not the same thing and is not linearizable: a queued waiter can be
   * granted by another thread before the call that queued it returns, and then looks immediate
   * although other operations already saw it queued. The implementation returns a {@link Waiter}
   * exactly when it queues and a plain completed (or failed) future otherwise, so the class tells.
   */
  static boolean queued(CompletableFuture<?> f) {
    return f instanceof Waiter;
  }

  /** {@code iterations} times the {@code baton.stress} scale (1 by default, raise it to soak). */
  static int scaled(int iterations) {
    return iterations * Math.max(1, Integer.getInteger("baton.stress", 1));
  }

  /**
   * The model-checking settings every harness uses: 3 threads of 3 operations, {@code before}
   * operations first and 2 after, 5 (scaled) iterations of 500 interleavings.
   */
  static ModelCheckingOptions modelChecking(int before) {
    return new ModelCheckingOptions()
        .iterations(scaled(5))
        .invocationsPerIteration(500)
        .threads(3)
        .actorsPerThread(3)
        .actorsBefore(before)
        .actorsAfter(2);
  }

  /**
   * The stress settings every harness uses: the shape of {@link #modelChecking}, 15 (scaled)
   * iterations of 3,000 runs. Shrinking a stress failure re-runs it until it reproduces, which
   * takes minutes; the model-checking test shrinks and explains, this one only has to notice.
   */
  static StressOptions stress(int before) {
    return new StressOptions()
        .iterations(scaled(15))
        .invocationsPerIteration(3_000)
        .threads(3)
        .actorsPerThread(3)
        .actorsBefore(before)
        .actorsAfter(2)
        .minimizeFailedScenario(false);
  }

  /**
   * Model-checks {@code test} on the given hand-written scenarios only, exploring up to
   * {@code invocations} interleavings of each: for a named race that must be explored every run.
   */
  static void modelCheckOnly(Class<?> test, int invocations, ExecutionScenario... scenarios) {
    ModelCheckingOptions options = new ModelCheckingOptions()
        .iterations(0)
        .invocationsPerIteration(invocations);
    for (ExecutionScenario s : scenarios) {
      options.addCustomScenario(s);
    }
    options.check(test);
  }
}
