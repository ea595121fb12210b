package dev.baton.spring.aspect;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;

/** The pieces {@link MonoAdapter} and {@link FluxAdapter} share. */
final class ReactiveGates {

  private ReactiveGates() {}

  /**
   * The gate's wait as a {@link Mono}: started per subscription, withdrawn on cancel, and a grant
   * that loses the race with the cancel is exited rather than dropped.
   */
  static <R> Mono<Optional<R>> entry(Gate<R> gate) {
    return Mono.defer(() -> {
      CompletableFuture<R> waiting = gate.enter().get();
      return Mono.fromFuture(waiting, true).map(Optional::of)
          .defaultIfEmpty(Optional.empty()).doFinally(signal -> {
        if (signal == SignalType.CANCEL && !waiting.cancel(false)) {
          waiting.thenAccept(gate.exit());
        }
      });
    });
  }

  /** Exits the gate, as a publisher for {@code usingWhen}'s cleanup callbacks. */
  static <R> Function<Optional<R>, Publisher<?>> exit(Gate<R> gate) {
    return granted -> Mono.fromRunnable(() -> gate.exit().accept(granted.orElse(null)));
  }

  /** The method's publisher; a throw or a null becomes an error signal. */
  @SuppressWarnings("unchecked")
  static <T> Publisher<T> publisherOf(Invocation invocation) {
    try {
      Publisher<T> publisher = (Publisher<T>) invocation.proceed();
      return publisher != null ? publisher
          : Mono.error(new NullPointerException("the method returned a null publisher"));
    } catch (Throwable t) {
      return Mono.error(t);
    }
  }
}
