package dev.baton.spring.aspect;

import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.reactivestreams.Publisher;
import org.springframework.core.ReactiveAdapter;
import org.springframework.core.ReactiveAdapterRegistry;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * For methods declaring an asynchronous type that Spring's {@link ReactiveAdapterRegistry}
 * converts to and from a Reactive Streams publisher: a Kotlin {@code Flow} or {@code Deferred}
 * (registered by Baton when {@code kotlinx-coroutines-reactor} is on the class path), or any
 * other type an application registers a bean of this class for, such as RxJava's
 * {@code Single}. A type of many values is handled as a {@link Flux} ({@link FluxAdapter}), one
 * of at most one value as a {@link Mono} ({@link MonoAdapter}), and the caller gets the declared
 * type back, converted from that publisher:
 * <ul>
 * <li>a cold type (a {@code Flow}) waits when it is collected, runs the method once the gate
 * opens, and exits the gate when the collection ends: it completes, fails or is cancelled; each
 * collection waits and runs the call afresh. The method's flow runs in its collector's coroutine
 * context (dispatcher and elements, not its {@code Job}), as it would without Baton. A cancelled
 * {@code Flow}'s gate is exited once the method's flow has stopped, not when the cancel is asked
 * for ({@link KotlinFlowCollection});
 * <li>a hot type (a {@code Deferred}) is subscribed to by its conversion at once: calling the
 * method starts the wait, the method runs once the gate opens, and the gate is exited when the
 * result completes; cancelling the result while it waits withdraws the wait. A {@code Deferred}
 * cancelled by its caller once the method ran holds the gate until the method's own
 * {@code Deferred} completes ({@link KotlinDeferredResult}).
 * </ul>
 * Only the declared type itself is handled, not a subtype (a {@code StateFlow} is not a
 * {@code Flow} this adapter could return).
 */
public final class ReactiveTypeAdapter implements ReturnTypeAdapter {

  private static final String KOTLIN_FLOW = "kotlinx.coroutines.flow.Flow";
  private static final String KOTLIN_DEFERRED = "kotlinx.coroutines.Deferred";

  private final Class<?> type;
  private final ReactiveAdapter adapter;
  /** The method's result as the publisher its gate's adapter expects; null stays null. */
  private final UnaryOperator<Object> toPublisher;
  /**
   * The method's result as a publisher for {@link #afterSuccess}, where no gate waits for it to
   * stop: each subscriber collects a {@code Flow} afresh, as each collector of a {@code Flow}
   * does; null stays null.
   */
  private final UnaryOperator<Object> toRepeatablePublisher;
  /** The gated publisher as the declared type, for the caller. */
  private final Function<Publisher<?>, Object> fromPublisher;
  private final MonoAdapter mono = new MonoAdapter();
  private final FluxAdapter flux = new FluxAdapter();

  /**
   * An adapter for methods declaring {@code type}.
   *
   * @throws IllegalArgumentException if Spring's shared {@link ReactiveAdapterRegistry} cannot
   *     convert {@code type}
   */
  public ReactiveTypeAdapter(Class<?> type) {
    ReactiveAdapter registered = ReactiveAdapterRegistry.getSharedInstance().getAdapter(type);
    if (registered == null || registered.getReactiveType() != type) {
      throw new IllegalArgumentException("Spring's ReactiveAdapterRegistry cannot convert "
          + type.getName() + " to and from a publisher: register an adapter for it there first");
    }
    this.type = type;
    this.adapter = registered;
    UnaryOperator<Object> convert = converter(type, registered);
    this.toPublisher = result -> result == null ? null : convert.apply(result);
    boolean flow = type.getName().equals(KOTLIN_FLOW);
    this.toRepeatablePublisher = flow
        ? result -> result == null ? null : Flux.defer(() -> new KotlinFlowCollection<>(result))
        : toPublisher;
    this.fromPublisher = flow
        ? KotlinFlowCollection::inCollectorsContext : registered::fromPublisher;
  }

  /**
   * How a result of {@code type} becomes a publisher, chosen once: a Kotlin {@code Flow} or
   * {@code Deferred} as one that tells when its work has stopped, any other type as Spring's
   * conversion.
   */
  private static UnaryOperator<Object> converter(Class<?> type, ReactiveAdapter adapter) {
    return switch (type.getName()) {
      case KOTLIN_FLOW -> result -> new KotlinFlowCollection<>(result);
      case KOTLIN_DEFERRED -> result -> new KotlinDeferredResult<>(result, adapter::toPublisher);
      default -> result -> {
        Publisher<?> publisher = adapter.toPublisher(result);
        return adapter.isMultiValue() ? Flux.from(publisher) : Mono.from(publisher);
      };
    };
  }

  @Override
  public boolean canHandle(Class<?> returnType) {
    return returnType == type;
  }

  @Override
  public <R> Object around(Gate<R> gate, Invocation invocation) throws Throwable {
    Invocation publishing = new Converted(invocation, toPublisher);
    Object gated = adapter.isMultiValue() ? flux.around(gate, publishing)
        : mono.around(gate, publishing);
    return fromPublisher.apply((Publisher<?>) gated);
  }

  @Override
  public Object afterSuccess(Invocation invocation, Runnable action) throws Throwable {
    Invocation publishing = new Converted(invocation, toRepeatablePublisher);
    Object followed = adapter.isMultiValue() ? flux.afterSuccess(publishing, action)
        : mono.afterSuccess(publishing, action);
    return followed == null ? null : fromPublisher.apply((Publisher<?>) followed);
  }

  /**
   * {@code call} with its result converted: copied and exposed as {@code call} is, so that the
   * inner adapter runs it as it runs one of Baton's own calls.
   */
  private record Converted(Invocation call, UnaryOperator<Object> convert)
      implements ExposedCall {

    @Override
    public Object proceed() throws Throwable {
      return convert.apply(call.proceed());
    }

    @Override
    public Object proceedExposed() throws Throwable {
      return convert.apply(ExposedCall.proceedExposed(call));
    }

    @Override
    public Invocation copy() {
      return new Converted(call.copy(), convert);
    }
  }
}
