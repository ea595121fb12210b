package dev.baton.sample.scenario;

import dev.baton.AsyncQueue;
import dev.baton.sample.SimulatedLatency;
import dev.baton.spring.PrimitiveRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;

/**
 * The article's Queue example: a producer puts items 0 to {@value #ITEMS}-1 into
 * {@code demo-queue} every {@value #PRODUCE_MILLIS} ms; a consumer takes them and spends
 * {@value #CONSUME_MILLIS} ms on each before {@code taskDone()}. The queue holds two items
 * ({@code baton.queues.demo-queue.capacity}), so the faster producer has to wait for room. Once
 * the producer is done, {@code join()} waits until every item is processed, then the consumer's
 * pending take is cancelled (the article cancels the consumer task); a cancelled take never
 * loses an item, so the queue stays usable for the next run.
 */
@Component
@Order(6)
class QueueScenario implements Scenario {

  static final String QUEUE = "demo-queue";
  private static final int ITEMS = 5;
  private static final long PRODUCE_MILLIS = 50;
  private static final long CONSUME_MILLIS = 200;

  private final AsyncQueue<Integer> queue;

  QueueScenario(PrimitiveRegistry registry) {
    this.queue = registry.queue(QUEUE);
  }

  @Override
  public String name() {
    return "queue";
  }

  @Override
  public String description() {
    return "A producer puts five items into a queue of two; a slower consumer takes them;"
        + " join() waits for the last one, then the consumer is cancelled.";
  }

  @Override
  public List<String> primitives() {
    return List.of(QUEUE);
  }

  @Override
  public CompletableFuture<Void> play(Timeline timeline) {
    CompletableFuture<Void> drained = new CompletableFuture<>();
    CompletableFuture<Void> consumer = consume(timeline, drained);
    CompletableFuture<Void> producer = produce(timeline, 0);
    producer.thenCompose(produced -> queue.join().orTimeout(
            Participant.PATIENCE.toMillis(), TimeUnit.MILLISECONDS))
        .whenComplete((joined, failure) -> drained.complete(null));
    return CompletableFuture.allOf(producer, consumer);
  }

  /** Puts {@code item} and the ones after it, pausing between puts. */
  private CompletableFuture<Void> produce(Timeline timeline, int item) {
    if (item == ITEMS) {
      return CompletableFuture.completedFuture(null);
    }
    CompletableFuture<Void> put;
    if (queue.isFull()) {
      timeline.record("producer", Action.WAITING, QUEUE, item);
      put = queue.put(item, Participant.PATIENCE)
          .thenRun(() -> timeline.record("producer", Action.PRODUCED, QUEUE, item));
    } else {
      // Recorded first: a consumer already waiting takes the item inside put(), on this thread.
      // The put completes at once, since there is room and this is the only producer.
      timeline.record("producer", Action.PRODUCED, QUEUE, item);
      put = queue.put(item, Participant.PATIENCE);
    }
    return put
        .thenCompose(produced -> SimulatedLatency.of(Duration.ofMillis(PRODUCE_MILLIS)))
        .thenCompose(paused -> produce(timeline, item + 1));
  }

  /** Takes and processes items until {@code drained} completes, which cancels the pending take. */
  private CompletableFuture<Void> consume(Timeline timeline, CompletableFuture<Void> drained) {
    CompletableFuture<Integer> take = queue.take();
    drained.thenRun(() -> take.cancel(false));
    return take.handle((item, cancelled) -> cancelled == null ? item : null).thenCompose(item -> {
      if (item == null) {
        timeline.record("consumer", Action.STOPPED, QUEUE);
        return CompletableFuture.completedFuture(null);
      }
      timeline.record("consumer", Action.CONSUMED, QUEUE, item);
      return SimulatedLatency.of(Duration.ofMillis(CONSUME_MILLIS)).thenCompose(processed -> {
        queue.taskDone();
        return consume(timeline, drained);
      });
    });
  }
}
