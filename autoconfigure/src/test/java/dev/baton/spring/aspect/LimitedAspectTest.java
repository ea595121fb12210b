package dev.baton.spring.aspect;

import static dev.baton.spring.aspect.Waits.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.AcquireTimeoutException;
import dev.baton.AsyncSemaphore;
import dev.baton.Permit;
import dev.baton.spring.PrimitiveRegistry;
import dev.baton.spring.aspect.TestServices.LimitedService;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.beans.factory.annotation.Autowired;
import reactor.core.Disposable;
import reactor.core.publisher.Hooks;
import reactor.test.StepVerifier;

@SuppressWarnings("try") // permits held by try-with-resources to keep a primitive busy
@BatonAspectsTest
@Timeout(30)
class LimitedAspectTest {

  private static final int CALLS = 50;
  private static final int PERMITS = 3;

  @Autowired
  private LimitedService limited;

  @Autowired
  private PrimitiveRegistry registry;

  @Autowired
  private MeterRegistry meters;

  /** Each return type of a {@code @Limited(permits = 3)} method, called as a future. */
  enum ReturnType {
    COMPLETABLE_FUTURE("limited-future") {
      @Override
      CompletableFuture<?> call(LimitedService service, Probe probe, String value) {
        return service.future(probe, value);
      }
    },
    COMPLETION_STAGE("limited-stage") {
      @Override
      CompletableFuture<?> call(LimitedService service, Probe probe, String value) {
        return service.stage(probe, value).toCompletableFuture();
      }
    },
    MONO("limited-mono") {
      @Override
      CompletableFuture<?> call(LimitedService service, Probe probe, String value) {
        return service.mono(probe, value).toFuture();
      }
    },
    FLUX("limited-flux") {
      @Override
      CompletableFuture<?> call(LimitedService service, Probe probe, String value) {
        return service.flux(probe, value).collectList().toFuture();
      }
    },
    VALUE("limited-value") {
      @Override
      CompletableFuture<?> call(LimitedService service, Probe probe, String value) {
        return CompletableFuture.completedFuture(service.value(probe, value));
      }
    },
    VOID("limited-void") {
      @Override
      CompletableFuture<?> call(LimitedService service, Probe probe, String value) {
        service.nothing(probe, value);
        return CompletableFuture.completedFuture(null);
      }
    };

    final String semaphore;

    ReturnType(String semaphore) {
      this.semaphore = semaphore;
    }

    /** Calls the method; a synchronous one returns only once its body has finished. */
    abstract CompletableFuture<?> call(LimitedService service, Probe probe, String value);
  }

  @ParameterizedTest
  @EnumSource
  void neverLetsMoreThanItsPermitsBeInFlightUnderFiftyConcurrentCalls(ReturnType type) {
    Probe probe = Probe.finishedByTest();

    List<CompletableFuture<Object>> calls = Waits
        .onThreads(CALLS, i -> type.call(limited, probe, "call-" + i))
        .stream().map(call -> call.thenCompose(result -> result.thenApply(Object.class::cast)))
        .toList();
    for (int finished = 0; finished < CALLS; finished++) {
      int expected = Math.min(PERMITS, CALLS - finished);
      eventually().untilAsserted(() -> assertThat(probe.inFlight()).isEqualTo(expected));
      probe.finishNext();
    }

    assertThat(Waits.all(calls)).succeedsWithin(Duration.ofSeconds(5));
    assertThat(probe.started()).isEqualTo(CALLS);
    assertThat(probe.maxInFlight()).isEqualTo(PERMITS);
    AsyncSemaphore semaphore = registry.semaphore(type.semaphore);
    eventually().untilAsserted(() -> assertThat(semaphore.availablePermits()).isEqualTo(PERMITS));
    assertThat(semaphore.waiters()).isZero();
  }

