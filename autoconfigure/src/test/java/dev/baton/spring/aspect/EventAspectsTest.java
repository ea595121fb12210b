package dev.baton.spring.aspect;

import static dev.baton.spring.aspect.Waits.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.AcquireTimeoutException;
import dev.baton.AsyncEvent;
import dev.baton.spring.PrimitiveRegistry;
import dev.baton.spring.aspect.TestServices.EventService;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

@BatonAspectsTest
@Timeout(30)
class EventAspectsTest {

  private static final List<String> EVENTS = List.of("awaited-value", "awaited-future",
      "awaited-mono", "awaited-flux", "awaited-timed", "set-by-value", "set-by-void",
      "set-by-future", "set-by-stage", "set-by-mono", "set-by-flux");

  @Autowired
  private EventService events;

  @Autowired
  private PrimitiveRegistry registry;

  @BeforeEach
  void clearEvents() {
    EVENTS.forEach(name -> registry.event(name).clear());
  }

  private AsyncEvent event(String name) {
    return registry.event(name);
  }

  // @AwaitsEvent

  @Test
  void aSynchronousCallWaitsUntilTheEventIsSetBeforeRunningTheBody() {
    Probe probe = Probe.finishedByTest();

    CompletableFuture<String> call = Waits.onThreads(1, i -> events.awaitedValue(probe)).get(0);
    eventually().untilAsserted(() -> assertThat(event("awaited-value").waiters()).isEqualTo(1));
    assertThat(call).isNotDone();
    assertThat(probe.started()).isZero();

    event("awaited-value").set();

    assertThat(call).succeedsWithin(Duration.ofSeconds(5)).isEqualTo("value");
    assertThat(probe.started()).isEqualTo(1);
  }

  @Test
  void aFutureCallReturnsAtOnceAndRunsTheBodyWhenTheEventIsSet() {
    Probe probe = Probe.finishedByTest();

    CompletableFuture<String> call = events.awaitedFuture(probe);
    assertThat(call).isNotDone();
    assertThat(probe.started()).isZero();
    assertThat(event("awaited-future").waiters()).isEqualTo(1);

    event("awaited-future").set();

    assertThat(call).isCompletedWithValue("future");
    assertThat(probe.started()).isEqualTo(1);
  }

  @Test
  void aMonoWaitsForTheEventAndThenRunsTheBodyAndEmitsItsValue() {
    Probe probe = Probe.finishedByTest();

    CompletableFuture<String> call = events.awaitedMono(probe).toFuture();
    assertThat(call).isNotDone();
    assertThat(probe.started()).isZero();
    assertThat(event("awaited-mono").waiters()).isEqualTo(1);

    event("awaited-mono").set();

    assertThat(call).succeedsWithin(Duration.ofSeconds(5)).isEqualTo("mono");
    assertThat(probe.started()).isEqualTo(1);
  }

  @Test
  void aFluxWaitsForTheEventAndThenRunsTheBodyAndEmitsItsValues() {
    Probe probe = Probe.finishedByTest();

    CompletableFuture<List<String>> call = events.awaitedFlux(probe).collectList().toFuture();
    assertThat(call).isNotDone();
    assertThat(probe.started()).isZero();

    event("awaited-flux").set();

    assertThat(call).succeedsWithin(Duration.ofSeconds(5)).isEqualTo(List.of("flux"));
    assertThat(probe.started()).isEqualTo(1);
  }

  /** Cancelling a call waiting for its event withdraws the wait; setting it later runs nothing. */
  @Test
  void cancellingAFutureWaitingForTheEventWithdrawsItsWaitAndItsBodyNeverRuns() {
    Probe probe = Probe.finishedByTest();
    CompletableFuture<String> call = events.awaitedFuture(probe);
    assertThat(event("awaited-future").waiters()).isEqualTo(1);

    assertThat(call.cancel(true)).isTrue();
    assertThat(event("awaited-future").waiters()).isZero();

    event("awaited-future").set();
    assertThat(probe.started()).isZero();
  }

  @Test
  void disposingAMonoWaitingForTheEventWithdrawsItsWaitAndItsBodyNeverRuns() {
    Probe probe = Probe.finishedByTest();
    Disposable subscription = events.awaitedMono(probe).subscribe();
    assertThat(event("awaited-mono").waiters()).isEqualTo(1);

    subscription.dispose();
    assertThat(event("awaited-mono").waiters()).isZero();

    event("awaited-mono").set();
    assertThat(probe.started()).isZero();
  }

  @Test
  void disposingAFluxWaitingForTheEventWithdrawsItsWaitAndItsBodyNeverRuns() {
    Probe probe = Probe.finishedByTest();
    Disposable subscription = events.awaitedFlux(probe).subscribe();
    assertThat(event("awaited-flux").waiters()).isEqualTo(1);

    subscription.dispose();
    assertThat(event("awaited-flux").waiters()).isZero();

    event("awaited-flux").set();
    assertThat(probe.started()).isZero();
  }

