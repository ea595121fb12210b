package dev.baton.spring.aspect;

import static dev.baton.spring.aspect.Waits.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.AcquireTimeoutException;
import dev.baton.AsyncEvent;
import dev.baton.AsyncLock;
import dev.baton.AsyncSemaphore;
import dev.baton.Permit;
import dev.baton.spring.PrimitiveRegistry;
import dev.baton.spring.aspect.TestServices.ClassLevelService;
import dev.baton.spring.aspect.TestServices.OrderingService;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;
import reactor.core.Disposable;

/** Several Baton annotations on one method, and annotations on the class. */
@SuppressWarnings("try") // permits held by try-with-resources to keep a primitive busy
@BatonAspectsTest
@Timeout(30)
class AspectOrderingTest {

  @Autowired
  private OrderingService ordering;

  @Autowired
  private ClassLevelService classLevel;

  @Autowired
  private PrimitiveRegistry registry;

  @Test
  void awaitsEventComesBeforeLimitedSoNoPermitIsTakenWhileTheEventIsClear() {
    AsyncEvent gate = registry.event("gate");
    AsyncSemaphore permits = registry.semaphore("gate-permits");
    Probe probe = Probe.finishedByTest();
    gate.clear();

    CompletableFuture<String> call = ordering.gatedLimited(probe);
    assertThat(gate.waiters()).isEqualTo(1);
    assertThat(permits.availablePermits()).isEqualTo(1);
    assertThat(permits.waiters()).isZero();

    gate.set();
    assertThat(permits.availablePermits()).isZero();
    assertThat(probe.started()).isEqualTo(1);

    probe.finishNext();
    assertThat(call).isCompletedWithValue("gated");
    assertThat(permits.availablePermits()).isEqualTo(1);
  }

  @Test
  void limitedComesBeforeGuardedSoAPermitIsHeldWhileWaitingForTheLock() {
    AsyncSemaphore permits = registry.semaphore("limited-guarded-permits");
    AsyncLock lock = registry.lock("limited-guarded-lock");
    Probe probe = Probe.finishedByTest();
    CompletableFuture<String> call;
    try (Permit held = Waits.joined(lock.acquire())) {
      call = Waits.onThreads(1, i -> ordering.limitedGuarded(probe)).get(0);
      eventually().untilAsserted(() -> assertThat(lock.waiters()).isEqualTo(1));
      assertThat(permits.availablePermits()).isZero();
    }

    assertThat(call).succeedsWithin(Duration.ofSeconds(5)).isEqualTo("value");
    assertThat(permits.availablePermits()).isEqualTo(1);
    assertThat(lock.isLocked()).isFalse();
  }

  @Test
  void cancellingTheOuterFutureWithdrawsTheInnerWaitForAPermit() {
    assertWithdrawingTheCallWithdrawsItsWaitForAPermit("gate", probe -> {
      CompletableFuture<String> call = ordering.gatedLimited(probe);
      return () -> call.cancel(false);
    });
  }

  @Test
  void cancellingTheOuterFutureWithdrawsAWaitForTheLockTwoScopesDown() {
    AsyncEvent gate = registry.event("gate-three");
    AsyncSemaphore permits = registry.semaphore("gate-three-permits");
    AsyncLock lock = registry.lock("gate-three-lock");
    Probe probe = Probe.finishedByTest();
    gate.set();
    try (Permit held = Waits.joined(lock.acquire())) {
      CompletableFuture<String> call = ordering.gatedLimitedGuarded(probe);
      assertThat(permits.availablePermits()).isZero();
      assertThat(lock.waiters()).isEqualTo(1);

      call.cancel(false);
      assertThat(lock.waiters()).isZero();
      assertThat(permits.availablePermits()).isEqualTo(1);
    } finally {
      gate.clear();
    }
    assertThat(lock.isLocked()).isFalse();
    assertThat(probe.started()).isZero();
  }

  @Test
  void disposingTheOuterMonoWithdrawsTheInnerWaitForTheLockAndReturnsThePermit() {
    AsyncSemaphore permits = registry.semaphore("limited-guarded-mono-permits");
    AsyncLock lock = registry.lock("limited-guarded-mono-lock");
    Probe probe = Probe.finishedByTest();
    try (Permit held = Waits.joined(lock.acquire())) {
      Disposable subscription = ordering.limitedGuardedMono(probe).subscribe();
      assertThat(permits.availablePermits()).isZero();
      assertThat(lock.waiters()).isEqualTo(1);

      subscription.dispose();
      assertThat(lock.waiters()).isZero();
      assertThat(permits.availablePermits()).isEqualTo(1);
    }
    assertThat(lock.isLocked()).isFalse();
    assertThat(probe.started()).isZero();
  }

