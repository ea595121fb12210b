package dev.baton;

import static dev.baton.Scenarios.init;
import static dev.baton.Scenarios.parallel;
import static dev.baton.Scenarios.post;
import static dev.baton.Scenarios.scenario;
import static dev.baton.Scenarios.thread;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.jetbrains.lincheck.datastructures.Operation;
import org.junit.jupiter.api.Test;

/**
 * Lincheck: {@link AsyncLock} is linearizable under acquire, tryAcquire, release and cancellation
 * of queued acquires.
 *
 * <p>The harness holds the lock through {@link HeldPermits}: {@code release} releases whatever the
 * harness holds, and answers false when the lock says it is free. Queued acquires are
 * indistinguishable in the results, so cancelling "the oldest that still accepts a cancel" is,
 * observably, asyncio's "a cancelled waiter leaves the queue".
 */
public class LockLincheckTest {

  private final AsyncLock lock = AsyncLock.create();
  private final HeldPermits held = new HeldPermits(1);
  private final PendingWaits pending = new PendingWaits();

  /** Whether the acquire queued; its permit joins the pool when granted. */
  @Operation
  public boolean acquire() {
    PendingWaits.Slot slot = pending.reserve();
    CompletableFuture<Permit> f = lock.acquire();
    f.thenAccept(held::add);
    slot.publish(f);
    return LincheckSupport.queued(f);
  }

  @Operation
  public boolean tryAcquire() {
    Optional<Permit> p = lock.tryAcquire();
    p.ifPresent(held::add);
    return p.isPresent();
  }

  @Operation
  public boolean release() {
    return held.releaseOne(lock::isLocked);
  }

  @Operation
  public boolean cancelAcquire() {
    return pending.cancelOldest();
  }

  @Operation
  public boolean isLocked() {
    return lock.isLocked();
  }

  @Operation
  public int waiters() {
    return lock.waiters();
  }

  @Test
  public void modelChecking() {
    LincheckSupport.modelChecking(2)
        // cancel and release at once with two waiters: exactly one is admitted, none stranded.
        .addCustomScenario(scenario(getClass(),
            init("tryAcquire", "acquire", "acquire"),
            parallel(thread("release", "release"), thread("cancelAcquire")),
            post("isLocked", "waiters")))
        // no barging: a newcomer cannot slip in while the lock is handed to the queued waiter.
        .addCustomScenario(scenario(getClass(),
            init("tryAcquire", "acquire"),
            parallel(thread("release"), thread("tryAcquire", "acquire")),
            post("waiters")))
        .check(getClass());
  }

  /**
   * bpo-32734: the only waiter is cancelled while the holder releases. Either the waiter was
   * admitted (the cancel returns false) or it left and the release unlocks; the release never
   * fails and the lock is never left locked with nobody holding it.
   */
  @Test
  public void releaseRacingTheCancelOfTheLastWaiterUnlocks() {
    LincheckSupport.modelCheckOnly(getClass(), 1_000, scenario(getClass(),
        init("tryAcquire", "acquire"),
        parallel(thread("release"), thread("cancelAcquire")),
        post("isLocked", "waiters", "release")));
  }

  /**
   * A cancel that reaches the waiter the moment its grant is decided delivers the permit itself,
   * and a release of that permit at once must find the lock handed over to it. Regression: the
   * hand-off decided the grant before it wrote the new holder's token, so that release failed
   * as "already released" and the lock stayed held for good.
   */
  @Test
  public void aPermitDeliveredByALosingCancelReleasesTheLock() {
    LincheckSupport.modelCheckOnly(getClass(), 1_000, scenario(getClass(),
        init("tryAcquire", "acquire"),
        parallel(thread("release"), thread("cancelAcquire", "release")),
        post("isLocked", "release", "isLocked")));
  }

  /**
   * Two cancels race for the only waiter and the loser then reads the count: it must not count
   * the waiter the winner withdrew. Regression (found by the barrier's stress test, in the wait
   * queue all primitives share): a withdrawal marked the waiter before it unlinked it, so the
   * loser could find it withdrawn and still counted.
   */
  @Test
  public void aCancelThatLosesToAnotherNoLongerCountsTheWaiter() {
    LincheckSupport.modelCheckOnly(getClass(), 1_000, scenario(getClass(),
        init("tryAcquire", "acquire"),
        parallel(thread("cancelAcquire"), thread("cancelAcquire", "waiters")),
        post("waiters")));
  }

  @Test
  public void stress() {
    LincheckSupport.stress(2)
        .check(getClass());
  }
}
