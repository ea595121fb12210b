package dev.baton.spring.aspect;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import kotlin.Unit;
import kotlin.coroutines.CoroutineContext;
import kotlin.coroutines.EmptyCoroutineContext;
import kotlinx.coroutines.Job;
import kotlinx.coroutines.flow.Flow;
import kotlinx.coroutines.flow.FlowKt;
import kotlinx.coroutines.reactive.ReactiveFlowKt;
import kotlinx.coroutines.reactor.ReactorFlowKt;
import org.reactivestreams.Publisher;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;

/**
 * One collection of a Kotlin {@code Flow} as a {@link Flux} that tells when the collection has
 * ended ({@link Stopping}). The flow is collected in a coroutine of its own, in the context of
 * the coroutine that collects the caller's {@code Flow} ({@link #inCollectorsContext}) without
 * its {@code Job}: on its dispatcher, with its elements, as Kotlin's context preservation has a
 * flow run in its collector's context. Cancelling the {@code Flux} only asks the collecting
 * coroutine to stop: its cancellation may be dispatched later (on the collector's dispatcher; an
 * {@code Unconfined} coroutine cancelled from within another queues it), and the flow's code runs
 * until then. The collection is watched with {@code onStart} and {@code onCompletion}; a cancel
 * that comes before it started keeps it from ever starting. Loaded only with
 * kotlinx-coroutines-reactor on the class path.
 */
final class KotlinFlowCollection<T> extends Flux<T> implements Stopping {

  private static final int NEW = 0;
  private static final int COLLECTING = 1;
  private static final int DROPPED = 2;

  /** The key of the collector's coroutine context in the subscriber's Reactor context. */
  private static final Object COLLECTOR = new Object();

  private final Flow<T> collection;
  private final AtomicInteger state = new AtomicInteger(NEW);
  private final CompletableFuture<Void> ended = new CompletableFuture<>();

  /** The collection of {@code flow}, watched to its end. */
  @SuppressWarnings("unchecked")
  KotlinFlowCollection(Object flow) {
    Flow<T> started = FlowKt.onStart((Flow<T>) flow, (collector, continuation) -> {
      if (!state.compareAndSet(NEW, COLLECTING)) {
        throw new CancellationException("cancelled before the flow was collected");
      }
      return Unit.INSTANCE;
    });
    this.collection = FlowKt.onCompletion(started, (collector, failure, continuation) -> {
      ended.complete(null);
      return Unit.INSTANCE;
    });
  }

  /**
   * {@code gated} as the {@code Flow} its caller gets: each collection subscribes to it with the
   * collecting coroutine's context, in which a {@code KotlinFlowCollection} it subscribes to
   * collects its flow.
   */
  static <T> Flow<T> inCollectorsContext(Publisher<T> gated) {
    return (collector, continuation) -> {
      CoroutineContext context = continuation.getContext().minusKey(Job.Key);
      Flux<T> collected = Flux.from(gated).contextWrite(values -> values.put(COLLECTOR, context));
      return ReactiveFlowKt.asFlow(collected).collect(collector, continuation);
    };
  }

  /**
   * Collects the flow in the coroutine context {@link #inCollectorsContext} left in
   * {@code actual}'s Reactor context; in an empty one ({@code Unconfined}) for a subscriber that
   * is not such a collection.
   */
  @Override
  public void subscribe(CoreSubscriber<? super T> actual) {
    CoroutineContext context = actual.currentContext()
        .getOrDefault(COLLECTOR, EmptyCoroutineContext.INSTANCE);
    ReactorFlowKt.asFlux(collection, context).subscribe(actual);
  }

  @Override
  public CompletionStage<Void> stopped() {
    if (state.compareAndSet(NEW, DROPPED)) {
      ended.complete(null);
    }
    return ended;
  }
}
