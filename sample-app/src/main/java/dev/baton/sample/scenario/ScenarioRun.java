package dev.baton.sample.scenario;

import java.util.List;

/**
 * The result of one run, as {@code POST /scenarios/{name}} returns it.
 *
 * @param scenario the scenario's name
 * @param primitives registry names of the primitives it used
 * @param durationMillis how long the run took
 * @param events the run's timeline, in order
 */
public record ScenarioRun(
    String scenario, List<String> primitives, long durationMillis, List<Timeline.Entry> events) {}
