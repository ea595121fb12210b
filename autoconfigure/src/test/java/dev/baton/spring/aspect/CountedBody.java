package dev.baton.spring.aspect;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A fuzzed call's body in the shape of each return type, counting itself inside its gate: in as it
 * starts ({@link #enter()}), out as its result ends, before that end reaches the aspect. So a fuzz
 * that finds more bodies inside a gate than it admits has found two calls holding at once.
 */
public abstract class CountedBody {

  /**
   * Counts the body in; the returned action counts it out, once however often it runs, and
   * returns only once the body is out, whichever thread counted it out.
   */
  abstract Runnable enter();

  /** How the body's result ends: a value, or the failure to end with. */
  abstract CompletableFuture<String> outcome();

  /** Runs as a synchronous body ends, just before it is counted out; nothing by default. */
  void ending() {
  }

  /** Runs inside the method's call: the result, or the failure thrown. */
  public String sync() {
    Runnable leave = enter();
    try {
      return outcome().join();
    } catch (CompletionException e) {
      throw (RuntimeException) e.getCause();
    } finally {
      ending();
      leave.run();
    }
  }

  /** Enters at once; leaves as the returned future ends. */
  public CompletableFuture<String> future() {
    Runnable leave = enter();
    return outcome().whenComplete((value, failure) -> leave.run());
  }

  /** Enters on subscription; leaves before its end (or a cancel) reaches the aspect. */
  public Mono<String> mono() {
    return Mono.defer(() -> {
      Runnable leave = enter();
      return Mono.fromFuture(outcome()).doOnTerminate(leave).doOnCancel(leave);
    });
  }

  /** Two elements, then the outcome; enters on subscription as {@link #mono()} does. */
  public Flux<String> flux() {
    return Flux.defer(() -> {
      Runnable leave = enter();
      return Flux.just("first", "second").concatWith(Mono.fromFuture(outcome()))
          .doOnTerminate(leave).doOnCancel(leave);
    });
  }
}
