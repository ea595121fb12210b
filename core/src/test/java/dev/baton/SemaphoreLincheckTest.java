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
 * Lincheck: {@link AsyncSemaphore} with two permits is linearizable under acquire, tryAcquire,
 * release and cancellation of queued acquires.
 *
 * <p>Same harness as {@link LockLincheckTest}: the pool holds the permits granted to the harness,
 * {@code release} returns one and answers false when the semaphore says none is out.
 */
public class SemaphoreLincheckTest {

  private static final int PERMITS = 2;

  private final AsyncSemaphore semaphore = AsyncSemaphore.create(PERMITS);
  private final HeldPermits held = new HeldPermits(PERMITS);
  private final PendingWaits pending = new PendingWaits();

  /** Whether the acquire queued; its permit joins the pool when granted. */
  @Operation
  public boolean acquire() {
    PendingWaits.Slot slot = pending.reserve();
    CompletableFuture<Permit> f = semaphore.acquire();
    f.thenAccept(held::add);
    slot.publish(f);
    return LincheckSupport.queued(f);
  }

  @Operation
  public boolean tryAcquire() {
    Optional<Permit> p = semaphore.tryAcquire();
    p.ifPresent(held::add);
    return p.isPresent();
  }

  @Operation
  public boolean release() {
    return held.releaseOne(() -> semaphore.availablePermits() < PERMITS);
  }

  @Operation
  public boolean cancelAcquire() {
    return pending.cancelOldest();
  }

  @Operation
  public int availablePermits() {
    return semaphore.availablePermits();
  }

  @Operation
  public int waiters() {
    return semaphore.waiters();
  }

  @Test
  public void modelChecking() {
    LincheckSupport.modelChecking(3)
        // gh-90155: a release racing the cancel of the waiter: the permit ends with the waiter
        // (the cancel lost) or back in the pool (it won), never lost.
        .addCustomScenario(scenario(getClass(),
            init("tryAcquire", "tryAcquire", "acquire"),
            parallel(thread("release"), thread("cancelAcquire")),
            post("availablePermits", "waiters", "tryAcquire")))
        // several waiters cancelled while permits come back: the first live waiter gets one.
        .addCustomScenario(scenario(getClass(),
            init("tryAcquire", "tryAcquire", "acquire", "acquire"),
            parallel(thread("release", "release"), thread("cancelAcquire", "tryAcquire")),
            post("availablePermits", "waiters")))
        // bpo-45997: a re-acquirer queues behind the waiter a release just woke.
        .addCustomScenario(scenario(getClass(),
            init("tryAcquire", "tryAcquire", "acquire"),
            parallel(thread("release", "acquire"), thread("tryAcquire", "waiters")),
            post("availablePermits", "waiters")))
        .check(getClass());
  }

  /**
   * A permit comes back while an acquire queues for one. Once the release has returned, the
   * acquire holds that permit, so no waiter may show: the acquire must not sit in the queue, even
   * briefly, with a permit free that no release will grant.
   */
  @Test
  public void noWaiterShowsOnceAReleaseRacingTheQueueingAcquireHasReturned() {
    LincheckSupport.modelCheckOnly(getClass(), 10_000, scenario(getClass(),
        init("tryAcquire", "tryAcquire"),
        parallel(thread("acquire"), thread("release", "waiters")),
        post("waiters")));
  }

  @Test
  public void stress() {
    LincheckSupport.stress(3)
        .check(getClass());
  }
}
