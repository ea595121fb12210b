package dev.baton.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.baton.redis.RedisServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Two instances of the sample app with the {@code redis} profile against one real redis-server,
 * called over real HTTP: a burst of charges on one instance uses up the payments permits that the
 * other instance sees, both report the Redis backend, and nothing is left in Redis once they stop.
 */
class TwoInstancesOnRedisTest {

  static RedisServer redis;
  static ConfigurableApplicationContext first;
  static ConfigurableApplicationContext second;

  @BeforeAll
  static void start() {
    redis = RedisServer.start();
    first = instance();
    second = instance();
    await().atMost(Duration.ofSeconds(20)).until(() -> !endpoint(first).redis().quarantined()
        && !endpoint(second).redis().quarantined());
  }

  @AfterAll
  static void stop() {
    try {
      if (first != null) {
        first.close();
      }
      if (second != null) {
        second.close();
      }
      await().atMost(Duration.ofSeconds(10)).untilAsserted(
          () -> assertThat(redis.keys()).allMatch(key -> key.contains(":event:")));
    } finally {
      redis.close();
    }
  }

  @Test
  void bothInstancesShowTheRedisBackend() {
    for (ConfigurableApplicationContext instance : List.of(first, second)) {
      Baton baton = endpoint(instance);
      assertThat(baton.backend()).isEqualTo("redis");
      assertThat(baton.redis().address()).isEqualTo("127.0.0.1:" + redis.port());
      assertThat(baton.primitives()).filteredOn(p -> p.name().equals("payments"))
          .extracting(Primitive::scope).containsExactly("shared");
      assertThat(baton.primitives()).filteredOn(p -> p.name().equals("orders"))
          .extracting(Primitive::scope).containsExactly("shared");
      assertThat(baton.primitives()).extracting(Primitive::scope).containsOnly("shared");
    }
  }

  @Test
  void aBurstOnOneInstanceTakesThePermitsTheOtherSees() throws Exception {
    CompletableFuture<Burst> burst = CompletableFuture.supplyAsync(
        () -> client(first).postJson("/payments/burst/20", Burst.class));
    await().atMost(Duration.ofSeconds(10)).until(() -> {
      Primitive payments = payments(second);
      return payments.permits().get("available") == 0 && payments.waiters() > 0;
    });
    assertThat(burst.get(30, TimeUnit.SECONDS).charged()).isEqualTo(20);
    await().atMost(Duration.ofSeconds(10))
        .until(() -> payments(second).permits().get("available") == 3);
  }

  @Test
  void everyScenarioRunsOnTheSharedPrimitivesFromEitherInstance() {
    for (ConfigurableApplicationContext instance : List.of(first, second)) {
      for (String name : List.of("event", "lock", "semaphore", "condition", "combined", "queue")) {
        Run run = client(instance).postJson("/scenarios/" + name, Run.class);
        assertThat(run.events()).as(name).isNotEmpty();
        if (name.equals("condition")) {
          assertThat(run.events()).filteredOn(e -> e.action().equals("proceeded"))
              .extracting(Step::actor).containsExactlyInAnyOrder("waiter-1", "waiter-2");
        } else if (name.equals("queue")) {
          assertThat(run.events()).filteredOn(e -> e.action().equals("consumed"))
              .extracting(Step::item).containsExactly(0, 1, 2, 3, 4);
          assertThat(run.events().get(run.events().size() - 1).action()).isEqualTo("stopped");
        }
      }
    }
  }

  private static ConfigurableApplicationContext instance() {
    return new SpringApplicationBuilder(SampleApplication.class).run(
        "--spring.profiles.active=redis", "--server.port=0", "--spring.data.redis.host=127.0.0.1",
        "--spring.data.redis.port=" + redis.port(), "--baton.redis.lease=2s");
  }

  private static SampleClient client(ConfigurableApplicationContext instance) {
    return new SampleClient(
        ((WebServerApplicationContext) instance).getWebServer().getPort());
  }

  private static Baton endpoint(ConfigurableApplicationContext instance) {
    return client(instance).getJson("/actuator/baton", Baton.class);
  }

  private static Primitive payments(ConfigurableApplicationContext instance) {
    return endpoint(instance).primitives().stream()
        .filter(p -> p.name().equals("payments")).findFirst().orElseThrow();
  }

  record Burst(int charged, int mostInFlight) {}

  @JsonIgnoreProperties(ignoreUnknown = true)
  record Run(String scenario, List<Step> events) {}

  @JsonIgnoreProperties(ignoreUnknown = true)
  record Step(String actor, String action, String on, Integer item) {}

  @JsonIgnoreProperties(ignoreUnknown = true)
  record Baton(String backend, Redis redis, List<Primitive> primitives) {}

  @JsonIgnoreProperties(ignoreUnknown = true)
  record Redis(String address, boolean quarantined) {}

  @JsonIgnoreProperties(ignoreUnknown = true)
  record Primitive(String name, String kind, String scope, int waiters,
      Map<String, Integer> permits) {}
}
