package dev.baton.benchmarks.annotations;

import dev.baton.annotation.Limited;
import java.util.concurrent.CompletableFuture;

/**
 * Baton's {@code @Limited}: the call returns a future at once, waits for a permit without a
 * thread, and holds the permit until the method's future completes (the annotation's contract).
 * {@code bench} takes its permits from {@code baton.semaphores.bench.permits}.
 */
public class BatonLimitedTarget extends CallTarget {

  public BatonLimitedTarget(Body body) {
    super(body);
  }

  @Override
  @Limited("bench")
  public CompletableFuture<Integer> call() {
    return body();
  }

  @Override
  @Limited(value = "sanity", permits = 1)
  public CompletableFuture<Integer> serialized(Body body) {
    return body.run();
  }
}
