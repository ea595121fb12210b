package dev.baton.spring.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.jayway.jsonpath.JsonPath;
import dev.baton.AsyncQueue;
import dev.baton.redis.RedisBackend;
import dev.baton.redis.RedisServer;
import dev.baton.spring.Http;
import dev.baton.spring.PrimitiveRegistry;
import dev.baton.spring.redis.RedisTestApplication.Job;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * What the gauges, the Prometheus scrape and the {@code baton} endpoint cost and show with
 * {@code baton.backend=redis}, with Redis answering and paused (SIGSTOP): the README promises that
 * they "read a snapshot of all primitives refreshed at most once a second in one pipelined batch".
 * Each test runs its own instance ({@link RedisTestApplication}) under its own key prefix on one
 * real {@code redis-server}.
 */
class RedisMetersTest {

  private static final Duration PATIENCE = Duration.ofSeconds(10);
  private static final AtomicInteger prefixes = new AtomicInteger();

  static RedisServer server;

  @BeforeAll
  static void startServer() {
    server = RedisServer.startedAhead();
  }

  @AfterAll
  static void stopServer() {
    server.close();
  }

  /**
   * The first scrape after start-up reads all declared semaphores: one batch, one ZCOUNT each,
   * not one full refresh per primitive met for the first time (N(N+1)/2 reads).
   */
  @Test
  void theFirstScrapeOfManySemaphoresReadsEachOnceInOneBatch() {
    int semaphores = 20;
    try (ConfigurableApplicationContext app = instance(semaphores(semaphores))) {
      long before = server.commandStat("zcount", "calls");

      HttpResponse<String> scrape = Http.get(app, "/actuator/prometheus");

      assertThat(scrape.statusCode()).isEqualTo(200);
      assertThat(scrape.body()).contains("baton_semaphore_permits_available{name=\"s19\"}");
      // One live-permit count per semaphore (and per condition's lock), once: a few to spare.
      assertThat(server.commandStat("zcount", "calls") - before)
          .as("ZCOUNTs sent by one scrape of %d semaphores", semaphores)
          .isLessThanOrEqualTo(semaphores + 6);
    }
  }

  /**
   * With Redis paused, a scrape or {@code GET /actuator/baton} waits for Redis at most about one
   * command timeout (1.5 s here), not one command timeout per primitive met for the first time,
   * which with a dozen semaphores outlasts Prometheus's 10 s scrape timeout and loses every other
   * meter of the application. What Redis never answered shows as unknown (a gauge's NaN, the
   * endpoint's {@code unknown}), not as free, until Redis answers.
   */
  @ParameterizedTest
  @ValueSource(strings = {"/actuator/prometheus", "/actuator/baton"})
  void aReadWhileRedisIsPausedWaitsAboutOneCommandTimeoutNotOnePerPrimitive(String path) {
    List<String> properties = new ArrayList<>(semaphores(12));
    properties.add("baton.redis.command-timeout=1500ms");
    boolean scrape = path.endsWith("prometheus");
    try (ConfigurableApplicationContext app = instance(properties)) {
      server.pause();
      try {
        CompletableFuture<HttpResponse<String>> read = Http.getAsync(app, path);
        assertThat(read).succeedsWithin(Duration.ofSeconds(6)).satisfies(response -> {
          assertThat(response.statusCode()).isEqualTo(200);
          if (scrape) {
            assertThat(response.body())
                .contains("baton_semaphore_permits_available{name=\"s11\"} NaN");
          } else {
            assertThat(primitive(response.body(), "s11")).containsEntry("state", "unknown")
                .containsEntry("waiters", null)
                .containsEntry("permits", map("max", 1, "available", null, "inUse", null));
          }
        });
      } finally {
        server.resume();
      }
      await().atMost(PATIENCE).untilAsserted(() -> {
        String body = Http.get(app, path).body();
        if (scrape) {
          assertThat(body).contains("baton_semaphore_permits_available{name=\"s11\"} 1.0");
        } else {
          assertThat(primitive(body, "s11")).containsEntry("state", "free");
        }
      });
    }
  }

