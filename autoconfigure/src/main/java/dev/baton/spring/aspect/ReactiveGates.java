package dev.baton.spring.aspect;

import dev.baton.spring.observation.Call;
import dev.baton.spring.observation.CurrentCall;
import io.micrometer.context.ContextSnapshot;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
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
 *
 * <p>Which call it is, for the stall view: the method was invoked as a call of its own (its
 * aspect made it current around the invocation), but waits and runs only once subscribed, maybe
 * more than once. Each subscription is therefore a call of its own, at the method's site and made
 * from the call the method was invoked from, current while it asks for its wait and while the
 * method runs, wherever that is; so its wait and hold are its own, not its subscriber's, and two
 * subscriptions taking turns on one lock are no re-entry.
 *
 * <p>Who gives the grant back: a subscription cancelled while it waits withdraws the wait, and
 * exits a grant that won the race with the cancel; a subscription whose call has started exits it
 * through {@code usingWhen}'s cleanup. A cancel can reach {@code usingWhen} while the grant is
 * being handed to it, so that it cancels the wait and still runs the call; the {@link Passage}
 * settles that race with one CAS, between the call starting and the cancel dropping it, and
 * whichever loses leaves the grant to the other: a call never runs with its grant given back.
 * A call whose publisher goes on after a cancel (a Kotlin {@code Flow}'s collection or
 * {@code Deferred}, {@link Stopping}) is exited once that publisher has stopped, not as the cancel
 * reaches it.
 */
final class ReactiveGates {

  private ReactiveGates() {}

  /**
   * One subscription's way through the gate: what it was granted, and whether its call started or
   * a cancel dropped it, settled once.
   */
  static final class Passage<R> {
    private static final int WAITING = 0;
    private static final int STARTED = 1;
    private static final int DROPPED = 2;

    /** The subscriber's context if the wait did not end at once; null if it did. */
    private final CallerContext caller;
    /** The subscription's call, for a call granted at once; null without one. */
    private final Call call;
    private final AtomicInteger state = new AtomicInteger(WAITING);
    /** What the wait granted, to give back; null for a gate that grants nothing. */
    private volatile R granted;
    /** The call's publisher if it goes on after a cancel ({@link Stopping}); else null. */
    private volatile Stopping stopping;

    Passage(CallerContext caller, Call call) {
      this.caller = caller;
      this.call = call;
    }

    /** Whether the call may start: false once a cancel dropped the passage. */
    boolean start() {
      return state.compareAndSet(WAITING, STARTED);
    }

    /** Whether the cancel that calls this owns the grant: false once the call has started. */
    boolean drop() {
      return state.compareAndSet(WAITING, DROPPED);
    }

    boolean started() {
      return state.get() == STARTED;
    }
  }

  /**
   * The gate's wait as a {@link Mono}: started per subscription, withdrawn on a cancel that comes
   * before the call starts, and a grant that loses the race with that cancel is exited rather
   * than dropped.
   */
  static <R> Mono<Passage<R>> entry(Gate<R> gate) {
    // The method's call, while its aspect invokes it; none with the stall view off, where the
    // current call may be one code opened, which a subscription must not copy.
    Call invoked = CurrentCall.invocation();
    return Mono.deferContextual(subscriberContext -> {
      CompletableFuture<R> waiting;
      Passage<R> passage;
      // The wait starts with the subscriber's values in place (as WebFlux keeps its request's
      // observation in the Reactor Context), so that its observation is a child of theirs.
      try (ContextSnapshot.Scope values = subscriberContext.isEmpty() ? null
              : CallerContext.valuesOf(subscriberContext);
          CurrentCall.Scope call = subscribed(invoked)) {
        waiting = gate.enter().get();
        passage = new Passage<>(waiting.isDone() ? null : CallerContext.capture(subscriberContext),
            call == null ? null : call.call());
      }
      return granted(waiting).map(granted -> {
        passage.granted = granted;
        return passage;
      }).defaultIfEmpty(passage).doFinally(signal -> {
        if (signal == SignalType.CANCEL && passage.drop() && !waiting.cancel(false)) {
          waiting.thenAccept(gate.exit());
        }
      });
    });
  }

