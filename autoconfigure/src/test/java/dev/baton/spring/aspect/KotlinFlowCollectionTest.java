package dev.baton.spring.aspect;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import kotlinx.coroutines.flow.Flow;
import kotlinx.coroutines.reactive.ReactiveFlowKt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.SignalType;

/** One collection of a Kotlin {@code Flow} as a {@code Flux} ({@link KotlinFlowCollection}). */
@Timeout(30)
class KotlinFlowCollectionTest {

  /**
   * A collection whose gate was exited before it started (a cancel that came first: its
   * {@code stopped()} completes at once, and the gate is given back) must never start later, as
   * when its first request still comes: the flow would run without its lock or permit.
   */
  @Test
  void aCollectionStoppedBeforeItStartedNeverRunsTheFlow() {
    AtomicBoolean ran = new AtomicBoolean();
    Flow<String> flow = ReactiveFlowKt.asFlow(Flux.defer(() -> {
      ran.set(true);
      return Flux.just("value");
    }));
    KotlinFlowCollection<String> collection = new KotlinFlowCollection<>(flow);
    CompletableFuture<SignalType> ended = new CompletableFuture<>();
    BaseSubscriber<String> subscriber = new BaseSubscriber<>() {
      @Override
      protected void hookOnSubscribe(Subscription subscription) {
        // no request yet: the collection has not started
      }

      @Override
      protected void hookFinally(SignalType type) {
        ended.complete(type);
      }
    };
    collection.subscribe(subscriber);

    assertThat(collection.stopped().toCompletableFuture()).isCompleted();
    subscriber.requestUnbounded();

    assertThat(ended).succeedsWithin(Duration.ofSeconds(5));
    assertThat(ran).isFalse();
  }
}
