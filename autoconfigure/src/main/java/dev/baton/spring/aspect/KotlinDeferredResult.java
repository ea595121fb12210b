package dev.baton.spring.aspect;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import kotlin.Unit;
import kotlinx.coroutines.Job;
import org.reactivestreams.Publisher;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Mono;

/**
 * The {@code Deferred} a method returned, as a {@link Mono} of its value that tells when that
 * {@code Deferred} has completed ({@link Stopping}). Cancelling the {@code Mono} (its caller
 * cancelled the {@code Deferred} it was given) only stops the wait for the value: the method's
 * own {@code Deferred} runs on, and its gate is held until it completes, as a method returning a
 * {@code CompletionStage} holds its gate until its own stage completes. Loaded only with
 * kotlinx-coroutines on the class path.
 */
final class KotlinDeferredResult<T> extends Mono<T> implements Stopping {

  private final Publisher<T> value;
  private final CompletableFuture<Void> completed = new CompletableFuture<>();

  /**
   * The value of {@code deferred} converted by {@code toPublisher} (Spring's adapter), watched to
   * its completion.
   */
  @SuppressWarnings("unchecked")
  KotlinDeferredResult(Object deferred, Function<Object, Publisher<?>> toPublisher) {
    ((Job) deferred).invokeOnCompletion(failure -> {
      completed.complete(null);
      return Unit.INSTANCE;
    });
    this.value = (Publisher<T>) toPublisher.apply(deferred);
  }

  @Override
  public void subscribe(CoreSubscriber<? super T> actual) {
    value.subscribe(actual);
  }

  @Override
  public CompletionStage<Void> stopped() {
    return completed;
  }
}