  /**
   * The grant of {@code waiting} as a {@link Mono}, which never cancels {@code waiting} itself.
   * A wait still pending is followed through a future that carries its failure as a value: a
   * failure that lands once the subscription is cancelled (a timeout that beats the cancel to the
   * wait) then reaches nobody, where Reactor would log it at ERROR level as an error dropped by an
   * operator. The cancel's own loss is handled by {@link #entry}'s cleanup.
   */
  private static <R> Mono<R> granted(CompletableFuture<R> waiting) {
    if (waiting.isDone()) {
      return Mono.fromFuture(waiting, true);
    }
    return Mono.fromFuture(waiting.handle(Outcome<R>::new), true).flatMap(Outcome::signal);
  }

  /** How a wait ended: its grant, or its failure. */
  private record Outcome<R>(R granted, Throwable failure) {

    /** The grant, or the failure as {@code Mono.fromFuture} reports it (unwrapped). */
    Mono<R> signal() {
      if (failure == null) {
        return Mono.justOrEmpty(granted);
      }
      return Mono.error(failure instanceof CompletionException wrapped
          && wrapped.getCause() != null ? wrapped.getCause() : failure);
    }
  }

  /**
   * A subscription's own call, current until the scope is closed: at the site of {@code invoked},
   * the call the method was invoked as, and made from the call it was made from; null (nothing
   * changed) when the method was invoked outside any call.
   *
   * <p>An inner Baton advice of the same method is invoked and subscribed again inside the outer
   * advice's subscription, on the copy of the invocation that subscription runs, and joins its
   * call ({@link CurrentCall#runs}): {@code invoked} is then that call, current, and shares it, as
   * the annotations of a synchronous method share theirs. A method that calls itself through its
   * proxy inside its own subscription makes a new invocation, and so a call of its own.
   */
  private static CurrentCall.Scope subscribed(Call invoked) {
    if (invoked == null) {
      return null;
    }
    if (CurrentCall.get() == invoked) {
      return CurrentCall.in(invoked);
    }
    return CurrentCall.subscription(invoked.site(), invoked.parent());
  }

  /**
   * Exits the gate, as a publisher for {@code usingWhen}'s cleanup callbacks, if the call started,
   * once its publisher has stopped if it goes on after a cancel ({@link Stopping}); a passage
   * dropped by a cancel was exited by it.
   */
  static <R> Function<Passage<R>, Publisher<?>> exit(Gate<R> gate) {
    return passage -> Mono.defer(() -> {
      if (!passage.started()) {
        return Mono.empty();
      }
      Mono<Void> exit = Mono.fromRunnable(() -> gate.exit().accept(passage.granted));
      Stopping stopping = passage.stopping;
      return stopping == null ? exit
          : Mono.fromFuture(stopping.stopped().toCompletableFuture(), true).then(exit);
    });
  }

  /**
   * The call's publisher for a subscription that came through {@code passage}; empty, without
   * running the call, if a cancel dropped the passage first.
   */
  static <T> Publisher<T> run(Passage<?> passage, Invocation invocation) {
    if (!passage.start()) {
      return Mono.empty();
    }
    CallerContext caller = passage.caller;
    if (caller == null && passage.call != null) {
      // Granted at once: on the subscribing thread, as the subscription's call.
      try (CurrentCall.Scope call = CurrentCall.in(passage.call)) {
        Publisher<T> publisher = stoppedBy(passage,
            publisherOf(() -> ExposedCall.proceedExposed(invocation)));
        return subscriber -> {
          try (CurrentCall.Scope again = CurrentCall.in(passage.call)) {
            publisher.subscribe(subscriber);
          }
        };
      }
    }
    if (caller == null) {
      // Granted at once, but subscribed after the proxy returned: expose the call, as a call
      // that waited is exposed, for advice inside Baton's that looks it up.
      return stoppedBy(passage, publisherOf(() -> ExposedCall.proceedExposed(invocation)));
    }
    Publisher<T> publisher = stoppedBy(passage, publisherOf(() -> caller.proceed(invocation)));
    return subscriber -> caller.run(() -> publisher.subscribe(subscriber));
  }

  /** Keeps {@code publisher} on {@code passage} if it goes on after a cancel. */
  private static <T> Publisher<T> stoppedBy(Passage<?> passage, Publisher<T> publisher) {
    if (publisher instanceof Stopping stopping) {
      passage.stopping = stopping;
    }
    return publisher;
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
