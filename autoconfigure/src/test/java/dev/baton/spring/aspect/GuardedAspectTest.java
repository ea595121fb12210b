package dev.baton.spring.aspect;

import static dev.baton.spring.aspect.Waits.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.AcquireTimeoutException;
import dev.baton.AsyncLock;
import dev.baton.Permit;
import dev.baton.spring.PrimitiveRegistry;
import dev.baton.spring.aspect.TestServices.GuardedService;
import dev.baton.spring.local.DefaultPrimitiveRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;
import reactor.core.Disposable;
import reactor.test.StepVerifier;

@SuppressWarnings("try") // permits held by try-with-resources to keep a primitive busy
@BatonAspectsTest
@Timeout(60)
class GuardedAspectTest {

  @Autowired
  private GuardedService guarded;

  @Autowired
  private PrimitiveRegistry registry;

  private DefaultPrimitiveRegistry local() {
    return (DefaultPrimitiveRegistry) registry;
  }

  @Test
  void callsWithDifferentKeysRunConcurrentlyAndCallsWithTheSameKeyOneAtATime() {
    Probe apples = Probe.finishedByTest();
    Probe pears = Probe.finishedByTest();

    List<CompletableFuture<String>> calls = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      calls.add(guarded.reserve("apple", apples));
      calls.add(guarded.reserve("pear", pears));
    }

    assertThat(apples.inFlight()).isEqualTo(1);
    assertThat(pears.inFlight()).isEqualTo(1);
    assertThat(registry.lock("sku", "apple").waiters()).isEqualTo(4);
    assertThat(registry.lock("sku", "pear").waiters()).isEqualTo(4);
    assertThat(local().activeKeys("sku")).isEqualTo(2);

    for (int i = 0; i < 5; i++) {
      apples.finishNext();
      pears.finishNext();
    }

