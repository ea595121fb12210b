package dev.baton.spring.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.jayway.jsonpath.JsonPath;
import dev.baton.spring.observation.WaitOutcome;
import dev.baton.spring.stall.StallMeters;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.minidev.json.parser.JSONParser;
import org.junit.jupiter.api.Test;

/**
 * Keeps {@code docs/grafana/baton-dashboard.json} in step with the meters: every metric a panel
 * queries is one Baton registers, and every gauge, timer and stall-view meter Baton registers is
 * on some panel.
 */
class GrafanaDashboardTests {

  /** The timers' meter names, before the Prometheus rename. */
  private static final List<String> TIMERS = List.of(BatonTimers.WAIT, BatonTimers.HELD);
  /** The stall view's counters, which have no {@code name} tag: one series per instance. */
  private static final List<String> UNNAMED = List.of(StallMeters.DEADLOCKS,
      StallMeters.REENTRIES, StallMeters.INVERSIONS, StallMeters.LEAKS);

  private static final Pattern METRIC = Pattern.compile("\\bbaton_[a-z_]+");
  private static final Pattern OUTCOME = Pattern.compile("\\boutcome=~?\"([^\"]*)\"");
  private static final Pattern GROUPING = Pattern.compile("\\bby \\(([^)]*)\\)");
  /**
   * A series with a suffix Prometheus appends: a timer's or time gauge's unit and an optional
   * series suffix, or a counter's total.
   */
  private static final Pattern SUFFIXED_SERIES =
      Pattern.compile("(baton_[a-z_]+)(?:_seconds(?:_bucket|_count|_sum|_max)?|_total)");

  private final Object dashboard;

  GrafanaDashboardTests() throws Exception {
    String json = Files.readString(Path.of("..", "docs", "grafana", "baton-dashboard.json"));
    // Strict RFC 4627 mode, as Grafana's JSON.parse: no comments, single quotes or trailing data.
    dashboard = new JSONParser(JSONParser.MODE_RFC4627).parse(json);
  }

  @Test
  void isADashboardWithPanelsThatImportsWithAPrometheusInput() {
    List<Map<String, Object>> panels = JsonPath.read(dashboard, "$..panels[*]");
    assertThat(panels).isNotEmpty();
    assertThat(panels).filteredOn(panel -> !"row".equals(panel.get("type")))
        .isNotEmpty()
        .allSatisfy(panel -> assertThat(JsonPath.<List<String>>read(panel, "$.targets[*].expr"))
            .as("queries of panel %s", panel.get("title")).isNotEmpty());
    List<String> inputs = JsonPath.read(dashboard, "$.__inputs[?(@.type == 'datasource')].name");
    assertThat(inputs).containsExactly("DS_PROMETHEUS");
  }

  @Test
  void everyMetricAPanelQueriesIsABatonMeter() {
    Set<String> known = new TreeSet<>(prometheusNames(gauges()));
    known.addAll(prometheusNames(TIMERS));
    known.addAll(prometheusNames(constants(StallMeters.class)));

    assertThat(queriedMetrics()).isNotEmpty().allSatisfy(metric -> assertThat(known)
        .as("%s is queried by the dashboard but is no Baton meter", metric).contains(metric));
  }

  @Test
  void everyGaugeTimerAndStallMeterIsOnSomePanel() {
    Set<String> queried = queriedMetrics();

    assertThat(prometheusNames(gauges())).allSatisfy(gauge -> assertThat(queried)
        .as("no panel shows %s", gauge).contains(gauge));
    assertThat(prometheusNames(TIMERS)).allSatisfy(timer -> assertThat(queried)
        .as("no panel shows %s", timer).contains(timer));
    assertThat(prometheusNames(constants(StallMeters.class))).allSatisfy(meter ->
        assertThat(queried).as("no panel shows %s", meter).contains(meter));
  }

  @Test
  void everyQueryFollowsTheNameVariableUnlessItsMetersHaveNoName() {
    List<String> unnamed = prometheusNames(UNNAMED);
    List<String> named = expressions().stream()
        .filter(expr -> !unnamed.containsAll(metricsOf(expr))).toList();

    assertThat(named).isNotEmpty()
        .allSatisfy(expr -> assertThat(expr).contains("name=~\"$name\""));
  }

  @Test
  void everyQueryFollowsTheApplicationAndInstanceVariables() {
    assertThat(expressions()).allSatisfy(expr -> assertThat(expr)
        .contains("application=~\"$application\"").contains("instance=~\"$instance\""));
  }

