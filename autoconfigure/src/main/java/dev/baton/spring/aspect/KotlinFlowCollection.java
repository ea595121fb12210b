package dev.baton.spring.aspect;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import kotlin.Unit;
import kotlinx.coroutines.flow.Flow;
import kotlinx.coroutines.flow.FlowKt;
import org.reactivestreams.Publisher;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;

/**
 * One collection of a Kotlin {@code Flow} as a {@link Flux} that tells when the collection has
 * ended ({@link Stopping}). Cancelling the {@code Flux} only asks the collecting coroutine to
 * stop: its cancellation may be dispatched later (an {@code Unconfined} coroutine cancelled from
 * within another queues it), and the flow's code runs until then. The collection is watched with
 * {@code onStart} and {@code onCompletion}; a cancel that comes before it started keeps it from
 * ever starting. Loaded only with kotlinx-coroutines on the class path.
 */
final class KotlinFlowCollection<T> extends Flux<T> implements Stopping {

  private static final int NEW = 0;
  private static final int COLLECTING = 1;
  private static final int DROPPED = 2;

  private final Publisher<T> collection;
  private final AtomicInteger state = new AtomicInteger(NEW);
  private final CompletableFuture<Void> ended = new CompletableFuture<>();

  /**
   * The collection of {@code flow} converted by {@code toPublisher} (Spring's adapter), watched
   * to its end.
   */
  @SuppressWarnings("unchecked")
  KotlinFlowCollection(Object flow, Function<Object, Publisher<?>> toPublisher) {
    Flow<T> started = FlowKt.onStart((Flow<T>) flow, (collector, continuation) -> {
      if (!state.compareAndSet(NEW, COLLECTING)) {
        throw new CancellationException("cancelled before the flow was collected");
      }
      return Unit.INSTANCE;
    });
    Flow<T> watched = FlowKt.onCompletion(started, (collector, failure, continuation) -> {
      ended.complete(null);
      return Unit.INSTANCE;
    });
    this.collection = (Publisher<T>) toPublisher.apply(watched);
  }

  @Override
  public void subscribe(CoreSubscriber<? super T> actual) {
    collection.subscribe(actual);
  }

  @Override
  public CompletionStage<Void> stopped() {
    if (state.compareAndSet(NEW, DROPPED)) {
      ended.complete(null);
    }
    return ended;
  }
}