  @ParameterizedTest
  @EnumSource(names = {"COMPLETABLE_FUTURE", "COMPLETION_STAGE", "MONO", "FLUX"})
  void neverLetsMoreThanItsPermitsBeInFlightWhileAnotherThreadCompletesTheResults(
      ReturnType type) {
    Probe probe = Probe.finishingAfter(Duration.ofMillis(2));

    List<CompletableFuture<?>> calls = IntStream.range(0, CALLS)
        .<CompletableFuture<?>>mapToObj(i -> type.call(limited, probe, "call-" + i)).toList();

    assertThat(Waits.all(calls)).succeedsWithin(Duration.ofSeconds(10));
    assertThat(probe.started()).isEqualTo(CALLS);
    assertThat(probe.maxInFlight()).isBetween(1, PERMITS);
    AsyncSemaphore semaphore = registry.semaphore(type.semaphore);
    eventually().untilAsserted(() -> assertThat(semaphore.availablePermits()).isEqualTo(PERMITS));
  }

  @ParameterizedTest
  @EnumSource(names = {"COMPLETABLE_FUTURE", "MONO"})
  void fiftyCallsFromOneThreadReturnAtOnceWaitWithoutAThreadAndAllComplete(ReturnType type) {
    Probe probe = Probe.finishedByTest();
    AsyncSemaphore semaphore = registry.semaphore(type.semaphore);

    List<CompletableFuture<?>> calls = IntStream.range(0, CALLS)
        .<CompletableFuture<?>>mapToObj(i -> type.call(limited, probe, "call-" + i)).toList();

    assertThat(calls).allSatisfy(call -> assertThat(call).isNotDone());
    assertThat(probe.started()).isEqualTo(PERMITS);
    assertThat(semaphore.waiters()).isEqualTo(CALLS - PERMITS);

    for (int i = 0; i < CALLS; i++) {
      probe.finishNext();
    }

    assertThat(calls).allSatisfy(call -> assertThat(call).isCompleted());
    assertThat(calls.stream().<Object>map(CompletableFuture::join))
        .containsExactlyElementsOf(IntStream.range(0, CALLS).mapToObj(i -> "call-" + i).toList());
    // Every body ran on the test thread: each was started by the release that the test's
    // finishNext() caused, so no thread ever sat waiting for a permit.
    assertThat(probe.threads()).containsExactly(Thread.currentThread());
    assertThat(semaphore.availablePermits()).isEqualTo(PERMITS);
  }

  @Test
  void cancellingAWaitingFutureWithdrawsItsWaitAndItsBodyNeverRuns() {
    AsyncSemaphore semaphore = registry.semaphore("limited-single");
    Probe probe = Probe.finishedByTest();
    try (Permit held = Waits.joined(semaphore.acquire())) {
      CompletableFuture<String> waiting = limited.futureOfOne(probe);
      assertThat(waiting).isNotDone();
      assertThat(semaphore.waiters()).isEqualTo(1);

      assertThat(waiting.cancel(true)).isTrue();
      assertThat(semaphore.waiters()).isZero();
    }
    assertThat(semaphore.availablePermits()).isEqualTo(1);
    assertThat(probe.started()).isZero();
  }

  /** "Cancelling or completing the returned future while the call waits withdraws its waits". */
  @Test
  void completingAWaitingFutureFromOutsideWithdrawsItsWaitAndItsBodyNeverRuns() {
    AsyncSemaphore semaphore = registry.semaphore("limited-single");
    Probe probe = Probe.finishedByTest();
    try (Permit held = Waits.joined(semaphore.acquire())) {
      CompletableFuture<String> waiting = limited.futureOfOne(probe);
      assertThat(semaphore.waiters()).isEqualTo(1);

      assertThat(waiting.complete("fallback")).isTrue();
      assertThat(semaphore.waiters()).isZero();
    }
    assertThat(semaphore.availablePermits()).isEqualTo(1);
    assertThat(probe.started()).isZero();
  }

