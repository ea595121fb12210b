package dev.baton.sample.scenario;

import dev.baton.AsyncLock;
import dev.baton.spring.PrimitiveRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;

/**
 * The article's Lock example: three workers ask for {@code demo-lock} at once and each holds it
 * for {@value #HOLD_MILLIS} ms; they get it one after the other, in the order they asked.
 */
@Component
@Order(2)
class LockScenario implements Scenario {

  static final String LOCK = "demo-lock";
  private static final long HOLD_MILLIS = 250;

  private final AsyncLock lock;

  LockScenario(PrimitiveRegistry registry) {
    this.lock = registry.lock(LOCK);
  }

  @Override
  public String name() {
    return "lock";
  }

  @Override
  public String description() {
    return "Three workers want one lock; each holds it for 250 ms, in the order they asked.";
  }

  @Override
  public List<String> primitives() {
    return List.of(LOCK);
  }

  @Override
  public CompletableFuture<Void> play(Timeline timeline) {
    return CompletableFuture.allOf(IntStream.rangeClosed(1, 3)
        .mapToObj(i -> new Participant("worker-" + i, timeline)
            .holdLock(lock, LOCK, Duration.ofMillis(HOLD_MILLIS)))
        .toArray(CompletableFuture[]::new));
  }
}