  @Test
  void aCallOnAnEventAlreadySetRunsAtOnce() {
    Probe probe = Probe.finishedByTest();
    event("awaited-future").set();
    event("awaited-value").set();

    assertThat(events.awaitedFuture(probe)).isCompletedWithValue("future");
    assertThat(events.awaitedValue(probe)).isEqualTo("value");
    assertThat(probe.started()).isEqualTo(2);
  }

  @Test
  void aCallWhoseEventIsNotSetInTimeThrowsTheTimeoutAndNeverRunsTheBody() {
    Probe probe = Probe.finishedByTest();

    assertThatThrownBy(() -> events.awaitedOrTimeout(probe))
        .isInstanceOfSatisfying(AcquireTimeoutException.class,
            e -> assertThat(e.timeout()).isEqualTo(Duration.ofMillis(50)));
    assertThat(event("awaited-timed").waiters()).isZero();
    assertThat(probe.started()).isZero();
  }

  // @SetsEvent

  @Test
  void aSynchronousMethodSetsTheEventWhenItReturns() {
    assertThat(events.setByValue(false)).isEqualTo("done");
    assertThat(event("set-by-value").isSet()).isTrue();

    events.setByVoid(false);
    assertThat(event("set-by-void").isSet()).isTrue();
  }

  @Test
  void aSynchronousMethodThatThrowsDoesNotSetTheEvent() {
    assertThatThrownBy(() -> events.setByValue(true)).isInstanceOf(IllegalStateException.class);
    assertThat(event("set-by-value").isSet()).isFalse();

    assertThatThrownBy(() -> events.setByVoid(true)).isInstanceOf(IllegalStateException.class);
    assertThat(event("set-by-void").isSet()).isFalse();
  }

  @Test
  void aFutureMethodSetsTheEventOnlyOnceItsFutureCompletesNormally() {
    CompletableFuture<String> result = new CompletableFuture<>();

    CompletableFuture<String> call = events.setByFuture(result);
    assertThat(event("set-by-future").isSet()).isFalse();

    result.complete("done");
    assertThat(call).isCompletedWithValue("done");
    assertThat(event("set-by-future").isSet()).isTrue();
  }

  @Test
  void aCompletionStageMethodSetsTheEventOnlyOnceItsStageCompletesNormally() {
    CompletableFuture<String> result = new CompletableFuture<>();

    CompletionStage<String> call = events.setByStage(result);
    assertThat(event("set-by-stage").isSet()).isFalse();

    result.complete("done");
    assertThat(call.toCompletableFuture()).isCompletedWithValue("done");
    assertThat(event("set-by-stage").isSet()).isTrue();
  }

  @Test
  void aFutureMethodWhoseFutureFailsOrIsCancelledDoesNotSetTheEvent() {
    CompletableFuture<String> failing = new CompletableFuture<>();
    CompletableFuture<String> cancelled = new CompletableFuture<>();

    CompletableFuture<String> failed = events.setByFuture(failing);
    failing.completeExceptionally(new IllegalStateException("failed on purpose"));
    events.setByFuture(cancelled).cancel(false);

    assertThat(failed).isCompletedExceptionally();
    assertThat(event("set-by-future").isSet()).isFalse();
  }

  @Test
  void aMonoSetsTheEventWhenItSucceedsWithAValueOrEmpty() {
    Sinks.One<String> result = Sinks.one();

    StepVerifier.create(events.setByMono(result.asMono()))
        .then(() -> assertThat(event("set-by-mono").isSet()).isFalse())
        .then(() -> result.tryEmitValue("done"))
        .expectNext("done")
        .verifyComplete();
    assertThat(event("set-by-mono").isSet()).isTrue();

    event("set-by-mono").clear();
    StepVerifier.create(events.setByMono(Mono.empty())).verifyComplete();
    assertThat(event("set-by-mono").isSet()).isTrue();
  }

  @Test
  void aMonoThatFailsOrIsCancelledDoesNotSetTheEvent() {
    StepVerifier.create(events.setByMono(Mono.error(new IllegalStateException("failed"))))
        .verifyError(IllegalStateException.class);
    StepVerifier.create(events.setByMono(Mono.never())).thenCancel().verify();

    assertThat(event("set-by-mono").isSet()).isFalse();
  }

  @Test
  void aFluxSetsTheEventOnlyWhenItCompletes() {
    Sinks.Many<String> items = Sinks.many().unicast().onBackpressureBuffer();

    StepVerifier.create(events.setByFlux(items.asFlux()))
        .then(() -> items.tryEmitNext("a"))
        .expectNext("a")
        .then(() -> assertThat(event("set-by-flux").isSet()).isFalse())
        .then(items::tryEmitComplete)
        .verifyComplete();
    assertThat(event("set-by-flux").isSet()).isTrue();
  }

  @Test
  void aFluxThatFailsOrIsCancelledDoesNotSetTheEvent() {
    StepVerifier.create(events.setByFlux(
            Flux.concat(Flux.just("a"), Flux.error(new IllegalStateException("failed")))))
        .expectNext("a")
        .verifyError(IllegalStateException.class);
    StepVerifier.create(events.setByFlux(Flux.never())).thenCancel().verify();

    assertThat(event("set-by-flux").isSet()).isFalse();
  }
}
