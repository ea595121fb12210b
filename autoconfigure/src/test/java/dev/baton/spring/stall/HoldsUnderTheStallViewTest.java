package dev.baton.spring.stall;

import static dev.baton.spring.observation.TestCalls.call;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.AsyncCondition;
import dev.baton.AsyncLock;
import dev.baton.AsyncSemaphore;
import dev.baton.Permit;
import dev.baton.spring.BatonProperties;
import dev.baton.spring.TestProperties;
import dev.baton.spring.local.DefaultPrimitiveRegistry;
import dev.baton.spring.local.LocalPrimitives;
import dev.baton.spring.observation.Call;
import dev.baton.spring.observation.Hold;
import dev.baton.spring.observation.HoldTracking;
import dev.baton.spring.observation.TestCalls;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The holds a registry hands out while the stall view is on: who took them, which call keeps
 * them, and what the permit their taker is given does.
 */
@Timeout(30)
class HoldsUnderTheStallViewTest {

  private StallView view = view(BatonProperties.Stalls.Level.BASIC);
  private DefaultPrimitiveRegistry registry = registry(view);

  @AfterEach
  void destroyView() {
    view.destroy();
  }

  private static StallView view(BatonProperties.Stalls.Level level) {
    return new StallView(new BatonProperties.Stalls(level, Duration.ofMillis(50),
        Duration.ofHours(1), Duration.ofHours(1), Map.of()));
  }

  private static DefaultPrimitiveRegistry registry(StallView view) {
    return new DefaultPrimitiveRegistry(TestProperties.defaults(), new LocalPrimitives(),
        List.of(), false, view);
  }

  /** An annotation's acquire granted after it waited is held by its method, as one at once is. */
  @Test
  void aWaitGrantedLaterIsHeldByTheMethodThatAsked() {
    AsyncLock ledger = registry.lock("ledger");
    Permit inCode = ledger.acquire().join();
    CompletableFuture<Permit> waiting = TestCalls.as(call("Ledger.write"),
        () -> ((HoldTracking) ledger).acquire(Duration.ofMinutes(1), "Ledger.write"));

    inCode.release();

    Hold hold = Hold.of(waiting.join());
    assertThat(hold.takenBy()).isEqualTo("Ledger.write");
    assertThat(((HoldTracking) ledger).holds().all()).containsExactly(hold);
    waiting.join().release();
  }

  /**
   * A permit taken without waiting is a hold like any other: listed and kept by the call that
   * took it until released.
   */
  @Test
  void aPermitTakenWithoutWaitingIsListedAndKeptByItsCall() {
    AsyncLock ledger = registry.lock("ledger");
    Call post = call("Ledger.post");

    Permit permit = TestCalls.as(post, ledger::tryAcquire).orElseThrow();

    Hold hold = Hold.of(permit);
    assertThat(hold).isNotNull();
    assertThat(hold.call()).isSameAs(post);
    assertThat(((HoldTracking) ledger).holds().all()).containsExactly(hold);
    assertThat(post.locksHeld()).containsExactly(hold);
    permit.release();
    assertThat(((HoldTracking) ledger).holds().count()).isZero();
    assertThat(post.locksHeld()).isEmpty();
  }

  /** "Semaphore permits are not listed" among the locks a call holds. */
  @Test
  void aSemaphorePermitIsNotAmongTheLocksItsCallHolds() {
    AsyncSemaphore payments = registry.semaphore("payments", 2);
    Call charge = call("Payments.charge");

    Permit permit = TestCalls.as(charge, payments::acquire).join();

    assertThat(Hold.of(permit).call()).isSameAs(charge);
    assertThat(charge.locksHeld()).isEmpty();
    permit.release();
    assertThat(charge.locksHeld()).isEmpty();
  }

  /**
   * A condition's waiter that takes the lock back holds it as the call that waited, which keeps
   * the new hold until it is released.
   */
  @Test
  void aConditionWaiterTakingTheLockBackHoldsItAsItsCall() {
    AsyncCondition ready = registry.condition("ready");
    Call worker = call("Worker.run");
    Permit held = TestCalls.as(worker, ready.lock()::acquire).join();
    CompletableFuture<Permit> back = TestCalls.as(worker, () -> ready.await(held));
    assertThat(worker.locksHeld()).as("while it waits for a signal").isEmpty();

    Permit signalling = ready.lock().acquire().join();
    ready.signal();
    signalling.release();

    Hold again = Hold.of(back.join());
    assertThat(again.call()).isSameAs(worker);
    assertThat(worker.locksHeld()).containsExactly(again);
    back.join().release();
    assertThat(worker.locksHeld()).isEmpty();
  }

  /**
   * In strict mode taking a condition's lock back in an order inverting one already seen is
   * refused like any other request: the wait fails at once and leaves nothing waiting or held.
   */
  @Test
  void inStrictModeTakingAConditionsLockBackInAnInvertedOrderFailsTheWaitAtOnce() {
    view.destroy();
    view = view(BatonProperties.Stalls.Level.STRICT);
    registry = registry(view);
    AsyncCondition ready = registry.condition("ready");
    AsyncLock ledger = registry.lock("ledger");
    Call worker = call("Worker.run");
    Permit readyHeld = TestCalls.as(worker, ready.lock()::acquire).join();
    Permit ledgerHeld = TestCalls.as(worker, ledger::acquire).join();

    CompletableFuture<Permit> back = TestCalls.as(worker, () -> ready.await(readyHeld));

    assertThat(back).isCompletedExceptionally();
    assertThatThrownBy(back::join).cause().isInstanceOf(DeadlockException.class)
        .hasMessageStartingWith("lock-order inversion: Worker.run takes lock 'ledger', then"
            + " condition 'ready'");
    assertThat(ready.waiters()).isZero();
    assertThat(ready.lock().isLocked()).isFalse();
    ledgerHeld.release();
  }

  /** The permit a taker is given releases once, as any registry permit does, and closes twice. */
  @Test
  void theTakersPermitReleasesOnceAndClosesAnyNumberOfTimes() {
    AsyncLock ledger = registry.lock("ledger");
    Permit permit = ledger.acquire().join();
    long token = permit.token();
    assertThat(token).isPositive();
    assertThat(permit.isReleased()).isFalse();

    permit.release();

    assertThat(permit.isReleased()).isTrue();
    assertThat(permit.token()).isEqualTo(token);
    assertThatThrownBy(permit::release).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("lock 'ledger' was already released");
    Permit closed = ledger.acquire().join();
    closed.close();
    closed.close();
    assertThat(closed.isReleased()).isTrue();
    assertThat(ledger.isLocked()).isFalse();
  }
}
