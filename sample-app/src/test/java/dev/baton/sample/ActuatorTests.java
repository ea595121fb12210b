package dev.baton.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The sample exposes Baton's actuator endpoint and its meters to Prometheus, with histogram
 * buckets ({@code baton.metrics.percentile-histogram: true}).
 */
class ActuatorTests extends RunningSampleAppTest {

  @Test
  void prometheusServesBatonMeters() {
    String scrape = client.get("/actuator/prometheus").body();

    assertThat(scrape)
        .contains("baton_semaphore_permits_max{name=\"payments\"} 3.0")
        .contains("baton_queue_capacity{name=\"orders\"} 50.0")
        .contains("baton_event_set{name=\"catalog-loaded\"}")
        .contains("baton_lock_held{name=\"demo-lock\"}");
  }

  @Test
  void prometheusServesHistogramBucketsForTheWaitAndHoldTimers() {
    client.postJson("/payments/burst/5", Object.class);

    String scrape = client.get("/actuator/prometheus").body();

    assertThat(scrape)
        .containsPattern("baton_wait_seconds_bucket\\{[^}]*name=\"payments\"")
        .containsPattern("baton_held_seconds_bucket\\{[^}]*name=\"payments\"");
  }

  /**
   * The {@code # HELP} and {@code # TYPE} lines of the README's sample scrape are what the sample
   * serves, word for word.
   */
  @Test
  void prometheusServesTheHelpAndTypeLinesOfTheReadmesSample() throws IOException {
    List<String> described = Files.readString(Path.of("..", "README.md")).lines()
        .filter(line -> line.startsWith("# HELP baton_") || line.startsWith("# TYPE baton_"))
        .toList();

    String scrape = client.get("/actuator/prometheus").body();

    assertThat(described).isNotEmpty();
    assertThat(scrape.lines()).containsAll(described);
  }

  /**
   * Every {@code baton_*} meter the sample serves is a row of the README's Metrics table, those
   * that Spring Boot derives from Baton's observation included.
   */
  @Test
  void everyBatonMeterServedIsARowOfTheReadmesMetricsTable() throws IOException {
    assertThat(client.post("/scenarios/lock").statusCode()).isEqualTo(200);
    Set<String> documented = names(Files.readString(Path.of("..", "README.md")),
        "^\\| `(baton\\.[a-z.]+)` \\|").stream().map(name -> name.replace('.', '_'))
        .collect(Collectors.toSet());

    Set<String> served = names(client.get("/actuator/prometheus").body(),
        "^(baton_[a-z_]+?)(?:_seconds(?:_bucket|_count|_sum|_max)?|_total)?[{ ]");

    assertThat(served).isNotEmpty().allSatisfy(meter -> assertThat(documented)
        .as("%s is served but not in the README's Metrics table", meter).contains(meter));
  }

  /** The first group of each match of {@code regex} in {@code text}, line by line. */
  private static Set<String> names(String text, String regex) {
    return Pattern.compile(regex, Pattern.MULTILINE).matcher(text).results()
        .map(match -> match.group(1)).collect(Collectors.toCollection(TreeSet::new));
  }

  @Test
  void batonEndpointListsTheSamplesPrimitivesSortedByNameThenKind() {
    List<Entry> primitives = client.getJson("/actuator/baton", Primitives.class).primitives();

    assertThat(primitives).extracting(Entry::name, Entry::kind).contains(
        tuple("catalog-loaded", "event"),
        tuple("demo-condition", "condition"),
        tuple("demo-lock", "lock"),
        tuple("demo-queue", "queue"),
        tuple("demo-semaphore", "semaphore"),
        tuple("orders", "queue"),
        tuple("payments", "semaphore"));
    assertThat(primitives)
        .isSortedAccordingTo(Comparator.comparing(Entry::name).thenComparing(Entry::kind));
  }

  @Test
  void batonEndpointDescribesOnePrimitiveByName() {
    List<Entry> payments = client.getJson("/actuator/baton/payments", Primitives.class).primitives();

    assertThat(payments).singleElement().satisfies(entry -> {
      assertThat(entry.kind()).isEqualTo("semaphore");
      assertThat(entry.permits().max()).isEqualTo(3);
    });
    assertThat(client.get("/actuator/baton/nothing").statusCode()).isEqualTo(404);
  }

  record Permits(int max, int available, int inUse) {}

  record Entry(String name, String kind, String state, int waiters, Permits permits) {}

  record Primitives(List<Entry> primitives) {}
}
