package dev.baton.benchmarks.annotations;

import io.github.resilience4j.bulkhead.annotation.Bulkhead;
import java.util.concurrent.CompletableFuture;

/**
 * Resilience4j's {@code @Bulkhead}, semaphore type, configured under
 * {@code resilience4j.bulkhead.instances.*}. For a method returning {@code CompletionStage} its
 * aspect calls {@code Bulkhead.executeCompletionStage}: {@code tryAcquirePermission()} waits up to
 * {@code maxWaitDuration} in {@code java.util.concurrent.Semaphore.tryAcquire} on the calling
 * thread, and the permit is given back when the method's stage completes.
 */
public class Resilience4jBulkheadTarget extends CallTarget {

  public Resilience4jBulkheadTarget(Body body) {
    super(body);
  }

  @Override
  @Bulkhead(name = "bench")
  public CompletableFuture<Integer> call() {
    return body();
  }

  @Override
  @Bulkhead(name = "sanity")
  public CompletableFuture<Integer> serialized(Body body) {
    return body.run();
  }
}