  /** The rows and their panels, in the order the README describes them. */
  @Test
  void eachRowHasThePanelsTheReadmeDescribes() {
    String latency = "Wait time p50 / p95 / p99";
    String holds = "Hold time p50 / p95 / p99";
    Map<String, List<String>> rows = new LinkedHashMap<>();
    String row = null;
    for (Map<String, Object> panel : panels()) {
      if ("row".equals(panel.get("type"))) {
        row = (String) panel.get("title");
        rows.put(row, new ArrayList<>());
      } else {
        assertThat(row).as("a panel before the first row: %s", panel.get("title")).isNotNull();
        rows.get(row).add((String) panel.get("title"));
      }
    }
    assertThat(rows).containsExactly(
        Map.entry("Overview",
            List.of("Waits /s by primitive and outcome", "Wait time p99 by primitive")),
        Map.entry("Locks", List.of("Lock held", "Lock waiters", "Lock family active keys",
            latency, "Timeouts /s", holds)),
        Map.entry("Semaphores",
            List.of("Permits in use", "Semaphore waiters", latency, "Timeouts /s", holds)),
        Map.entry("Events", List.of("Event set", "Event waiters", latency, "Timeouts /s")),
        Map.entry("Conditions", List.of("Condition waiters", latency, "Timeouts /s", holds)),
        Map.entry("Queues", List.of("Queue depth", "Queue unfinished", "Queue waiters by side",
            latency, "Timeouts /s")),
        Map.entry("Barriers", List.of("Barrier waiting", latency, "Timeouts /s")),
        Map.entry("Stalls", List.of("Oldest pending wait", "Oldest hold",
            "Deadlocks confirmed and permits leaked", "Re-entries and lock-order inversions")));
  }

  /**
   * Each panel, in its row, queries the series the README names for it and no other; a row's
   * wait, timeout and hold panels read only its own kind of primitive.
   */
  @Test
  void eachPanelQueriesTheSeriesTheReadmeNamesForIt() {
    Map<String, String> kinds = Map.of("Locks", "lock", "Semaphores", "semaphore",
        "Events", "event", "Conditions", "condition", "Queues", "queue", "Barriers", "barrier");
    Map<String, Set<String>> perKind = Map.of(
        "Wait time p50 / p95 / p99", Set.of("baton_wait_seconds_bucket"),
        "Timeouts /s", Set.of("baton_wait_seconds_count"),
        "Hold time p50 / p95 / p99", Set.of("baton_held_seconds_bucket"));
    Map<String, Set<String>> expected = new TreeMap<>(Map.ofEntries(
        Map.entry("Overview: Waits /s by primitive and outcome",
            Set.of("baton_wait_seconds_count")),
        Map.entry("Overview: Wait time p99 by primitive", Set.of("baton_wait_seconds_bucket")),
        Map.entry("Locks: Lock held", Set.of("baton_lock_held")),
        Map.entry("Locks: Lock waiters", Set.of("baton_lock_waiters")),
        Map.entry("Locks: Lock family active keys", Set.of("baton_lock_keys_active")),
        Map.entry("Semaphores: Permits in use",
            Set.of("baton_semaphore_permits_max", "baton_semaphore_permits_available")),
        Map.entry("Semaphores: Semaphore waiters", Set.of("baton_semaphore_waiters")),
        Map.entry("Events: Event set", Set.of("baton_event_set")),
        Map.entry("Events: Event waiters", Set.of("baton_event_waiters")),
        Map.entry("Conditions: Condition waiters", Set.of("baton_condition_waiters")),
        Map.entry("Queues: Queue depth", Set.of("baton_queue_size", "baton_queue_capacity")),
        Map.entry("Queues: Queue unfinished", Set.of("baton_queue_unfinished")),
        Map.entry("Queues: Queue waiters by side", Set.of("baton_queue_waiters")),
        Map.entry("Barriers: Barrier waiting", Set.of("baton_barrier_waiting")),
        Map.entry("Stalls: Oldest pending wait", Set.of("baton_wait_oldest_seconds")),
        Map.entry("Stalls: Oldest hold", Set.of("baton_hold_oldest_seconds")),
        Map.entry("Stalls: Deadlocks confirmed and permits leaked",
            Set.of("baton_stalls_deadlocks_total", "baton_stalls_leaks_total")),
        Map.entry("Stalls: Re-entries and lock-order inversions",
            Set.of("baton_stalls_reentries_total", "baton_stalls_inversions_total"))));
    for (String row : kinds.keySet()) {
      expected.put(row + ": Wait time p50 / p95 / p99", Set.of("baton_wait_seconds_bucket"));
      expected.put(row + ": Timeouts /s", Set.of("baton_wait_seconds_count"));
    }
    for (String row : List.of("Locks", "Semaphores", "Conditions")) {
      expected.put(row + ": Hold time p50 / p95 / p99", Set.of("baton_held_seconds_bucket"));
    }

    Map<String, Set<String>> queried = new TreeMap<>();
    String row = null;
    for (Map<String, Object> panel : panels()) {
      String title = (String) panel.get("title");
      if ("row".equals(panel.get("type"))) {
        row = title;
        continue;
      }
      List<String> exprs = JsonPath.read(panel, "$.targets[*].expr");
      Set<String> series = new TreeSet<>();
      exprs.forEach(expr -> series.addAll(seriesOf(expr)));
      queried.put(row + ": " + title, series);
      if (perKind.containsKey(title)) {
        String kind = kinds.get(row);
        assertThat(exprs).as("%s: %s", row, title).allSatisfy(expr -> assertThat(expr)
            .contains("primitive=\"" + kind + "\"").doesNotContainPattern(
                "primitive=\"(?!" + kind + "\")"));
      }
    }
    assertThat(queried).isEqualTo(expected);
  }

