package dev.baton;

import static dev.baton.Scenarios.init;
import static dev.baton.Scenarios.parallel;
import static dev.baton.Scenarios.post;
import static dev.baton.Scenarios.scenario;
import static dev.baton.Scenarios.thread;

import java.util.concurrent.CompletableFuture;
import org.jetbrains.lincheck.datastructures.Operation;
import org.junit.jupiter.api.Test;

/**
 * Lincheck: {@link AsyncBarrier} with two parties is linearizable under await, reset, abort and
 * cancellation of waiting parties.
 *
 * <p>Two parties, so a trip, a reset or an abort releases at most one waiting party: with more,
 * {@code waiting()} can be read while the breaking call is half-way through its queue (see
 * {@link EventLincheckTest}), which is a property of that read, not of the barrier.
 */
public class BarrierLincheckTest {

  private static final int PARTIES = 2;
  /** {@link #await}'s answer for a party that waits. */
  static final int WAITS = -1;
  /** {@link #await}'s answer when the barrier is broken. */
  static final int BROKEN = -2;

  private final AsyncBarrier barrier = AsyncBarrier.create(PARTIES);
  private final PendingWaits pending = new PendingWaits();

  /** The arrival index of a party that trips the barrier, {@link #WAITS} or {@link #BROKEN}. */
  @Operation
  public int await() {
    PendingWaits.Slot slot = pending.reserve();
    CompletableFuture<Integer> f = barrier.await();
    slot.publish(f);
    if (LincheckSupport.queued(f)) {
      return WAITS;
    }
    return f.isCompletedExceptionally() ? BROKEN : f.join();
  }

  @Operation
  public boolean cancelAwait() {
    return pending.cancelOldest();
  }

  @Operation
  public void reset() {
    barrier.reset();
  }

  @Operation
  public void abort() {
    barrier.abort();
  }

  @Operation
  public boolean isBroken() {
    return barrier.isBroken();
  }

  @Operation
  public int waiting() {
    return barrier.waiting();
  }

  @Test
  public void modelChecking() {
    LincheckSupport.modelChecking(2)
        // a cancel racing the arrival that trips the barrier: the party either leaves (the
        // arrival waits instead) or was released with index 0.
        .addCustomScenario(scenario(getClass(),
            init("await"),
            parallel(thread("await"), thread("cancelAwait")),
            post("waiting", "await")))
        // abort racing an arrival, then reset re-arms.
        .addCustomScenario(scenario(getClass(),
            init("await"),
            parallel(thread("abort", "reset"), thread("await", "await")),
            post("isBroken", "waiting")))
        .check(getClass());
  }

  @Test
  public void stress() {
    LincheckSupport.stress(2)
        .check(getClass());
  }
}
