package dev.baton.spring.aspect;

import dev.baton.Holding;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * For methods returning {@link CompletionStage} or {@link CompletableFuture}: returns at once with
 * a future, waits without a thread, runs the method once the gate opens and exits the gate when the
 * method's stage completes. Cancelling the returned future while it waits withdraws the wait. The
 * method runs at most once per call. A call granted at once runs on the caller's thread; one that
 * waited runs where the wait ends, in its caller's context ({@link Invocation#inCallerContext}),
 * as does the completion of the returned future when the method's stage has completed by then
 * (or the wait failed): the caller's dependent stages do not run in the context of the thread
 * that let go.
 */
public final class CompletionStageAdapter implements ReturnTypeAdapter {

  @Override
  public boolean canHandle(Class<?> returnType) {
    return returnType == CompletionStage.class || returnType == CompletableFuture.class;
  }

  @Override
  public <R> Object around(Gate<R> gate, Invocation invocation) {
    CompletableFuture<R> entry;
    try {
      entry = gate.enter().get();
    } catch (RuntimeException refused) {
      return CompletableFuture.failedFuture(refused); // as a failed wait: the method never runs
    }
    if (entry.isDone()) {
      return Holding.run(entry, gate.exit(), () -> stageOf(invocation));
    }
    CallerContext caller = CallerContext.capture();
    return Holding.run(entry, gate.exit(),
        () -> stageOf(() -> ExposedCall.proceedExposed(invocation)), caller::run);
  }

  /**
   * Runs {@code action} once the call's stage has completed normally; when an inner annotation's
   * scope made that stage, once the scope has ended by itself ({@link Holding#whenSettled}), so
   * that a caller completing the returned future early (as {@code completeOnTimeout} does) does
   * not pass for the call's success.
   */
  @Override
  public Object afterSuccess(Invocation invocation, Runnable action) throws Throwable {
    return whenSucceeded((CompletionStage<?>) invocation.proceed(), action);
  }

  /** Runs {@code action} once {@code stage} has completed normally, as {@link #afterSuccess}. */
  static CompletionStage<?> whenSucceeded(CompletionStage<?> stage, Runnable action) {
    if (stage != null) {
      Holding.whenSettled(stage, (value, failure) -> {
        if (failure == null) {
          action.run();
        }
      });
    }
    return stage;
  }

  @SuppressWarnings("unchecked")
  private static CompletionStage<Object> stageOf(Invocation invocation) {
    try {
      return (CompletionStage<Object>) invocation.proceed();
    } catch (Throwable t) {
      return CompletableFuture.failedFuture(t);
    }
  }
}
