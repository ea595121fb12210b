package dev.baton.spring.aspect;

import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;

/**
 * For methods declaring {@link Publisher} itself: handled as a {@link Flux} (see
 * {@link FluxAdapter}), whatever publisher the method returns, and the caller gets a {@code Flux},
 * which is a {@code Publisher}. A declared subtype of {@code Publisher} other than {@code Mono}
 * and {@code Flux} is not handled: the {@code Flux} could not stand in for it.
 */
public final class PublisherAdapter implements ReturnTypeAdapter {

  private final FluxAdapter flux = new FluxAdapter();

  @Override
  public boolean canHandle(Class<?> returnType) {
    return returnType == Publisher.class;
  }

  @Override
  public <R> Object around(Gate<R> gate, Invocation invocation) throws Throwable {
    return flux.around(gate, invocation);
  }

  @Override
  public Object afterSuccess(Invocation invocation, Runnable action) throws Throwable {
    return flux.afterSuccess(() -> {
      Publisher<?> publisher = (Publisher<?>) invocation.proceed();
      return publisher == null ? null : Flux.from(publisher);
    }, action);
  }
}
