package dev.baton.benchmarks.annotations;

import java.util.concurrent.CompletableFuture;

/**
 * What an annotated method does inside its limiter: the same for every limiter in one benchmark,
 * so that the limiters are the only difference. Returns at once; the future completes now or
 * later.
 */
@FunctionalInterface
public interface Body {

  CompletableFuture<Integer> run();

  /** An already completed future: a body that costs next to nothing. */
  static Body completed() {
    return () -> CompletableFuture.completedFuture(1);
  }
}
