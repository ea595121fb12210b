package dev.baton.redis;

import java.util.concurrent.CompletableFuture;

/**
 * The future of a waiting call of this JVM: failed or cancelled while it is not done, it first
 * runs the call's withdrawal ({@link #onGiveUp}), so that this JVM's counts ({@code waiters()},
 * {@code takers()}, {@code putters()}, a barrier's {@code waiting()}) already leave the call out
 * when the failure's callbacks read them, as API.md promises. The withdrawal must be idempotent:
 * it also runs for the library's own failures, and may race with the call's settling elsewhere.
 *
 * @param <T> the call's result
 */
final class WithdrawnFirst<T> extends CompletableFuture<T> {

  /** Withdraws the call; set once it is registered, null until then. */
  volatile Runnable onGiveUp;

  @Override
  public boolean completeExceptionally(Throwable failure) {
    giveUp();
    return super.completeExceptionally(failure);
  }

  @Override
  public boolean cancel(boolean mayInterruptIfRunning) {
    giveUp();
    return super.cancel(mayInterruptIfRunning);
  }

  private void giveUp() {
    Runnable withdraw = onGiveUp;
    if (withdraw != null && !isDone()) {
      withdraw.run();
    }
  }
}
