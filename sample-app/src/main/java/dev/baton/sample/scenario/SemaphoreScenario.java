package dev.baton.sample.scenario;

import dev.baton.AsyncSemaphore;
import dev.baton.spring.PrimitiveRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;

/**
 * The article's Semaphore example, with one more worker: four workers share
 * {@code demo-semaphore} of {@value #PERMITS} permits, each using the resource for
 * {@value #HOLD_MILLIS} ms; two run at a time, the others wait their turn.
 */
@Component
@Order(3)
class SemaphoreScenario implements Scenario {

  static final String SEMAPHORE = "demo-semaphore";
  static final int PERMITS = 2;
  private static final long HOLD_MILLIS = 300;

  private final AsyncSemaphore semaphore;

  SemaphoreScenario(PrimitiveRegistry registry) {
    this.semaphore = registry.semaphore(SEMAPHORE, PERMITS);
  }

  @Override
  public String name() {
    return "semaphore";
  }

  @Override
  public String description() {
    return "Four workers share a resource of two permits for 300 ms each: two at a time.";
  }

  @Override
  public List<String> primitives() {
    return List.of(SEMAPHORE);
  }

  @Override
  public CompletableFuture<Void> play(Timeline timeline) {
    return CompletableFuture.allOf(IntStream.rangeClosed(1, 4)
        .mapToObj(i -> new Participant("worker-" + i, timeline)
            .holdPermit(semaphore, SEMAPHORE, Duration.ofMillis(HOLD_MILLIS)))
        .toArray(CompletableFuture[]::new));
  }
}
