package dev.baton.spring.aspect;

import java.util.function.Function;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;

/**
 * For methods returning {@link Mono}: the wait starts on subscription, without a thread; the
 * method runs once the gate opens, and the gate is exited when the {@code Mono} terminates or the
 * subscription is cancelled. Cancelling while waiting withdraws the wait. Every subscription
 * ({@code retry}, a second subscriber) waits and runs the call afresh, inner advice included.
 */
public final class MonoAdapter implements ReturnTypeAdapter {

  @Override
  public boolean canHandle(Class<?> returnType) {
    return returnType == Mono.class;
  }

  @Override
  public <R> Object around(Gate<R> gate, Invocation invocation) {
    Invocation unrun = invocation.copy();
    Function<ReactiveGates.Passage<R>, Publisher<?>> exit = ReactiveGates.exit(gate);
    return Mono.usingWhen(ReactiveGates.entry(gate),
        // fromDirect: the method's Mono emits at most one value, and must complete as it would
        // unwrapped, where Mono.from would cancel it after its value.
        passage -> Mono.fromDirect(ReactiveGates.run(passage, unrun.copy())),
        exit, (passage, error) -> exit.apply(passage), exit);
  }

  @Override
  public Object afterSuccess(Invocation invocation, Runnable action) throws Throwable {
    Mono<?> mono = (Mono<?>) invocation.proceed();
    return mono == null ? null : mono.doOnSuccess(value -> action.run());
  }
}
