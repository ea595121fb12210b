package dev.baton.sample.scenario;

import dev.baton.AsyncCondition;
import dev.baton.AsyncEvent;
import dev.baton.AsyncLock;
import dev.baton.sample.SimulatedLatency;
import dev.baton.spring.PrimitiveRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;

/**
 * The article's combined example: worker-1 waits for {@code combined-event}, worker-2 waits on
 * {@code combined-condition}, worker-3 holds {@code combined-lock} for {@value #HOLD_MILLIS} ms.
 * The main participant sets the event after {@value #STEP_MILLIS} ms and signals the condition
 * {@value #STEP_MILLIS} ms later (once worker-2 waits). Each run starts with the event clear.
 */
@Component
@Order(5)
class CombinedScenario implements Scenario {

  static final String EVENT = "combined-event";
  static final String CONDITION = "combined-condition";
  static final String LOCK = "combined-lock";
  private static final long STEP_MILLIS = 300;
  private static final long HOLD_MILLIS = 600;

  private final AsyncEvent event;
  private final AsyncCondition condition;
  private final AsyncLock lock;

  CombinedScenario(PrimitiveRegistry registry) {
    this.event = registry.event(EVENT);
    this.condition = registry.condition(CONDITION);
    this.lock = registry.lock(LOCK);
  }

  @Override
  public String name() {
    return "combined";
  }

  @Override
  public String description() {
    return "An event, a condition and a lock at once: set at 300 ms, signalled at 600 ms,"
        + " held for 600 ms.";
  }

  @Override
  public List<String> primitives() {
    return List.of(EVENT, CONDITION, LOCK);
  }

  @Override
  public CompletableFuture<Void> play(Timeline timeline) {
    event.clear();
    CompletableFuture<Void> worker2Waiting = new CompletableFuture<>();
    Participant main = new Participant("main", timeline);
    Duration step = Duration.ofMillis(STEP_MILLIS);
    return CompletableFuture.allOf(
        new Participant("worker-1", timeline).awaitEvent(event, EVENT),
        new Participant("worker-2", timeline).awaitSignal(condition, CONDITION, worker2Waiting),
        new Participant("worker-3", timeline)
            .holdLock(lock, LOCK, Duration.ofMillis(HOLD_MILLIS)),
        main.setEvent(event, EVENT, step)
            .thenCombine(worker2Waiting, (set, waiting) -> null)
            .thenCompose(ready -> SimulatedLatency.of(step))
            .thenCompose(later -> main.signalAll(condition, CONDITION)));
  }
}
