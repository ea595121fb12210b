package dev.baton;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/** Runs an asynchronous action while holding a permit: the body of withLock and withPermit. */
final class PermitScope {

  private PermitScope() {}

  /**
   * Runs {@code action} once {@code acquiring} grants a permit and releases the permit when the
   * action's stage completes. Cancelling the returned future while {@code acquiring} waits
   * withdraws it; once the permit is granted, a cancelled result only means the action is not
   * started (if it has not been) and the permit is released.
   */
  static <T> CompletableFuture<T> run(
      CompletableFuture<Permit> acquiring, Supplier<? extends CompletionStage<T>> action) {
    CompletableFuture<T> result = new CompletableFuture<>();
    result.whenComplete((value, failure) -> {
      if (result.isCancelled()) {
        acquiring.cancel(false);
      }
    });
    acquiring.whenComplete((permit, failure) -> {
      if (failure != null) {
        result.completeExceptionally(failure);
      } else if (result.isDone()) {
        permit.release();
      } else {
        runHolding(permit, action, result);
      }
    });
    return result;
  }

  private static <T> void runHolding(
      Permit permit, Supplier<? extends CompletionStage<T>> action, CompletableFuture<T> result) {
    CompletionStage<T> stage;
    try {
      stage = Objects.requireNonNull(action.get(), "action returned a null stage");
    } catch (Throwable t) {
      permit.release();
      result.completeExceptionally(t);
      return;
    }
    stage.whenComplete((value, failure) -> {
      permit.release();
      if (failure != null) {
        result.completeExceptionally(failure);
      } else {
        result.complete(value);
      }
    });
  }
}
