package dev.baton.spring.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.jayway.jsonpath.JsonPath;
import dev.baton.Permit;
import dev.baton.redis.RedisBackend;
import dev.baton.redis.RedisServer;
import dev.baton.spring.PrimitiveRegistry;
import dev.baton.spring.metrics.BatonGauges;
import dev.baton.spring.redis.RedisTestApplication.Catalog;
import dev.baton.spring.redis.RedisTestApplication.Journal;
import dev.baton.spring.redis.RedisTestApplication.Payments;
import dev.baton.spring.redis.RedisTestApplication.Stock;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Two instances of one application ({@link RedisTestApplication}), each a Spring context with its
 * own Redis backend, sharing Baton's primitives through one real {@code redis-server}.
 */
class TwoInstancesTest {

  private static final Duration PATIENCE = Duration.ofSeconds(10);
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  static RedisServer server;
  static ConfigurableApplicationContext one;
  static ConfigurableApplicationContext two;

  @BeforeAll
  static void start() {
    server = RedisServer.start();
    one = instance();
    two = instance();
    // A freshly started redis-server grants nothing during its first lease.
    await().atMost(PATIENCE).until(() -> !backend(one).isQuarantined()
        && !backend(two).isQuarantined());
  }

  @AfterAll
  static void stop() {
    one.close();
    two.close();
    server.close();
  }

  @BeforeEach
  void resetJournal() {
    Journal.reset();
  }

  @AfterEach
  void nothingIsLeftInRedis() {
    registry(one).event("catalog-loaded").clear();
    await().atMost(PATIENCE).untilAsserted(() -> assertThat(server.keys()).isEmpty());
  }

  private static ConfigurableApplicationContext instance() {
    return new SpringApplicationBuilder(RedisTestApplication.class).properties(
        "spring.main.banner-mode=off",
        "server.port=0",
        "management.endpoints.web.exposure.include=baton",
        "spring.data.redis.host=127.0.0.1",
        "spring.data.redis.port=" + server.port(),
        "baton.backend=redis",
        "baton.redis.lease=2s",
        "baton.semaphores.payments.permits=2",
        "baton.queues.jobs.capacity=10").run();
  }

  private static PrimitiveRegistry registry(ConfigurableApplicationContext instance) {
    return instance.getBean(PrimitiveRegistry.class);
  }

  private static RedisBackend backend(ConfigurableApplicationContext instance) {
    return instance.getBean(RedisBackend.class);
  }

  @Test
  void aLimitedMethodNeverRunsMoreThanItsPermitsAcrossInstancesAndAdmitsInArrivalOrder() {
    Payments onOne = one.getBean(Payments.class);
    Payments onTwo = two.getBean(Payments.class);
    List<CompletableFuture<String>> done = new ArrayList<>();
    List<CompletableFuture<String>> calls = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      done.add(new CompletableFuture<>());
    }

    calls.add(onOne.pay("one-1", done.get(0)));
    calls.add(onTwo.pay("two-1", done.get(1)));
    await().atMost(PATIENCE).until(() -> Journal.entered.size() == 2);
    calls.add(onOne.pay("one-2", done.get(2)));
    await().atMost(PATIENCE).until(() -> registry(two).semaphore("payments").waiters() == 1);
    calls.add(onTwo.pay("two-2", done.get(3)));
    await().atMost(PATIENCE).until(() -> registry(one).semaphore("payments").waiters() == 2);
    assertThat(Journal.entered).containsExactlyInAnyOrder("one-1", "two-1");

    done.get(1).complete("two-1");
    await().atMost(PATIENCE).until(() -> Journal.entered.size() == 3);
    assertThat(Journal.entered.get(2)).as("the oldest waiter, from the other instance")
        .isEqualTo("one-2");
    done.get(0).complete("one-1");
    await().atMost(PATIENCE).until(() -> Journal.entered.size() == 4);
    assertThat(Journal.entered.get(3)).isEqualTo("two-2");
    done.forEach(future -> future.complete("done"));

