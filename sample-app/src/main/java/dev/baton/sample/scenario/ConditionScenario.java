package dev.baton.sample.scenario;

import dev.baton.AsyncCondition;
import dev.baton.sample.SimulatedLatency;
import dev.baton.spring.PrimitiveRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;

/**
 * The article's Condition example, with two waiters: each takes {@code demo-condition}'s lock
 * and waits for a signal (which releases the lock); {@value #DELAY_MILLIS} ms later, once both
 * are waiting, a notifier takes the lock and signals all. The waiters wake one at a time, since
 * each must re-acquire the lock.
 */
@Component
@Order(4)
class ConditionScenario implements Scenario {

  static final String CONDITION = "demo-condition";
  private static final long DELAY_MILLIS = 400;

  private final AsyncCondition condition;

  ConditionScenario(PrimitiveRegistry registry) {
    this.condition = registry.condition(CONDITION);
  }

  @Override
  public String name() {
    return "condition";
  }

  @Override
  public String description() {
    return "Two waiters wait on a condition; a notifier signals all after 400 ms.";
  }

  @Override
  public List<String> primitives() {
    return List.of(CONDITION);
  }

  @Override
  public CompletableFuture<Void> play(Timeline timeline) {
    CompletableFuture<Void> firstWaiting = new CompletableFuture<>();
    CompletableFuture<Void> secondWaiting = new CompletableFuture<>();
    Participant notifier = new Participant("notifier", timeline);
    return CompletableFuture.allOf(
        new Participant("waiter-1", timeline).awaitSignal(condition, CONDITION, firstWaiting),
        new Participant("waiter-2", timeline).awaitSignal(condition, CONDITION, secondWaiting),
        CompletableFuture.allOf(
                SimulatedLatency.of(Duration.ofMillis(DELAY_MILLIS)), firstWaiting, secondWaiting)
            .thenCompose(ready -> notifier.signalAll(condition, CONDITION)));
  }
}
