package dev.baton.sample.scenario;

import dev.baton.annotation.Guarded;
import java.util.concurrent.CompletableFuture;
import org.springframework.stereotype.Service;

/**
 * Runs scenarios, one run of each scenario at a time: two runs of the same scenario share its
 * primitives and would mix their timelines, so a second request for a scenario waits (without a
 * thread) until the first has finished. Different scenarios run concurrently.
 */
@Service
public class ScenarioRunner {

  /** Runs {@code scenario} on a fresh timeline once no other run of it is in progress. */
  @Guarded(value = "scenario-runs", key = "#scenario.name()", timeout = "10s")
  public CompletableFuture<ScenarioRun> run(Scenario scenario) {
    Timeline timeline = new Timeline();
    return scenario.play(timeline).thenApply(done -> new ScenarioRun(
        scenario.name(), scenario.primitives(), timeline.elapsedMillis(), timeline.entries()));
  }
}
