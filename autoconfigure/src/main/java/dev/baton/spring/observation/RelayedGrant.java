package dev.baton.spring.observation;

import dev.baton.Permit;
import java.util.concurrent.CompletableFuture;
import java.util.function.UnaryOperator;

/**
 * Hands the permit of a pending acquire on, transformed, through a future of its own, without
 * giving up what the primitive's future guarantees: cancelling or failing the relayed future
 * withdraws the acquire, and a grant that arrives after the relayed future was completed some
 * other way is released at once, so nothing leaks.
 */
public final class RelayedGrant {

  private RelayedGrant() {}

  /**
   * The future of {@code acquire}'s permit mapped by {@code onGrant}; {@code onFailure} runs once
   * if the acquire fails, is cancelled or times out.
   */
  public static CompletableFuture<Permit> relay(CompletableFuture<Permit> acquire,
      UnaryOperator<Permit> onGrant, Runnable onFailure) {
    if (acquire.isDone() && !acquire.isCompletedExceptionally()) {
      return CompletableFuture.completedFuture(onGrant.apply(acquire.join()));
    }
    CompletableFuture<Permit> relayed = new CompletableFuture<>() {
      @Override
      public boolean cancel(boolean mayInterruptIfRunning) {
        boolean cancelled = super.cancel(mayInterruptIfRunning);
        acquire.cancel(false);
        return cancelled;
      }

      @Override
      public boolean completeExceptionally(Throwable ex) {
        boolean failed = super.completeExceptionally(ex);
        acquire.cancel(false);
        return failed;
      }
    };
    acquire.whenComplete((permit, failure) -> {
      if (failure != null) {
        onFailure.run();
        relayed.completeExceptionally(failure);
        return;
      }
      Permit granted = onGrant.apply(permit);
      if (!relayed.complete(granted)) {
        granted.close();
      }
    });
    return relayed;
  }
}
