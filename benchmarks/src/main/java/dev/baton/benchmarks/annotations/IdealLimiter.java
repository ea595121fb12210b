package dev.baton.benchmarks.annotations;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The saturated benchmark's yardstick: a limiter whose hand-off costs nothing. It runs a fixed
 * number of calls at most {@code permits} at a time, and each call's completion starts the next
 * call on the completing thread, with no proxy, no waiting queue and no thread to wake. Its rate is
 * therefore the ceiling that the work itself sets: {@code permits} calls per real length of one
 * call's work, scheduler lateness included. A limiter's rate divided by this one says how much of
 * that ceiling the limiter keeps.
 *
 * <p>One instance runs one batch; it is not reusable.
 */
final class IdealLimiter {

  private final Supplier<CompletableFuture<Integer>> call;
  private final AtomicInteger unstarted;
  private final AtomicInteger unfinished;
  private final CompletableFuture<Void> done = new CompletableFuture<>();

  private IdealLimiter(Supplier<CompletableFuture<Integer>> call, int calls) {
    this.call = call;
    this.unstarted = new AtomicInteger(calls);
    this.unfinished = new AtomicInteger(calls);
  }

  /**
   * Makes {@code calls} calls, at most {@code permits} in flight at once; the returned future
   * completes when every call's future has.
   */
  static CompletableFuture<Void> run(Supplier<CompletableFuture<Integer>> call, int calls,
      int permits) {
    IdealLimiter batch = new IdealLimiter(call, calls);
    for (int i = 0; i < permits; i++) {
      batch.startNext();
    }
    return batch.done;
  }

  private void startNext() {
    if (unstarted.getAndDecrement() <= 0) {
      return;
    }
    call.get().whenComplete((result, failure) -> {
      if (failure != null) {
        done.completeExceptionally(failure);
      } else if (unfinished.decrementAndGet() == 0) {
        done.complete(null);
      } else {
        startNext();
      }
    });
  }
}