  /**
   * Locks and queues show the snapshot's levels too: with Redis paused, {@code GET
   * /actuator/baton} answers within about one command timeout, a lock or a queue Redis never
   * answered for shown as unknown, not read one by one from Redis.
   */
  @Test
  void whileRedisIsPausedTheEndpointShowsLocksAndQueuesAsUnknownWithoutAskingEachOne() {
    List<String> properties = new ArrayList<>(List.of("baton.redis.command-timeout=1500ms"));
    IntStream.range(0, 6).forEach(i -> properties.addAll(List.of("baton.queues.q" + i
        + ".capacity=5", "baton.queues.q" + i + ".item-type=" + Job.class.getName())));
    try (ConfigurableApplicationContext app = instance(properties)) {
      PrimitiveRegistry registry = app.getBean(PrimitiveRegistry.class);
      IntStream.range(0, 6).forEach(i -> registry.lock("l" + i));
      server.pause();
      try {
        CompletableFuture<HttpResponse<String>> read = Http.getAsync(app, "/actuator/baton");
        assertThat(read).succeedsWithin(Duration.ofSeconds(6)).satisfies(response -> {
          assertThat(response.statusCode()).isEqualTo(200);
          assertThat(primitive(response.body(), "l5")).containsEntry("kind", "lock")
              .containsEntry("state", "unknown").containsEntry("waiters", null);
          assertThat(primitive(response.body(), "q5")).containsEntry("kind", "queue")
              .containsEntry("state", "unknown").containsEntry("size", null);
        });
      } finally {
        server.resume();
      }
    }
  }

  /**
   * On Redis as locally, a queue's endpoint entry counts its waiting puts as putters and its
   * waiting takes as takers, from the snapshot of the backend's levels.
   */
  @Test
  void theEndpointCountsARedisQueuesWaitingPutsAsPuttersAndWaitingTakesAsTakers() {
    try (ConfigurableApplicationContext app = instance(List.of(
        "baton.queues.slots.capacity=1", "baton.queues.slots.item-type=" + Job.class.getName(),
        "baton.queues.idle.capacity=5", "baton.queues.idle.item-type=" + Job.class.getName()))) {
      PrimitiveRegistry registry = app.getBean(PrimitiveRegistry.class);
      AsyncQueue<Job> slots = registry.queue("slots");
      slots.put(new Job("first", 1)).join();
      CompletableFuture<Void> second = slots.put(new Job("second", 1));
      CompletableFuture<Job> taking = registry.<Job>queue("idle").take();

      await().atMost(PATIENCE).untilAsserted(() -> {
        String body = Http.get(app, "/actuator/baton").body();
        assertThat(primitive(body, "slots")).containsEntry("size", 1)
            .containsEntry("putters", 1).containsEntry("takers", 0);
        assertThat(primitive(body, "idle")).containsEntry("size", 0)
            .containsEntry("putters", 0).containsEntry("takers", 1);
      });
      second.cancel(true);
      taking.cancel(true);
    }
  }

  private static Map<String, Object> primitive(String body, String name) {
    List<Map<String, Object>> named =
        JsonPath.read(body, "$.primitives[?(@.name == '" + name + "')]");
    assertThat(named).hasSize(1);
    return named.get(0);
  }

  /** A map that, unlike {@code Map.of}, may hold nulls. */
  private static Map<String, Object> map(String k1, Object v1, String k2, Object v2, String k3,
      Object v3) {
    Map<String, Object> map = new LinkedHashMap<>();
    map.put(k1, v1);
    map.put(k2, v2);
    map.put(k3, v3);
    return map;
  }

  private static List<String> semaphores(int count) {
    return IntStream.range(0, count).mapToObj(i -> "baton.semaphores.s" + i + ".permits=1")
        .toList();
  }

  /** An instance of its own key prefix on the server, out of the server's quarantine. */
  private static ConfigurableApplicationContext instance(List<String> properties) {
    ConfigurableApplicationContext app = new SpringApplicationBuilder(RedisTestApplication.class)
        .properties("spring.main.banner-mode=off", "baton.backend=redis",
            "spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + server.port(),
            "server.port=0", "baton.redis.lease=2s", "baton.semaphores.payments.permits=2",
            "baton.redis.key-prefix=meters" + prefixes.incrementAndGet(),
            "management.endpoints.web.exposure.include=baton,prometheus")
        .properties(properties.toArray(String[]::new)).run();
    await().atMost(PATIENCE).until(() -> !app.getBean(RedisBackend.class).isQuarantined());
    return app;
  }
}
