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
 * Lincheck: {@link AsyncEvent} is linearizable under set, clear, await and cancellation of
 * pending awaits.
 *
 * <p>{@code waiters()} is checked by its own scenario, {@link #waitersAgreesWithIsSet()}: it reads
 * the count without the guard, so {@code set()} must empty the queue in one step before raising
 * the flag.
 */
public class EventLincheckTest {

  private final AsyncEvent event = AsyncEvent.create();
  private final PendingWaits pending = new PendingWaits();

  @Operation
  public void set() {
    event.set();
  }

  @Operation
  public void clear() {
    event.clear();
  }

  @Operation
  public boolean isSet() {
    return event.isSet();
  }

  /** Whether the await queued (false: the event was set and it completed at once). */
  @Operation
  public boolean await() {
    PendingWaits.Slot slot = pending.reserve();
    CompletableFuture<Void> f = event.await();
    slot.publish(f);
    return LincheckSupport.queued(f);
  }

  @Operation
  public boolean cancelAwait() {
    return pending.cancelOldest();
  }

  @Test
  public void modelChecking() {
    LincheckSupport.modelChecking(2)
        // set, clear, set, set with one waiter: it wakes exactly once; a cancel racing the sets
        // either withdraws it or finds it woken.
        .addCustomScenario(scenario(getClass(),
            init("await"),
            parallel(thread("set", "clear", "set", "set"), thread("cancelAwait", "await")),
            post("cancelAwait", "isSet")))
        // set wakes every current waiter, also with a cancel in the middle.
        .addCustomScenario(scenario(getClass(),
            init("await", "await"),
            parallel(thread("set", "clear"), thread("cancelAwait", "await")),
            post("cancelAwait", "cancelAwait")))
        .check(getClass());
  }

  /**
   * A cancel that comes after another call saw the event set finds its waiter woken, even while
   * the set is still completing the futures it woke. Regression: the cancel won such a wake-up in
   * transit, although the set, whose flag was already seen, had come first.
   */
  @Test
  public void aCancelAfterTheSetWasSeenFindsTheWaiterWoken() {
    LincheckSupport.modelCheckOnly(getClass(), 1_000, scenario(getClass(),
        init("await"),
        parallel(thread("set"), thread("isSet", "cancelAwait")),
        post("isSet")));
  }

  @Test
  public void stress() {
    LincheckSupport.stress(2)
        .check(getClass());
  }

  /**
   * Two waiters, {@code set()} on one thread, {@code isSet()} then {@code waiters()} on another:
   * every sequential order gives 2 waiters before the set and 0 after it. Regression: {@code set()}
   * once unlinked waiters one at a time, so a reader could see the event set and a waiter counted.
   */
  @Test
  public void waitersAgreesWithIsSet() {
    LincheckSupport.modelCheckOnly(WithWaitersCount.class, 1_000, scenario(WithWaitersCount.class,
        init("await", "await"),
        parallel(thread("set"), thread("isSet", "waiters")),
        post("waiters")));
  }

  /** The harness plus the {@code waiters()} read. */
  public static class WithWaitersCount extends EventLincheckTest {
    @Operation
    public int waiters() {
      return super.event.waiters();
    }
  }
}
