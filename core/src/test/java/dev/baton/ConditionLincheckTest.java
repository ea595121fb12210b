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
 * Lincheck: {@link AsyncCondition} is linearizable under acquire, release, await, signal,
 * signalAll and cancellation of awaits, used as asyncio's Condition is used: await and signal
 * only while holding the lock.
 *
 * <p>The harness holds the lock through {@link HeldPermits}. {@code await}, {@code signal},
 * {@code signalAll} and {@code waiters} take the held permit out of the pool for their duration
 * (or answer false / -1 at once when the lock is free), which is what "holding the lock" means
 * for a lock without an owning thread. That excludes two interleavings no correct program can
 * produce: a signal landing between await's enqueue and its release, and a count read there.
 */
public class ConditionLincheckTest {

  /** {@link #waiters()} when the lock is free, so the count cannot be read under it. */
  static final int NOT_LOCKED = -1;

  private final AsyncCondition condition = AsyncCondition.create();
  private final AsyncLock lock = condition.lock();
  private final HeldPermits held = new HeldPermits(1);
  private final PendingWaits awaits = new PendingWaits();

  /** Whether the acquire queued; its permit joins the pool when granted. */
  @Operation
  public boolean acquire() {
    CompletableFuture<Permit> f = condition.acquire();
    f.thenAccept(held::add);
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

  /** Awaits with the held permit; false (and no await) when the lock is free. */
  @Operation
  public boolean await() {
    Permit p = held.take(lock::isLocked);
    if (p == null) {
      return false;
    }
    PendingWaits.Slot slot = awaits.reserve();
    CompletableFuture<Permit> f = condition.await(p);
    f.thenAccept(held::add);
    slot.publish(f);
    return true;
  }

  @Operation
  public boolean signal() {
    Permit p = held.take(lock::isLocked);
    if (p == null) {
      return false;
    }
    try {
      condition.signal();
    } finally {
      held.add(p);
    }
    return true;
  }

  @Operation
  public boolean signalAll() {
    Permit p = held.take(lock::isLocked);
    if (p == null) {
      return false;
    }
    try {
      condition.signalAll();
    } finally {
      held.add(p);
    }
    return true;
  }

  @Operation
  public boolean cancelAwait() {
    return awaits.cancelOldest();
  }

  @Operation
  public boolean isLocked() {
    return lock.isLocked();
  }

  /** The number of awaits waiting for a signal, read holding the lock, or {@link #NOT_LOCKED}. */
  @Operation
  public int waiters() {
    Permit p = held.take(lock::isLocked);
    if (p == null) {
      return NOT_LOCKED;
    }
    try {
      return condition.waiters();
    } finally {
      held.add(p);
    }
  }

  @Test
  public void modelChecking() {
    LincheckSupport.modelChecking(3)
        // lost wake-up: two awaits, one signal, the signalled one cancelled before it runs; the
        // other must still wake.
        .addCustomScenario(scenario(getClass(),
            init("acquire", "await", "acquire", "await", "acquire", "signal"),
            parallel(thread("release"), thread("cancelAwait")),
            post("waiters", "release", "isLocked")))
        // a cancel racing signalAll.
        .addCustomScenario(scenario(getClass(),
            init("acquire", "await", "acquire", "await", "acquire"),
            parallel(thread("signalAll", "release"), thread("cancelAwait")),
            post("isLocked", "release", "release", "isLocked")))
        .check(getClass());
  }

  /*
   * Regressions for the next two tests: cancelling an await that a signal had already unlinked
   * gave up its place in the lock queue first and passed its signal on only afterwards, in a
   * separate step, so other threads could act in between. Now the withdrawn waiter hands both on
   * in one step under the condition's guard (SignalWaiter.withdraw).
   */

  /**
   * Lost wake-up with a newcomer: two awaits, the first signalled, the lock released while the
   * signalled await is cancelled, and a {@code tryAcquire} alongside. The cancelled await's
   * signal passes to the other await; in every sequential order that await is queued for the lock
   * before the release, which hands it the lock, so the newcomer's {@code tryAcquire} fails.
   */
  @Test
  public void aNewcomerCannotTakeTheLockWhileACancelledAwaitPassesItsSignalOn() {
    LincheckSupport.modelCheckOnly(getClass(), 1_000, scenario(getClass(),
        init("acquire", "await", "acquire", "await", "acquire", "signal"),
        parallel(thread("release"), thread("cancelAwait"), thread("tryAcquire")),
        post("waiters", "release", "isLocked")));
  }

  /**
   * One signalled await, cancelled on one thread; on another, a cancel that finds nothing left
   * to cancel, then a new await. The signal of the cancelled await had nobody to pass to when it
   * was cancelled, so the new await must keep waiting (and the lock stay free).
   */
  @Test
  public void anAwaitThatArrivesAfterTheCancelDoesNotReceiveTheCancelledAwaitsSignal() {
    LincheckSupport.modelCheckOnly(getClass(), 1_000, scenario(getClass(),
        init("acquire", "await", "acquire", "signal"),
        parallel(thread("cancelAwait"), thread("cancelAwait", "await")),
        post("isLocked", "waiters")));
  }

  @Test
  public void stress() {
    LincheckSupport.stress(3)
        .check(getClass());
  }
}