  @Test
  void aWaitingFutureTimedOutByItsCallerWithOrTimeoutWithdrawsItsWaitAndItsBodyNeverRuns() {
    AsyncSemaphore semaphore = registry.semaphore("limited-single");
    Probe probe = Probe.finishedByTest();
    try (Permit held = Waits.joined(semaphore.acquire())) {
      CompletableFuture<String> waiting = limited.futureOfOne(probe)
          .orTimeout(20, TimeUnit.MILLISECONDS);

      assertThat(waiting).failsWithin(Duration.ofSeconds(5))
          .withThrowableOfType(ExecutionException.class)
          .havingCause().isInstanceOf(TimeoutException.class);
      eventually().untilAsserted(() -> assertThat(semaphore.waiters()).isZero());
    }
    assertThat(semaphore.availablePermits()).isEqualTo(1);
    assertThat(probe.started()).isZero();
  }

  @Test
  void disposingAWaitingMonoSubscriptionWithdrawsItsWaitAndItsBodyNeverRuns() {
    AsyncSemaphore semaphore = registry.semaphore("limited-single");
    Probe probe = Probe.finishedByTest();
    try (Permit held = Waits.joined(semaphore.acquire())) {
      Disposable subscription = limited.monoOfOne(probe).subscribe();
      assertThat(semaphore.waiters()).isEqualTo(1);

      subscription.dispose();
      assertThat(semaphore.waiters()).isZero();
    }
    assertThat(semaphore.availablePermits()).isEqualTo(1);
    assertThat(probe.started()).isZero();
  }

  @Test
  void disposingAWaitingFluxSubscriptionWithdrawsItsWaitAndItsBodyNeverRuns() {
    AsyncSemaphore semaphore = registry.semaphore("limited-flux");
    Probe probe = Probe.finishedByTest();
    List<Permit> held = IntStream.range(0, 3)
        .mapToObj(i -> Waits.joined(semaphore.acquire())).toList();
    try {
      Disposable subscription = limited.flux(probe, "never").subscribe();
      assertThat(semaphore.waiters()).isEqualTo(1);

      subscription.dispose();
      assertThat(semaphore.waiters()).isZero();
    } finally {
      held.forEach(Permit::release);
    }
    assertThat(semaphore.availablePermits()).isEqualTo(3);
    assertThat(probe.started()).isZero();
  }

  @Test
  void disposingAWaitingMonoSubscriptionDropsNoError() {
    AsyncSemaphore semaphore = registry.semaphore("limited-single");
    List<Throwable> dropped = new CopyOnWriteArrayList<>();
    Hooks.onErrorDropped(dropped::add);
    try (Permit held = Waits.joined(semaphore.acquire())) {
      limited.monoOfOne(Probe.finishedByTest()).subscribe().dispose();
    } finally {
      Hooks.resetOnErrorDropped();
    }

    // Reactor logs every dropped error at ERROR level with its stack trace.
    assertThat(dropped).isEmpty();
  }

  /**
   * An interrupted caller of a synchronous method withdraws its wait: it throws
   * CancellationException with its interrupt flag still set, the body never runs, and
   * {@code baton.wait} times it as {@code cancelled} (the metrics' "cancelled ... an interrupted
   * caller").
   */
  @Test
  void interruptingASynchronousCallerWhileItWaitsWithdrawsItsWaitAndItsBodyNeverRuns() {
    AsyncSemaphore semaphore = registry.semaphore("limited-value");
    Probe probe = Probe.finishedByTest();
    List<Permit> held = IntStream.range(0, 3)
        .mapToObj(i -> Waits.joined(semaphore.acquire())).toList();
    Timer cancelled = meters.get("baton.wait").tags("primitive", "semaphore",
        "name", "limited-value", "outcome", "cancelled").timer();
    long cancelledBefore = cancelled.count();
    CompletableFuture<Throwable> thrown = new CompletableFuture<>();
    CompletableFuture<Boolean> stillInterrupted = new CompletableFuture<>();
    Thread caller = new Thread(() -> {
      try {
        limited.value(probe, "never");
        thrown.complete(null);
      } catch (Throwable t) {
        thrown.complete(t);
      }
      stillInterrupted.complete(Thread.currentThread().isInterrupted());
    });
    caller.start();
    try {
      eventually().untilAsserted(() -> assertThat(semaphore.waiters()).isEqualTo(1));

      caller.interrupt();

      assertThat(thrown).succeedsWithin(Duration.ofSeconds(5))
          .isInstanceOf(CancellationException.class);
      assertThat(stillInterrupted).succeedsWithin(Duration.ofSeconds(5)).isEqualTo(true);
      assertThat(semaphore.waiters()).isZero();
      eventually().untilAsserted(
          () -> assertThat(cancelled.count()).isEqualTo(cancelledBefore + 1));
    } finally {
      held.forEach(Permit::release);
    }
    assertThat(semaphore.availablePermits()).isEqualTo(3);
    assertThat(probe.started()).isZero();
  }