  /**
   * Per primitive (legend {@code {{name}}}) in the rows; by kind and outcome, or kind, in the
   * overview; by side for queue waiters; the stall counters per instance, in each interval, and
   * never filtered by the Primitive picker; waits per second; rates and percentiles of the timers
   * over all selected instances.
   */
  @Test
  void eachPanelGroupsItsSeriesAsTheReadmeSays() {
    assertThat(groupingsOf("Waits /s by primitive and outcome"))
        .containsExactly(List.of("primitive", "outcome"));
    assertThat(legendsOf("Waits /s by primitive and outcome"))
        .containsExactly("{{primitive}} {{outcome}}");
    assertThat(groupingsOf("Wait time p99 by primitive"))
        .containsExactly(List.of("primitive", "le"));
    assertThat(groupingsOf("Queue waiters by side")).containsExactly(List.of("name", "side"));
    assertThat(legendsOf("Queue waiters by side")).containsExactly("{{name}} {{side}}");
    for (String title : List.of("Oldest pending wait", "Oldest hold")) {
      assertThat(groupingsOf(title)).as(title).containsExactly(List.of("primitive", "name"));
      assertThat(legendsOf(title)).as(title).containsExactly("{{primitive}} {{name}}");
    }
    for (String title : List.of("Timeouts /s", "Wait time p50 / p95 / p99",
        "Hold time p50 / p95 / p99")) {
      assertThat(legendsOf(title)).as(title).isNotEmpty()
          .allSatisfy(legend -> assertThat(legend).startsWith("{{name}}"));
    }
    for (String title : List.of("Deadlocks confirmed and permits leaked",
        "Re-entries and lock-order inversions")) {
      assertThat(groupingsOf(title)).as(title).hasSize(2)
          .allSatisfy(by -> assertThat(by).containsExactly("instance"));
      assertThat(legendsOf(title)).as(title).hasSize(2)
          .allSatisfy(legend -> assertThat(legend).endsWith(" {{instance}}"));
      assertThat(exprsOf(title)).as(title)
          .allSatisfy(expr -> assertThat(expr).doesNotContain("name=~"));
    }
    for (String title : List.of("Waits /s by primitive and outcome", "Timeouts /s")) {
      assertThat(exprsOf(title)).as(title + ", per second").isNotEmpty()
          .allSatisfy(expr -> assertThat(expr).contains("(rate(baton_wait_seconds_count{"));
    }
    for (String title : List.of("Deadlocks confirmed and permits leaked",
        "Re-entries and lock-order inversions")) {
      assertThat(exprsOf(title)).as(title + ", in each interval")
          .allSatisfy(expr -> assertThat(expr).contains("(increase(baton_stalls_"));
    }
    List<String> timerExprs = expressions().stream()
        .filter(expr -> expr.contains("baton_wait_seconds_") || expr.contains("baton_held_"))
        .toList();
    assertThat(timerExprs).isNotEmpty().allSatisfy(expr -> assertThat(groupings(expr))
        .as(expr).isNotEmpty().allSatisfy(by -> assertThat(by).doesNotContain("instance")));
  }

  /** Every outcome a query picks is one the wait timer is tagged with, so no panel stays empty. */
  @Test
  void everyOutcomeAQueryPicksIsOneTheWaitTimerTags() {
    Set<String> outcomes = new TreeSet<>();
    for (String expr : expressions()) {
      Matcher outcome = OUTCOME.matcher(expr);
      while (outcome.find()) {
        outcomes.add(outcome.group(1));
      }
    }

    assertThat(outcomes).containsExactlyInAnyOrder(
        WaitOutcome.ACQUIRED.tag(), WaitOutcome.TIMEOUT.tag());
  }

