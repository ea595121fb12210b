package dev.baton.sample.scenario;

import dev.baton.AcquireTimeoutException;
import dev.baton.AsyncCondition;
import dev.baton.AsyncEvent;
import dev.baton.AsyncLock;
import dev.baton.AsyncSemaphore;
import dev.baton.Permit;
import dev.baton.sample.SimulatedLatency;
import dev.baton.spring.observation.CurrentCall;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

/**
 * One named actor of a scenario (the article's coroutine), whose every move on a primitive is
 * recorded on the run's {@link Timeline}. Each move returns a future and blocks no thread;
 * waits time out after {@link #PATIENCE} so a broken run fails instead of hanging.
 *
 * <p>For Baton's stall view, each participant's moves on the registry's primitives are a call
 * of their own ({@link CurrentCall#open}, site: the participant's name), made from the run's
 * {@code ScenarioRunner.run}. Without it they would all be that one call, and a worker waiting
 * for the lock another worker holds would look like a call waiting for a lock it holds itself.
 *
 * @param name how the actor appears in the timeline
 * @param timeline where its moves are recorded
 */
public record Participant(String name, Timeline timeline) {

  /** The longest any participant waits for a primitive. */
  public static final Duration PATIENCE = Duration.ofSeconds(5);

  /** {@code async with lock: work(hold)}: waits for the lock, holds it for {@code hold}. */
  public CompletableFuture<Void> holdLock(AsyncLock lock, String lockName, Duration hold) {
    timeline.record(name, Action.WAITING, lockName);
    return asCall(() -> lock.acquire(PATIENCE)
        .thenCompose(permit -> work(permit, lockName, hold)));
  }

  /** {@code async with semaphore: work(hold)}: waits for a permit, holds it for {@code hold}. */
  public CompletableFuture<Void> holdPermit(
      AsyncSemaphore semaphore, String semaphoreName, Duration hold) {
    timeline.record(name, Action.WAITING, semaphoreName);
    return asCall(() -> semaphore.acquire(PATIENCE)
        .thenCompose(permit -> work(permit, semaphoreName, hold)));
  }

  /** {@code await event.wait()}: completes once the event is set. */
  public CompletableFuture<Void> awaitEvent(AsyncEvent event, String eventName) {
    timeline.record(name, Action.WAITING, eventName);
    return asCall(() -> event.await(PATIENCE)
        .thenRun(() -> timeline.record(name, Action.PROCEEDED, eventName)));
  }

  /** {@code event.set()}, after {@code delay}. */
  public CompletableFuture<Void> setEvent(AsyncEvent event, String eventName, Duration delay) {
    return SimulatedLatency.of(delay).thenRun(() -> {
      timeline.record(name, Action.SET, eventName);
      event.set();
    });
  }

  /**
   * {@code async with condition: await condition.wait()}: takes the condition's lock, waits for
   * a signal, and releases the lock once woken. {@code waiting} completes as soon as this
   * participant is registered as a waiter, so a signaller can wait for it: a signal sent before
   * anyone waits is lost, in Baton as in asyncio. If this participant never gets to wait (its wait
   * for the lock times out), {@code waiting} fails with the same failure, so that a signaller
   * waiting for it gives up too and the run ends.
   */
  public CompletableFuture<Void> awaitSignal(
      AsyncCondition condition, String conditionName, CompletableFuture<Void> waiting) {
    CompletableFuture<Void> awaited = asCall(() -> condition.lock().acquire(PATIENCE)
        .thenCompose(permit -> {
          timeline.record(name, Action.ACQUIRED, conditionName);
          timeline.record(name, Action.WAITING, conditionName);
          CompletableFuture<Permit> woken = condition.await(permit, PATIENCE);
          waiting.complete(null);
          return woken;
        }).thenAccept(permit -> {
          timeline.record(name, Action.PROCEEDED, conditionName);
          release(permit, conditionName);
        }));
    awaited.whenComplete((done, failure) -> {
      if (failure != null) {
        waiting.completeExceptionally(failure);
      }
    });
    return awaited;
  }

  /** {@code async with condition: condition.notify_all()}. */
  public CompletableFuture<Void> signalAll(AsyncCondition condition, String conditionName) {
    return asCall(() -> condition.lock().acquire(PATIENCE).thenAccept(permit -> {
      timeline.record(name, Action.ACQUIRED, conditionName);
      timeline.record(name, Action.SIGNALLED, conditionName);
      condition.signalAll();
      release(permit, conditionName);
    }));
  }

  /**
   * Calls an annotated method that first waits for the lock {@code lockName}: records
   * {@code waiting} now and, if that wait times out, {@code timed-out} with the timeout's message
   * before the returned future fails with it. A timeout of another lock, waited for inside the
   * call and passed on by it, was recorded where it happened.
   */
  public <T> CompletableFuture<T> callWaitingFor(
      String lockName, Supplier<CompletableFuture<T>> annotatedCall) {
    timeline.record(name, Action.WAITING, lockName);
    return annotatedCall.get().whenComplete((value, failure) -> {
      Throwable cause = failure instanceof CompletionException ? failure.getCause() : failure;
      if (cause instanceof AcquireTimeoutException timeout && lockName.equals(timeout.name())) {
        timeline.recordTimeout(name, lockName, timeout.getMessage());
      }
    });
  }

  /**
   * The body of an annotated method once its lock {@code lockName} is held: records
   * {@code acquired}, runs {@code work}, and records {@code released} when the work completes,
   * before the annotation lets the lock go.
   */
  public <T> CompletableFuture<T> whileHolding(
      String lockName, Supplier<CompletableFuture<T>> work) {
    timeline.record(name, Action.ACQUIRED, lockName);
    return work.get()
        .whenComplete((value, failure) -> timeline.record(name, Action.RELEASED, lockName));
  }

  /**
   * Starts {@code moves} as a call of this participant's own: the waits they start are the
   * participant's, and so are the holds those waits are granted.
   */
  private <T> CompletableFuture<T> asCall(Supplier<CompletableFuture<T>> moves) {
    try (CurrentCall.Scope call = CurrentCall.open(name)) {
      return moves.get();
    }
  }

  private CompletableFuture<Void> work(Permit permit, String primitiveName, Duration hold) {
    timeline.record(name, Action.ACQUIRED, primitiveName);
    return SimulatedLatency.of(hold)
        .whenComplete((done, failure) -> release(permit, primitiveName));
  }

  private void release(Permit permit, String primitiveName) {
    timeline.record(name, Action.RELEASED, primitiveName);
    permit.release();
  }
}
