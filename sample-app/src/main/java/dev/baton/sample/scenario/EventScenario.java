package dev.baton.sample.scenario;

import dev.baton.AsyncEvent;
import dev.baton.spring.PrimitiveRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;

/**
 * The article's Event example: two waiters wait for {@code demo-event}; a setter sets it after
 * {@value #DELAY_MILLIS} ms and both proceed at once. Each run starts with the event clear.
 */
@Component
@Order(1)
class EventScenario implements Scenario {

  static final String EVENT = "demo-event";
  private static final long DELAY_MILLIS = 400;

  private final AsyncEvent event;

  EventScenario(PrimitiveRegistry registry) {
    this.event = registry.event(EVENT);
  }

  @Override
  public String name() {
    return "event";
  }

  @Override
  public String description() {
    return "Two waiters wait for an event; a setter sets it after 400 ms and both go on at once.";
  }

  @Override
  public List<String> primitives() {
    return List.of(EVENT);
  }

  @Override
  public CompletableFuture<Void> play(Timeline timeline) {
    event.clear();
    return CompletableFuture.allOf(
        new Participant("waiter-1", timeline).awaitEvent(event, EVENT),
        new Participant("waiter-2", timeline).awaitEvent(event, EVENT),
        new Participant("setter", timeline)
            .setEvent(event, EVENT, Duration.ofMillis(DELAY_MILLIS)));
  }
}
