package dev.baton.benchmarks.annotations;

import java.util.concurrent.CompletableFuture;
import org.springframework.resilience.annotation.ConcurrencyLimit;

/**
 * Spring Framework 7's {@code @ConcurrencyLimit} (default policy {@code BLOCK}). Its interceptor
 * (a {@code ConcurrencyThrottleInterceptor}) takes the permit before {@code proceed()} and gives
 * it back in a {@code finally} right after: a caller that finds no permit parks its thread on a
 * {@code Condition}, and for a method returning {@code CompletableFuture} the permit covers only
 * the synchronous part of the call, not the work the future stands for.
 *
 * <p>{@link #callHoldingThread()} is the way to make such a limit cover the work: the body waits
 * for its own future before returning, so the permit (and the calling thread) is held until the
 * work completes.
 */
public class SpringConcurrencyLimitTarget extends CallTarget {

  public SpringConcurrencyLimitTarget(Body body) {
    super(body);
  }

  @Override
  @ConcurrencyLimit(limitString = "${bench.permits}")
  public CompletableFuture<Integer> call() {
    return body();
  }

  /** As {@link #call()}, but returns only once the body's future has completed. */
  @ConcurrencyLimit(limitString = "${bench.permits}")
  public CompletableFuture<Integer> callHoldingThread() {
    CompletableFuture<Integer> result = body();
    result.join();
    return result;
  }

  /** Holds the calling thread until the body completes: see {@link #callHoldingThread()}. */
  @Override
  @ConcurrencyLimit(1)
  public CompletableFuture<Integer> serialized(Body body) {
    CompletableFuture<Integer> result = body.run();
    result.join();
    return result;
  }
}