    assertThat(Waits.all(calls)).isCompleted();
    assertThat(apples.started()).isEqualTo(5);
    assertThat(apples.maxInFlight()).isEqualTo(1);
    assertThat(pears.maxInFlight()).isEqualTo(1);
    assertThat(local().activeKeys("sku")).isZero();
  }

  @Test
  void synchronousCallsWithDifferentKeysRunConcurrentlyAndWithTheSameKeyOneAtATime() {
    Probe apples = Probe.finishedByTest();
    Probe pears = Probe.finishedByTest();

    List<CompletableFuture<String>> calls = Waits.onThreads(10,
        i -> i % 2 == 0 ? guarded.reserveNow("apple", apples) : guarded.reserveNow("pear", pears));
    for (int finished = 0; finished < 5; finished++) {
      eventually().untilAsserted(() -> {
        assertThat(apples.inFlight()).isEqualTo(1);
        assertThat(pears.inFlight()).isEqualTo(1);
      });
      apples.finishNext();
      pears.finishNext();
    }

    assertThat(Waits.all(calls)).succeedsWithin(Duration.ofSeconds(5));
    assertThat(apples.started()).isEqualTo(5);
    assertThat(apples.maxInFlight()).isEqualTo(1);
    assertThat(pears.maxInFlight()).isEqualTo(1);
    assertThat(local().activeKeys("sku-sync")).isZero();
  }

  @Test
  void aKeyByArgumentPositionGuardsEachKeySeparately() {
    Probe probe = Probe.finishedByTest();

    CompletableFuture<String> first = guarded.reserveByPosition("apple", probe);
    CompletableFuture<String> sameKey = guarded.reserveByPosition("apple", probe);
    CompletableFuture<String> otherKey = guarded.reserveByPosition("pear", probe);

    assertThat(probe.started()).isEqualTo(2);
    assertThat(sameKey).isNotDone();
    assertThat(registry.lock("sku-by-position", "apple").waiters()).isEqualTo(1);

    probe.finishNext();
    probe.finishNext();
    probe.finishNext();
    assertThat(List.of(first, sameKey, otherKey)).allSatisfy(call -> assertThat(call).isCompleted());
    assertThat(local().activeKeys("sku-by-position")).isZero();
  }

  @Test
  void aKeyFromABeanMethodGuardsWhatTheBeanMapsToTheSameKey() {
    Probe probe = Probe.finishedByTest();

    CompletableFuture<String> first = guarded.reserveByBean("apple", probe);
    CompletableFuture<String> sameKey = guarded.reserveByBean(" Apple ", probe);
    CompletableFuture<String> otherKey = guarded.reserveByBean("pear", probe);

    // SkuKeys.normalize maps both spellings to "APPLE": one lock.
    assertThat(probe.started()).isEqualTo(2);
    assertThat(sameKey).isNotDone();
    assertThat(registry.lock("sku-by-bean", "APPLE").waiters()).isEqualTo(1);

    probe.finishNext();
    probe.finishNext();
    probe.finishNext();
    assertThat(List.of(first, sameKey, otherKey)).allSatisfy(call -> assertThat(call).isCompleted());
    assertThat(local().activeKeys("sku-by-bean")).isZero();
  }

  @Test
  void perKeyLocksOfManyDistinctKeysAreAllEvicted() {
    // 200,000 keys by default (-Dbaton.stress=5 for a million); the bound only catches a hang.
    int keys = 200_000 * Integer.getInteger("baton.stress", 1);
    int threads = 2;

    List<CompletableFuture<Long>> callers = Waits.onThreads(threads, t -> {
      long sum = 0;
      for (long id = t; id < keys; id += threads) {
        sum += guarded.touch(id);
      }
      return sum;
    });

    assertThat(Waits.all(callers)).succeedsWithin(Duration.ofSeconds(30));
    assertThat(callers.stream().mapToLong(CompletableFuture::join).sum())
        .isEqualTo((long) keys * (keys - 1) / 2);
    assertThat(local().activeKeys("evicted")).isZero();
  }

  @Test
  void perKeyLocksOfAsynchronousCallsAreEvictedAfterGrantsCancelsAndTimeouts() {
    Probe holders = Probe.finishedByTest();
    Probe probe = Probe.finishingAfter(Duration.ofMillis(1));
    int keys = 2_000;

    List<CompletableFuture<String>> calls = new ArrayList<>();
    List<CompletableFuture<String>> cancelled = new ArrayList<>();
    List<CompletableFuture<String>> givenUp = new ArrayList<>();
    for (long id = 0; id < keys; id++) {
      calls.add(guarded.touchLater(id, holders));
      calls.add(guarded.touchLater(id, probe));
      CompletableFuture<String> waiting = guarded.touchLater(id, probe);
      if (id % 2 == 0) {
        waiting.cancel(false);
        cancelled.add(waiting);
      } else {
        calls.add(waiting);
      }
      if (id % 10 == 0) {
        givenUp.add(guarded.touchLaterOrGiveUp(id, probe));
      }
    }
    assertThat(local().activeKeys("evicted-async")).isEqualTo(keys);
    assertThat(Waits.all(givenUp).handle((v, e) -> e)).succeedsWithin(Duration.ofSeconds(5));
    assertThat(givenUp).allSatisfy(call -> assertThat(call).failsWithin(Duration.ZERO)
        .withThrowableOfType(ExecutionException.class)
        .havingCause().isInstanceOf(AcquireTimeoutException.class));

    for (int i = 0; i < keys; i++) {
      holders.finishNext();
    }

    assertThat(Waits.all(calls)).succeedsWithin(Duration.ofSeconds(20));
    assertThat(cancelled).allSatisfy(call -> assertThat(call).isCancelled());
    assertThat(holders.started()).isEqualTo(keys);
    assertThat(probe.started()).isEqualTo(calls.size() - keys);
    assertThat(local().activeKeys("evicted-async")).isZero();
  }

  @Test
  void cancellingAFutureWaitingForTheLockWithdrawsItsWaitAndItsBodyNeverRuns() {
    AsyncLock lock = registry.lock("guarded-single");
    Probe probe = Probe.finishedByTest();
    try (Permit held = Waits.joined(lock.acquire())) {
      CompletableFuture<String> waiting = guarded.future(probe);
      assertThat(lock.waiters()).isEqualTo(1);

      assertThat(waiting.cancel(true)).isTrue();
      assertThat(lock.waiters()).isZero();
    }
    assertThat(lock.isLocked()).isFalse();
    assertThat(probe.started()).isZero();
  }

  /** Completed from outside while it waits, a per-key call lets go of its key's lock. */
  @Test
  void completingAFutureWaitingForAKeysLockWithdrawsItsWaitAndTheKeyIsDropped() {
    Probe holder = Probe.finishedByTest();
    Probe probe = Probe.finishedByTest();
    CompletableFuture<String> holding = guarded.reserve("completed-sku", holder);
    CompletableFuture<String> waiting = guarded.reserve("completed-sku", probe);
    assertThat(local().activeKeys("sku")).isEqualTo(1);
    assertThat(registry.lock("sku", "completed-sku").waiters()).isEqualTo(1);

    assertThat(waiting.complete("fallback")).isTrue();
    assertThat(registry.lock("sku", "completed-sku").waiters()).isZero();

    holder.finishNext();
    assertThat(holding).succeedsWithin(Duration.ofSeconds(5));
    assertThat(probe.started()).isZero();
    assertThat(local().activeKeys("sku")).isZero();
  }

  @Test
  void disposingAMonoWaitingForTheLockWithdrawsItsWaitAndItsBodyNeverRuns() {
    AsyncLock lock = registry.lock("guarded-single");
    Probe probe = Probe.finishedByTest();
    try (Permit held = Waits.joined(lock.acquire())) {
      Disposable subscription = guarded.mono(probe).subscribe();
      assertThat(lock.waiters()).isEqualTo(1);

      subscription.dispose();
      assertThat(lock.waiters()).isZero();
    }
    assertThat(lock.isLocked()).isFalse();
    assertThat(probe.started()).isZero();
  }

  @Test
  void aSynchronousCallOnAHeldLockThrowsTheTimeoutAndNeverRunsTheBody() {
    AsyncLock lock = registry.lock("guarded-timed");
    Probe probe = Probe.finishedByTest();
    try (Permit held = Waits.joined(lock.acquire())) {
      assertThatThrownBy(() -> guarded.timedValue(probe))
          .isInstanceOfSatisfying(AcquireTimeoutException.class,
              e -> assertThat(e.timeout()).isEqualTo(Duration.ofMillis(50)));
      assertThat(lock.waiters()).isZero();
    }
    assertThat(probe.started()).isZero();
  }

  @Test
  void aFutureCallOnAHeldLockFailsWithTheTimeoutAndNeverRunsTheBody() {
    AsyncLock lock = registry.lock("guarded-timed");
    Probe probe = Probe.finishedByTest();
    try (Permit held = Waits.joined(lock.acquire())) {
      CompletableFuture<String> call = guarded.timedFuture(probe);
      assertThat(call).isNotDone();
      assertThat(call).failsWithin(Duration.ofSeconds(5))
          .withThrowableOfType(ExecutionException.class)
          .havingCause().isInstanceOf(AcquireTimeoutException.class);
      assertThat(lock.waiters()).isZero();
    }
    assertThat(probe.started()).isZero();
  }

  @Test
  void aMonoOnAHeldLockEmitsTheTimeoutAsItsErrorAndNeverRunsTheBody() {
    AsyncLock lock = registry.lock("guarded-timed");
    Probe probe = Probe.finishedByTest();
    try (Permit held = Waits.joined(lock.acquire())) {
      StepVerifier.create(guarded.timedMono(probe))
          .expectError(AcquireTimeoutException.class)
          .verify(Duration.ofSeconds(5));
      assertThat(lock.waiters()).isZero();
    }
    assertThat(probe.started()).isZero();
  }
}
