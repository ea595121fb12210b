package dev.baton.spring.aspect;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.AcquireTimeoutException;
import dev.baton.AsyncSemaphore;
import dev.baton.Permit;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Hooks;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/** The wait of a {@code Mono} or {@code Flux} method's subscription ({@link ReactiveGates}). */
class ReactiveGatesTest {

  /**
   * A subscription cancelled as its wait times out: the timeout's failure lands after Reactor has
   * marked the subscription cancelled and before Baton's cancel reaches the wait, so the cancel
   * loses. Nobody is left to hear that failure, and Reactor would log it at ERROR level with its
   * stack trace, as an error dropped by an operator, in an application that did nothing wrong.
   */
  @Test
  void aWaitThatTimesOutAsItsSubscriptionIsCancelledDropsNoError() {
    CompletableFuture<Permit> expiring = new CompletableFuture<>() {
      @Override
      public boolean cancel(boolean mayInterruptIfRunning) {
        completeExceptionally(new AcquireTimeoutException("lock", "ledger", Duration.ZERO));
        return false;
      }
    };
    Gate<Permit> gate = new Gate<>(() -> expiring, Permit::close);
    List<Throwable> dropped = new CopyOnWriteArrayList<>();
    Hooks.onErrorDropped(dropped::add);
    try {
      ReactiveGates.entry(gate).subscribe().dispose();
    } finally {
      Hooks.resetOnErrorDropped();
    }

    assertThat(expiring).isCompletedExceptionally();
    assertThat(dropped).isEmpty();
  }

  /**
   * A subscription cancelled as its wait is granted: the grant lands before Baton's cancel reaches
   * the wait, so the cancel loses and the call never runs. The grant must then be given back, or
   * the only permit leaks for good.
   */
  @Test
  void aGrantThatBeatsTheCancelToTheWaitIsGivenBack() {
    AsyncSemaphore semaphore = AsyncSemaphore.create(1);
    Permit permit = semaphore.acquire().join();
    CompletableFuture<Permit> granting = new CompletableFuture<>() {
      @Override
      public boolean cancel(boolean mayInterruptIfRunning) {
        complete(permit);
        return false;
      }
    };
    Gate<Permit> gate = new Gate<>(() -> granting, Permit::close);

    ReactiveGates.entry(gate).subscribe().dispose();

    assertThat(granting).isCompleted();
    assertThat(semaphore.availablePermits()).isOne();
  }

  /**
   * A method that returns a null publisher fails its subscription with an error naming the
   * mistake, as Reactor would fail on a null source, rather than completing empty as if it had
   * succeeded (which would, for instance, let {@code @SetsEvent} set its event), and gives its
   * grant back.
   */
  @Test
  void aNullPublisherFromTheMethodIsAnErrorSignalAndTheGrantGoesBack() {
    AsyncSemaphore semaphore = AsyncSemaphore.create(1);
    Gate<Permit> gate = Gate.holding(semaphore, Duration.ofSeconds(5), "null-publisher");

    StepVerifier.create((Mono<?>) new MonoAdapter().around(gate, () -> null))
        .expectError(NullPointerException.class)
        .verify(Duration.ofSeconds(5));
    StepVerifier.create((Flux<?>) new FluxAdapter().around(gate, () -> null))
        .expectError(NullPointerException.class)
        .verify(Duration.ofSeconds(5));

    assertThat(semaphore.availablePermits()).isOne();
  }
}
