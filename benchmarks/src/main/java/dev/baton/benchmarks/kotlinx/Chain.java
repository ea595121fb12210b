package dev.baton.benchmarks.kotlinx;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * One asynchronous task written as a Baton user would write it without coroutines: a loop of
 * {@code steps} calls that each return a future, each result then handed to {@code then}. A step
 * completed at once is followed at once, on the same thread; one that is not resumes the loop on
 * {@code executor} when it completes, as a suspended coroutine is resumed on its dispatcher.
 * {@link #finished()} completes after the last step, or fails with the first failure.
 *
 * <p>Runs on one thread at a time: the executor's hand-off and the future's completion order each
 * resumption after the step before it.
 */
final class Chain<T> implements Runnable, BiConsumer<T, Throwable> {

  private final Supplier<? extends CompletableFuture<T>> step;
  private final Consumer<? super T> then;
  private final Executor executor;
  private final CompletableFuture<Void> finished = new CompletableFuture<>();
  private int remaining;

  Chain(int steps, Supplier<? extends CompletableFuture<T>> step, Consumer<? super T> then,
      Executor executor) {
    this.remaining = steps;
    this.step = step;
    this.then = then;
    this.executor = executor;
  }

  /** Starts {@code chains} on {@code executor} and waits, on the calling thread, for them all. */
  static void runAll(Executor executor, Chain<?>... chains) {
    for (Chain<?> chain : chains) {
      executor.execute(chain);
    }
    for (Chain<?> chain : chains) {
      chain.finished.join();
    }
  }

  @Override
  public void run() {
    while (remaining > 0) {
      CompletableFuture<T> next = step.get();
      if (!next.isDone()) {
        next.whenCompleteAsync(this, executor);
        return;
      }
      then.accept(next.join());
      remaining--;
    }
    finished.complete(null);
  }

  /** The resumption after a step that did not complete at once. */
  @Override
  public void accept(T result, Throwable failure) {
    if (failure != null) {
      finished.completeExceptionally(failure);
      return;
    }
    then.accept(result);
    remaining--;
    run();
  }
}