  @Test
  void aSynchronousCallOnABusySemaphoreThrowsTheTimeoutAndNeverRunsTheBody() {
    AsyncSemaphore semaphore = registry.semaphore("limited-timed");
    Probe probe = Probe.finishedByTest();
    try (Permit held = Waits.joined(semaphore.acquire())) {
      assertThatThrownBy(() -> limited.timedValue(probe))
          .isInstanceOfSatisfying(AcquireTimeoutException.class,
              e -> assertThat(e.timeout()).isEqualTo(Duration.ofMillis(50)));
      assertThat(semaphore.waiters()).isZero();
    }
    assertThat(probe.started()).isZero();
    assertThat(semaphore.availablePermits()).isEqualTo(1);
  }

  @Test
  void aFutureCallOnABusySemaphoreFailsWithTheTimeoutAndNeverRunsTheBody() {
    AsyncSemaphore semaphore = registry.semaphore("limited-timed");
    Probe probe = Probe.finishedByTest();
    try (Permit held = Waits.joined(semaphore.acquire())) {
      CompletableFuture<String> call = limited.timedFuture(probe);
      assertThat(call).isNotDone();
      assertThat(call).failsWithin(Duration.ofSeconds(5))
          .withThrowableOfType(ExecutionException.class)
          .havingCause().isInstanceOf(AcquireTimeoutException.class);
      assertThat(semaphore.waiters()).isZero();
    }
    assertThat(probe.started()).isZero();
    assertThat(semaphore.availablePermits()).isEqualTo(1);
  }

  @Test
  void aMonoOnABusySemaphoreEmitsTheTimeoutAsItsErrorAndNeverRunsTheBody() {
    AsyncSemaphore semaphore = registry.semaphore("limited-timed");
    Probe probe = Probe.finishedByTest();
    try (Permit held = Waits.joined(semaphore.acquire())) {
      StepVerifier.create(limited.timedMono(probe))
          .expectError(AcquireTimeoutException.class)
          .verify(Duration.ofSeconds(5));
      assertThat(semaphore.waiters()).isZero();
    }
    assertThat(probe.started()).isZero();
    assertThat(semaphore.availablePermits()).isEqualTo(1);
  }

  /**
   * A body whose result fails holds its permit until it fails and then gives it back, for every
   * asynchronous return type (the error path of the permit's release).
   */
  @ParameterizedTest
  @EnumSource(names = {"COMPLETABLE_FUTURE", "COMPLETION_STAGE", "MONO", "FLUX"})
  void aBodyThatFailsHoldsItsPermitUntilItFailsAndThenGivesItBack(ReturnType type) {
    AsyncSemaphore semaphore = registry.semaphore(type.semaphore);
    Probe probe = Probe.finishedByTest();

    CompletableFuture<?> call = type.call(limited, probe, "failing");
    assertThat(probe.inFlight()).isOne();
    assertThat(semaphore.availablePermits()).isEqualTo(PERMITS - 1);

    probe.failNext(new IllegalStateException("failed on purpose"));

    assertThat(call).failsWithin(Duration.ofSeconds(5))
        .withThrowableOfType(ExecutionException.class)
        .havingCause().isInstanceOf(IllegalStateException.class);
    eventually().untilAsserted(() -> assertThat(semaphore.availablePermits()).isEqualTo(PERMITS));
  }
}
