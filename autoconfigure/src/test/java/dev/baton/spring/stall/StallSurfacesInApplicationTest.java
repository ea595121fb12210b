package dev.baton.spring.stall;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.jayway.jsonpath.JsonPath;
import dev.baton.AsyncLock;
import dev.baton.spring.Http;
import dev.baton.spring.PrimitiveRegistry;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The stall view's health and meters in a started web application, read over HTTP as operators
 * do: a deadlock without timeouts makes {@code /actuator/health} DOWN through the {@code baton}
 * component, naming the cycle, until it ends, while Spring Boot's liveness and readiness groups,
 * which leave it out, stay UP; {@code /actuator/prometheus} shows the oldest wait
 * and hold and the confirmed deadlock; the item, a key, shows in neither.
 */
@Timeout(30)
class StallSurfacesInApplicationTest {

  /** The item's key: user data that must never be shown. */
  private static final String SENTINEL = "sku-SENTINEL-4711";

  @Test
  void aDeadlockWithoutTimeoutsIsDownUnderBatonWhileItLastsAndOnTheMeters() {
    try (ConfigurableApplicationContext app = new SpringApplicationBuilder(
        StallServices.Application.class).run("--server.port=0",
        "--baton.stalls.level=basic", "--baton.stalls.confirm-after=100ms",
        "--management.endpoints.web.exposure.include=health,prometheus",
        "--management.endpoint.health.show-details=always",
        "--management.endpoint.health.probes.enabled=true")) {
      assertThat(Http.get(app, "/actuator/health/baton").body()).contains("\"UP\"");

      try (TwoCallDeadlock deadlock = new TwoCallDeadlock(app.getBean(PrimitiveRegistry.class),
          SENTINEL, AsyncLock::acquire)) {
        HttpResponse<String> health = await().atMost(Duration.ofSeconds(5)).until(
            () -> Http.get(app, "/actuator/health"), response -> response.statusCode() == 503);

        assertThat(JsonPath.<String>read(health.body(), "$.components.baton.status"))
            .isEqualTo("DOWN");
        assertThat(JsonPath.<List<String>>read(health.body(),
            "$.components.baton.details.deadlocks")).singleElement().asString()
            .contains(TwoCallDeadlock.PLACE);
        assertThat(health.body()).doesNotContain("SENTINEL");
        for (String probe : List.of("liveness", "readiness")) {
          HttpResponse<String> group = Http.get(app, "/actuator/health/" + probe);
          assertThat(group.statusCode()).as("the README: %s leaves baton out", probe)
              .isEqualTo(200);
          assertThat(group.body()).doesNotContain("baton");
        }
        String scrape = Http.get(app, "/actuator/prometheus").body();
        assertThat(sample(scrape,
            "baton_wait_oldest_seconds{name=\"inventory\",primitive=\"lock\"}"))
            .as("a confirmed deadlock's waits are older than the confirmation time")
            .isGreaterThanOrEqualTo(0.1);
        assertThat(sample(scrape,
            "baton_hold_oldest_seconds{name=\"ledger\",primitive=\"lock\"}"))
            .isGreaterThanOrEqualTo(0.1);
        assertThat(sample(scrape, "baton_stalls_deadlocks_total")).isEqualTo(1);
        assertThat(sample(scrape, "baton_stalls_reentries_total")).isZero();
        assertThat(scrape).doesNotContain("SENTINEL");
      }

      HttpResponse<String> healed = Http.get(app, "/actuator/health");
      assertThat(healed.statusCode()).isEqualTo(200);
      assertThat(JsonPath.<String>read(healed.body(), "$.components.baton.status"))
          .isEqualTo("UP");
    }
  }

  /** The value of the series {@code series} in a Prometheus scrape. */
  private static double sample(String scrape, String series) {
    return scrape.lines().filter(line -> line.startsWith(series + " ")).findFirst()
        .map(line -> Double.parseDouble(line.substring(series.length() + 1)))
        .orElseThrow(() -> new AssertionError(series + " is not in the scrape:\n" + scrape));
  }
}