    assertThat(calls).allSatisfy(call -> assertThat(call).succeedsWithin(PATIENCE));
    assertThat(Journal.mostInFlight).hasValue(2);
  }

  @Test
  void aGuardedKeyExcludesAcrossInstancesWhileOtherKeysDoNotContend() {
    CompletableFuture<String> firstApple = new CompletableFuture<>();
    CompletableFuture<String> secondApple = new CompletableFuture<>();
    CompletableFuture<String> pear = new CompletableFuture<>();

    CompletableFuture<String> onOne = one.getBean(Stock.class).reserve("apple", "one-apple",
        firstApple);
    await().atMost(PATIENCE).until(() -> Journal.entered.contains("one-apple"));
    CompletableFuture<String> appleOnTwo = two.getBean(Stock.class).reserve("apple", "two-apple",
        secondApple);
    CompletableFuture<String> pearOnTwo = two.getBean(Stock.class).reserve("pear", "two-pear",
        pear);
    await().atMost(PATIENCE).until(() -> Journal.entered.contains("two-pear"));
    await().atMost(PATIENCE).until(() -> registry(one).lock("stock", "apple").waiters() == 1);
    assertThat(Journal.entered).doesNotContain("two-apple");

    firstApple.complete("one");
    await().atMost(PATIENCE).until(() -> Journal.entered.contains("two-apple"));
    secondApple.complete("two");
    pear.complete("pear");

    assertThat(List.of(onOne, appleOnTwo, pearOnTwo))
        .allSatisfy(call -> assertThat(call).succeedsWithin(PATIENCE));
    await().atMost(PATIENCE).untilAsserted(() -> assertThat(server.keys()).isEmpty());
  }

  @Test
  void aKeyLockTokenKeepsIncreasingAcrossInstancesAfterItsKeyVanished() {
    long last = 0;
    for (int i = 0; i < 5; i++) {
      Permit permit = registry(one).lock("stock", "fig").acquire().join();
      assertThat(permit.token()).isGreaterThan(last);
      last = permit.token();
      permit.release();
    }
    await().atMost(PATIENCE).untilAsserted(() -> assertThat(server.keys()).isEmpty());

    Permit onTwo = registry(two).lock("stock", "fig").acquire().join();
    onTwo.release();

    assertThat(onTwo.token()).isGreaterThan(last);
  }

  @Test
  void settingAnEventInOneInstanceWakesTheMethodAwaitingItInTheOther() {
    CompletableFuture<String> browsing = two.getBean(Catalog.class).browse();
    await().atMost(PATIENCE).until(() -> registry(two).event("catalog-loaded").waiters() == 1);
    assertThat(browsing).isNotDone();

    one.getBean(Catalog.class).load();

    assertThat(browsing).succeedsWithin(PATIENCE).isEqualTo("browsed");
    assertThat(Journal.entered).containsExactly("load", "browse");
  }

  @Test
  void gaugesAndTheEndpointOfOneInstanceShowWhatTheOtherHolds() {
    Permit heldByOne = registry(one).semaphore("payments").acquire().join();
    MeterRegistry metersOfTwo = two.getBean(MeterRegistry.class);
    try {
      await().atMost(PATIENCE).untilAsserted(() -> assertThat(metersOfTwo
          .get(BatonGauges.SEMAPHORE_AVAILABLE).tag(BatonGauges.TAG_NAME, "payments").gauge()
          .value()).isEqualTo(1));
      assertThat(metersOfTwo.get(RedisBackendMetrics.LEASES_LOST).functionCounter().count())
          .isZero();

      await().atMost(PATIENCE).untilAsserted(() -> {
        String body = get(two, "/actuator/baton");
        assertThat(JsonPath.<String>read(body, "$.backend")).isEqualTo("redis");
        assertThat(JsonPath.<Map<String, Object>>read(body, "$.redis"))
            .containsEntry("address", "127.0.0.1:" + server.port())
            .containsEntry("keyPrefix", "baton").containsEntry("lease", "PT2S")
            .containsEntry("connected", true).containsEntry("quarantined", false)
            .containsEntry("lostLeases", 0).containsEntry("heldPermits", 0)
            .containsEntry("waitingAcquires", 0);
        Map<String, Object> payments = one(body, "payments");
        assertThat(payments).containsEntry("scope", "shared").containsEntry("state", "in-use")
            .containsEntry("permits", Map.of("max", 2, "available", 1, "inUse", 1));
        assertThat(one(body, "jobs")).containsEntry("scope", "this-instance");
      });
      assertThat(JsonPath.<Integer>read(get(one, "/actuator/baton"), "$.redis.heldPermits"))
          .isEqualTo(1);
    } finally {
      heldByOne.release();
    }
  }

  private static Map<String, Object> one(String body, String name) {
    List<Map<String, Object>> named =
        JsonPath.read(body, "$.primitives[?(@.name == '" + name + "')]");
    assertThat(named).hasSize(1);
    return named.get(0);
  }

  private static String get(ConfigurableApplicationContext instance, String path) {
    String port = instance.getEnvironment().getProperty("local.server.port");
    try {
      HttpResponse<String> response = HTTP.send(
          HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).GET().build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).isEqualTo(200);
      return response.body();
    } catch (IOException e) {
      throw new IllegalStateException("GET " + path + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted during GET " + path, e);
    }
  }
}
