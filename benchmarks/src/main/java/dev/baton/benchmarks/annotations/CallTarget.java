package dev.baton.benchmarks.annotations;

import java.util.concurrent.CompletableFuture;

/**
 * A Spring bean whose methods return {@code CompletableFuture}, one subclass per limiter, each
 * subclass annotating the methods with its limiter. The benchmarks call the beans through the
 * proxies Spring made for them.
 *
 * <p>Methods are public and not final so that a class-based proxy can intercept them.
 */
public abstract class CallTarget {

  private final Body body;

  protected CallTarget(Body body) {
    this.body = body;
  }

  /** The measured call: the {@code bench} limiter (permits from the context's properties). */
  public abstract CompletableFuture<Integer> call();

  /**
   * The set-up check's call: the {@code sanity} limiter, one permit, around {@code body}. See
   * {@link SerializationCheck}.
   */
  public abstract CompletableFuture<Integer> serialized(Body body);

  /** For subclasses: the body the context was started with. */
  protected final CompletableFuture<Integer> body() {
    return body.run();
  }
}