  @Test
  void aMonoWithAwaitsEventAndLimitedTakesNoPermitWhileTheEventIsClear() {
    AsyncEvent gate = registry.event("gate-mono");
    AsyncSemaphore permits = registry.semaphore("gate-mono-permits");
    Probe probe = Probe.finishedByTest();
    gate.clear();

    CompletableFuture<String> call = ordering.gatedLimitedMono(probe).toFuture();
    assertThat(gate.waiters()).isEqualTo(1);
    assertThat(permits.availablePermits()).isEqualTo(1);

    gate.set();
    try {
      assertThat(probe.started()).as("bodies started once the event is set").isEqualTo(1);
      assertThat(permits.availablePermits()).isZero();
      probe.finishNext();
      assertThat(call).succeedsWithin(Duration.ofSeconds(5)).isEqualTo("gated");
    } finally {
      gate.clear();
    }
  }

  @Test
  void disposingTheOuterMonoWithdrawsTheInnerWaitForAPermit() {
    assertWithdrawingTheCallWithdrawsItsWaitForAPermit("gate-mono",
        probe -> ordering.gatedLimitedMono(probe).subscribe());
  }

  /**
   * With event {@code gateName} set and the one permit of {@code gateName + "-permits"} held,
   * starts a call ({@code start} returns how to withdraw it) that waits for the permit, then
   * withdraws it: its wait is gone, the permit comes back, and the body never runs.
   */
  private void assertWithdrawingTheCallWithdrawsItsWaitForAPermit(String gateName,
      Function<Probe, Disposable> start) {
    AsyncEvent gate = registry.event(gateName);
    AsyncSemaphore permits = registry.semaphore(gateName + "-permits");
    Probe probe = Probe.finishedByTest();
    gate.set();
    try (Permit held = Waits.joined(permits.acquire())) {
      Disposable call = start.apply(probe);
      assertThat(permits.waiters()).as("waiting for a permit").isEqualTo(1);

      call.dispose();
      assertThat(permits.waiters()).isZero();
    } finally {
      gate.clear();
    }
    assertThat(permits.availablePermits()).isEqualTo(1);
    assertThat(probe.started()).isZero();
  }

  @Test
  void setsEventIsOutermostSoTheEventIsSetOnlyAfterTheLockIsReleased() {
    AsyncEvent done = registry.event("done-value");
    AsyncLock lock = registry.lock("done-value-lock");
    List<Boolean> lockedWhenSet = Waits.stateWhenSet(done, lock::isLocked);

    ordering.setsAfterGuarded(Probe.finishedByTest());

    assertThat(lockedWhenSet).containsExactly(false);
  }

  @Test
  void setsEventIsOutermostSoAFutureSetsTheEventOnlyAfterThePermitIsReleased() {
    AsyncEvent done = registry.event("done-future");
    AsyncSemaphore permits = registry.semaphore("done-future-permits");
    List<Integer> permitsWhenSet = Waits.stateWhenSet(done, permits::availablePermits);
    Probe probe = Probe.finishedByTest();

    CompletableFuture<String> call = ordering.setsAfterLimitedFuture(probe);
    probe.finishNext();

    assertThat(call).isCompletedWithValue("future");
    assertThat(permitsWhenSet).containsExactly(1);
  }

  /** "sets the named event when the call completes normally (never on failure)": a timeout. */
  @Test
  void aWaitThatTimesOutInsideSetsEventFailsTheCallAndLeavesTheEventClear() {
    Probe probe = Probe.finishedByTest();
    try (Permit held = Waits.joined(registry.lock("given-up-lock").acquire())) {
      CompletableFuture<String> future = ordering.setsUnlessGuardedGivesUp(probe);
      CompletableFuture<String> mono = ordering.setsUnlessGuardedMonoGivesUp(probe).toFuture();

      for (CompletableFuture<String> call : List.of(future, mono)) {
        assertThat(call).failsWithin(Duration.ofSeconds(5))
            .withThrowableOfType(ExecutionException.class)
            .havingCause().isInstanceOf(AcquireTimeoutException.class);
      }
    }
    assertThat(probe.started()).isZero();
    assertThat(registry.event("given-up-future").isSet()).isFalse();
    assertThat(registry.event("given-up-mono").isSet()).isFalse();
  }

