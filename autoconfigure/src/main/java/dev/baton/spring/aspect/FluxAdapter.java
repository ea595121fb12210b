package dev.baton.spring.aspect;

import java.util.function.Function;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;

/**
 * For methods returning {@link Flux}: the wait starts on subscription, without a thread; the
 * method runs once the gate opens, and the gate is exited when the {@code Flux} terminates or the
 * subscription is cancelled. Cancelling while waiting withdraws the wait. Every subscription
 * ({@code repeat}, a second subscriber) waits and runs the call afresh, inner advice included.
 */
public final class FluxAdapter implements ReturnTypeAdapter {

  @Override
  public boolean canHandle(Class<?> returnType) {
    return returnType == Flux.class;
  }

  @Override
  public <R> Object around(Gate<R> gate, Invocation invocation) {
    Invocation unrun = invocation.copy();
    Function<ReactiveGates.Passage<R>, Publisher<?>> exit = ReactiveGates.exit(gate);
    return Flux.usingWhen(ReactiveGates.entry(gate),
        passage -> ReactiveGates.run(passage, unrun.copy()),
        exit, (passage, error) -> exit.apply(passage), exit);
  }

  @Override
  public Object afterSuccess(Invocation invocation, Runnable action) throws Throwable {
    Flux<?> flux = (Flux<?>) invocation.proceed();
    return flux == null ? null : flux.doOnComplete(action);
  }
}