  /** Percentiles and timeouts per primitive: successful waits only, and the timed-out ones. */
  @Test
  void percentilePanelsReadSuccessfulWaitsAndTimeoutPanelsTheTimedOutOnes() {
    assertThat(exprsOf("Wait time p50 / p95 / p99")).hasSize(3 * 6).allSatisfy(expr ->
        assertThat(expr).startsWith("histogram_quantile(").contains("outcome=\"acquired\""));
    assertThat(exprsOf("Wait time p99 by primitive")).singleElement().asString()
        .startsWith("histogram_quantile(0.99,").contains("outcome=\"acquired\"");
    assertThat(exprsOf("Timeouts /s")).hasSize(6)
        .allSatisfy(expr -> assertThat(expr).contains("outcome=\"timeout\""));
    assertThat(JsonPath.<List<String>>read(dashboard,
        "$.panels[?(@.title == 'Wait time p50 / p95 / p99')].targets[*].legendFormat"))
        .allSatisfy(legend -> assertThat(legend).startsWith("{{name}} "));
  }

  /**
   * Every panel and query reads the Data source picker, never the import input itself, so that a
   * dashboard loaded by file provisioning falls back to the default Prometheus data source.
   */
  @Test
  void everyQueryReadsTheDataSourcePickerWhichOffersPrometheusSources() {
    Map<String, Object> picker = JsonPath.<List<Map<String, Object>>>read(dashboard,
        "$.templating.list[?(@.name == 'datasource')]").get(0);
    assertThat(picker).containsEntry("type", "datasource").containsEntry("query", "prometheus");
    List<Map<String, Object>> sources = new ArrayList<>();
    for (Map<String, Object> panel : panels()) {
      if (!"row".equals(panel.get("type"))) {
        sources.add(JsonPath.read(panel, "$.datasource"));
        sources.addAll(JsonPath.<List<Map<String, Object>>>read(panel, "$.targets[*].datasource"));
      }
    }
    assertThat(sources).isNotEmpty().allSatisfy(source -> assertThat(source)
        .isEqualTo(Map.of("type", "prometheus", "uid", "${datasource}")));
  }

  /** Application, instance and primitive pickers: several values, All, no application tag. */
  @Test
  void thePickersAllowSeveralValuesAndAllAndMatchSeriesWithoutAnApplicationTag() {
    for (String variable : List.of("application", "instance", "name")) {
      Map<String, Object> picker = JsonPath.<List<Map<String, Object>>>read(dashboard,
          "$.templating.list[?(@.name == '" + variable + "')]").get(0);
      assertThat(picker).as(variable).containsEntry("multi", true)
          .containsEntry("includeAll", true).containsEntry("allValue", ".*");
      assertThat(JsonPath.<List<String>>read(picker, "$.current.value")).as(variable)
          .containsExactly("$__all");
    }
  }

  /**
   * Without an {@code application} tag a series matches {@code application=~".*"}, All's value;
   * no query or picker may ask for the tag any other way, which such a series would not match.
   */
  @Test
  void noQueryOrPickerNeedsAnApplicationTag() {
    List<String> queries = new ArrayList<>(expressions());
    queries.addAll(JsonPath.read(dashboard, "$.templating.list[?(@.type == 'query')].definition"));
    queries.addAll(JsonPath.read(dashboard, "$.templating.list[?(@.type == 'query')].query.query"));

    assertThat(queries).hasSizeGreaterThan(expressions().size()).allSatisfy(query -> assertThat(
        query.replace("application=~\"$application\"", "").replace("}, application)", "}"))
        .as(query).doesNotContain("application"));
  }

  /** Gauges across several instances show the largest value. */
  @Test
  void everyGaugePanelShowsTheLargestValueAcrossInstances() {
    Set<String> gauges = Set.copyOf(prometheusNames(gauges()));
    List<String> gaugeExprs = expressions().stream()
        .filter(expr -> metricsOf(expr).stream().anyMatch(gauges::contains)).toList();
    assertThat(gaugeExprs).isNotEmpty()
        .allSatisfy(expr -> assertThat(expr).startsWith("max by ("));
  }

  /** Lock held and Event set: orange while held or set, green while free or clear. */
  @Test
  void lockHeldAndEventSetAreOrangeWhileOnAndGreenWhileOff() {
    for (String title : List.of("Lock held", "Event set")) {
      Map<String, Object> panel = panel(title);
      assertThat(panel).containsEntry("type", "state-timeline");
      assertThat(JsonPath.<List<String>>read(panel,
          "$.fieldConfig.defaults.thresholds.steps[*].color")).as(title)
          .containsExactly("green", "orange");
      assertThat(JsonPath.<List<Object>>read(panel,
          "$.fieldConfig.defaults.thresholds.steps[*].value")).as(title)
          .containsExactly(null, 1);
    }
  }