  @Test
  void setsEventIsOutermostSoAMonoSetsTheEventOnlyAfterThePermitIsReleased() {
    AsyncEvent done = registry.event("done-mono");
    AsyncSemaphore permits = registry.semaphore("done-mono-permits");
    List<Integer> permitsWhenSet = Waits.stateWhenSet(done, permits::availablePermits);
    Probe probe = Probe.finishedByTest();

    CompletableFuture<String> call = ordering.setsAfterLimitedMono(probe).toFuture();
    probe.finishNext();

    assertThat(call).succeedsWithin(Duration.ofSeconds(5)).isEqualTo("mono");
    assertThat(permitsWhenSet).containsExactly(1);
  }

  @Test
  void setsEventIsOutermostSoAFluxSetsTheEventOnlyAfterThePermitIsReleased() {
    AsyncEvent done = registry.event("done-flux");
    AsyncSemaphore permits = registry.semaphore("done-flux-permits");
    List<Integer> permitsWhenSet = Waits.stateWhenSet(done, permits::availablePermits);
    Probe probe = Probe.finishedByTest();

    CompletableFuture<List<String>> call =
        ordering.setsAfterLimitedFlux(probe).collectList().toFuture();
    probe.finishNext();

    assertThat(call).succeedsWithin(Duration.ofSeconds(5)).isEqualTo(List.of("flux"));
    assertThat(permitsWhenSet).containsExactly(1);
  }

  // Class-level annotations

  @Test
  void aClassLevelAnnotationLimitsEveryPublicMethodTogether() {
    AsyncSemaphore classPermits = registry.semaphore("class-permits");
    Probe probe = Probe.finishedByTest();

    CompletableFuture<String> first = classLevel.first(probe);
    assertThat(classPermits.availablePermits()).isZero();
    CompletableFuture<String> second = Waits.onThreads(1, i -> classLevel.second(probe)).get(0);
    eventually().untilAsserted(() -> assertThat(classPermits.waiters()).isEqualTo(1));
    assertThat(probe.started()).isEqualTo(1);

    probe.finishNext();
    assertThat(first).isCompletedWithValue("first");
    eventually().untilAsserted(() -> assertThat(probe.started()).isEqualTo(2));
    probe.finishNext();
    assertThat(second).succeedsWithin(Duration.ofSeconds(5)).isEqualTo("second");
    assertThat(classPermits.availablePermits()).isEqualTo(1);
  }

  @Test
  void aMethodAnnotationOverridesTheClassAnnotation() {
    AsyncSemaphore classPermits = registry.semaphore("class-permits");
    AsyncSemaphore methodPermits = registry.semaphore("method-permits");
    Probe probe = Probe.finishedByTest();
    try (Permit held = Waits.joined(classPermits.acquire())) {
      CompletableFuture<String> call = classLevel.overridden(probe);

      assertThat(probe.started()).isEqualTo(1);
      assertThat(methodPermits.availablePermits()).isEqualTo(1);
      assertThat(classPermits.waiters()).isZero();
      probe.finishNext();
      assertThat(call).isCompletedWithValue("overridden");
      assertThat(methodPermits.availablePermits()).isEqualTo(2);
    }
  }

  @Test
  void aClassLevelAnnotationLeavesNonPublicMethodsAlone() {
    AsyncSemaphore classPermits = registry.semaphore("class-permits");
    Probe probe = Probe.finishedByTest();
    try (Permit held = Waits.joined(classPermits.acquire())) {
      assertThat(classLevel.notPublic(probe)).isEqualTo("not public");
      assertThat(classPermits.waiters()).isZero();
    }
  }

  /** The annotation applies to the methods its class declares, not to those it inherits. */
  @Test
  void aClassLevelAnnotationLeavesMethodsInheritedFromAnotherClassAlone() {
    AsyncSemaphore classPermits = registry.semaphore("class-permits");
    Probe probe = Probe.finishedByTest();
    try (Permit held = Waits.joined(classPermits.acquire())) {
      assertThat(classLevel.inherited(probe)).isEqualTo("inherited");
      assertThat(classLevel.toString()).isNotBlank();
      assertThat(classPermits.waiters()).isZero();
    }
  }
}
