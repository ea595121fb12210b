package dev.baton.spring.aspect;

import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;

/**
 * The pieces {@link MonoAdapter} and {@link FluxAdapter} share.
 *
 * <p>Where the call runs: a subscription granted at once runs it on the subscribing thread. One
 * that had to wait runs it on the thread that ends the wait, with the context the subscribing
 * thread had when it subscribed, the subscriber's Reactor {@code Context} taking precedence
 * ({@link CallerContext}); this covers the method, the advice inside Baton's and the subscription
 * to the method's publisher (a {@code Mono.fromCallable} runs then). Signals that the publisher
 * emits later, from threads of its own, follow Reactor's rules of context propagation.
 */
final class ReactiveGates {

  private ReactiveGates() {}

  /**
   * One subscription's way through the gate.
   *
   * @param granted what the wait granted, to give back; null for a gate that grants nothing
   * @param caller the subscriber's context if the wait did not end at once; null if it did
   */
  record Passage<R>(R granted, CallerContext caller) {}

  /**
   * The gate's wait as a {@link Mono}: started per subscription, withdrawn on cancel, and a grant
   * that loses the race with the cancel is exited rather than dropped.
   */
  static <R> Mono<Passage<R>> entry(Gate<R> gate) {
    return Mono.deferContextual(subscriberContext -> {
      CompletableFuture<R> waiting = gate.enter().get();
      CallerContext caller = waiting.isDone() ? null : CallerContext.capture(subscriberContext);
      return Mono.fromFuture(waiting, true).map(granted -> new Passage<>(granted, caller))
          .defaultIfEmpty(new Passage<>(null, caller)).doFinally(signal -> {
        if (signal == SignalType.CANCEL && !waiting.cancel(false)) {
          waiting.thenAccept(gate.exit());
        }
      });
    });
  }

  /** Exits the gate, as a publisher for {@code usingWhen}'s cleanup callbacks. */
  static <R> Function<Passage<R>, Publisher<?>> exit(Gate<R> gate) {
    return passage -> Mono.fromRunnable(() -> gate.exit().accept(passage.granted()));
  }

  /** The call's publisher for a subscription that came through {@code passage}. */
  static <T> Publisher<T> run(Passage<?> passage, Invocation invocation) {
    CallerContext caller = passage.caller();
    if (caller == null) {
      return publisherOf(invocation);
    }
    Publisher<T> publisher = publisherOf(() -> caller.proceed(invocation));
    return subscriber -> caller.run(() -> publisher.subscribe(subscriber));
  }

  /** The method's publisher; a throw or a null becomes an error signal. */
  @SuppressWarnings("unchecked")
  private static <T> Publisher<T> publisherOf(Invocation invocation) {
    try {
      Publisher<T> publisher = (Publisher<T>) invocation.proceed();
      return publisher != null ? publisher
          : Mono.error(new NullPointerException("the method returned a null publisher"));
    } catch (Throwable t) {
      return Mono.error(t);
    }
  }
}
