package dev.baton.benchmarks.annotations;

import java.util.concurrent.CompletableFuture;

/** No annotation, so no proxy: the baseline every limiter's cost is read against. */
public class PlainTarget extends CallTarget {

  public PlainTarget(Body body) {
    super(body);
  }

  @Override
  public CompletableFuture<Integer> call() {
    return body();
  }

  @Override
  public CompletableFuture<Integer> serialized(Body body) {
    return body.run();
  }
}
