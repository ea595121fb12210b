package dev.baton.sample.scenario;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;

/**
 * {@code GET /scenarios} lists the article's scenarios; {@code POST /scenarios/{name}} runs one
 * and answers with its timeline once it has finished (404 for an unknown name).
 */
@RestController
@RequestMapping("/scenarios")
class ScenarioController {

  private final Map<String, Scenario> scenarios;
  private final ScenarioRunner runner;

  ScenarioController(List<Scenario> scenarios, ScenarioRunner runner) {
    this.scenarios = scenarios.stream().collect(Collectors.toMap(
        Scenario::name, Function.identity(), (a, b) -> {
          throw new IllegalStateException("Two scenarios are named " + a.name());
        }, LinkedHashMap::new));
    this.runner = runner;
  }

  @GetMapping
  List<Description> list() {
    return scenarios.values().stream()
        .map(s -> new Description(s.name(), s.description(), s.primitives()))
        .toList();
  }

  @PostMapping("/{name}")
  CompletableFuture<ScenarioRun> run(@PathVariable String name) {
    Scenario scenario = scenarios.get(name);
    if (scenario == null) {
      throw new ResponseStatusException(HttpStatus.NOT_FOUND, "no scenario named " + name);
    }
    return runner.run(scenario);
  }

  /** A scenario as listed: its name, what it shows, and the primitives to watch. */
  record Description(String name, String description, List<String> primitives) {}
}