  /** The semaphore's max and the queue's capacity are dashed lines beside the solid level. */
  @Test
  void permitsInUseAndQueueDepthDrawTheirLimitDashed() {
    for (String[] limit : new String[][] {{"Permits in use", " max"},
        {"Queue depth", " capacity"}}) {
      Map<String, Object> panel = panel(limit[0]);
      assertThat(JsonPath.<List<String>>read(panel, "$.targets[*].legendFormat"))
          .containsExactly("{{name}}", "{{name}}" + limit[1]);
      assertThat(JsonPath.<List<String>>read(panel,
          "$.fieldConfig.overrides[?(@.matcher.options == '.*" + limit[1] + "')]"
              + ".properties[?(@.id == 'custom.lineStyle')].value.fill"))
          .as(limit[0]).containsExactly("dash");
    }
    assertThat(exprsOf("Permits in use").get(0)).contains(
        "baton_semaphore_permits_max{").contains(" - baton_semaphore_permits_available{");
  }

  private List<Map<String, Object>> panels() {
    return JsonPath.read(dashboard, "$.panels[*]");
  }

  private Map<String, Object> panel(String title) {
    List<Map<String, Object>> matches =
        JsonPath.read(dashboard, "$.panels[?(@.title == '" + title + "')]");
    assertThat(matches).as("panels titled %s", title).hasSize(1);
    return matches.get(0);
  }

  private List<String> exprsOf(String title) {
    return JsonPath.read(dashboard, "$.panels[?(@.title == '" + title + "')].targets[*].expr");
  }

  private List<String> legendsOf(String title) {
    return JsonPath.read(dashboard,
        "$.panels[?(@.title == '" + title + "')].targets[*].legendFormat");
  }

  /** The labels of each {@code by (...)} of each query of the panels titled {@code title}. */
  private List<List<String>> groupingsOf(String title) {
    List<List<String>> groupings = new ArrayList<>();
    exprsOf(title).forEach(expr -> groupings.addAll(groupings(expr)));
    return groupings;
  }

  /** The labels of each {@code by (...)} in {@code expr}. */
  private static List<List<String>> groupings(String expr) {
    List<List<String>> groupings = new ArrayList<>();
    Matcher by = GROUPING.matcher(expr);
    while (by.find()) {
      groupings.add(List.of(by.group(1).split(",\\s*")));
    }
    return groupings;
  }

  /** The series {@code expr} reads, as Prometheus names them (suffixes kept). */
  private static Set<String> seriesOf(String expr) {
    Set<String> series = new TreeSet<>();
    Matcher metric = METRIC.matcher(expr);
    while (metric.find()) {
      series.add(metric.group());
    }
    return series;
  }

  /** Metric names in every panel query, suffixed series reduced to their meter's name. */
  private Set<String> queriedMetrics() {
    Set<String> metrics = new TreeSet<>();
    for (String expr : expressions()) {
      metrics.addAll(metricsOf(expr));
    }
    return metrics;
  }

  /** Metric names in {@code expr}, suffixed series reduced to their meter's name. */
  private static Set<String> metricsOf(String expr) {
    Set<String> metrics = new TreeSet<>();
    Matcher metric = METRIC.matcher(expr);
    while (metric.find()) {
      Matcher suffixed = SUFFIXED_SERIES.matcher(metric.group());
      metrics.add(suffixed.matches() ? suffixed.group(1) : metric.group());
    }
    return metrics;
  }

  private List<String> expressions() {
    return JsonPath.read(dashboard, "$..targets[*].expr");
  }

  private static List<String> gauges() {
    return constants(BatonGauges.class);
  }

  /** The meter names {@code meters} declares: its public string constants but tag keys. */
  private static List<String> constants(Class<?> meters) {
    List<String> names = new ArrayList<>();
    for (Field field : meters.getFields()) {
      if (Modifier.isStatic(field.getModifiers()) && field.getType() == String.class
          && !field.getName().startsWith("TAG_")) {
        try {
          names.add((String) field.get(null));
        } catch (IllegalAccessException e) {
          throw new AssertionError(e);
        }
      }
    }
    return names;
  }

  private static List<String> prometheusNames(List<String> meters) {
    return meters.stream().map(meter -> meter.replace('.', '_')).toList();
  }
}
