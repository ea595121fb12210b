package dev.baton.spring.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.baton.AsyncLock;
import dev.baton.Permit;
import dev.baton.redis.RedisBackend;
import dev.baton.redis.RedisServer;
import dev.baton.spring.PrimitiveRegistry;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Baton's own connections use Spring Boot's username, password and database against a real
 * {@code redis-server} whose default user may only ping and read: two instances logged in as
 * {@code baton} hand a lock over through Redis, whose keys are in database 3 and nowhere else;
 * an instance without the credentials fails to start.
 */
class RedisCredentialsTest {

  private static final String[] PROPERTIES = {"spring.main.web-application-type=none",
      "baton.redis.lease=1s", "baton.semaphores.payments.permits=1",
      "spring.data.redis.database=3"};

  @Test
  void instancesConnectWithTheUsernamePasswordAndDatabaseOfSpringDataRedis() throws Exception {
    try (RedisServer server = RedisServer.start(
        "--user", "default", "on", "nopass", "~*", "&*", "-@all", "+ping", "+scan", "+info",
        "+select", "--user", "baton", "on", ">secret", "~*", "&*", "+@all")) {
      assertThatThrownBy(() -> instance(server).close()).as("without the credentials")
          .hasStackTraceContaining("127.0.0.1:" + server.port());
      try (ConfigurableApplicationContext one = instance(server,
              "spring.data.redis.username=baton", "spring.data.redis.password=secret");
          ConfigurableApplicationContext two = instance(server,
              "spring.data.redis.username=baton", "spring.data.redis.password=secret")) {
        await().atMost(Duration.ofSeconds(10))
            .until(() -> !one.getBean(RedisBackend.class).isQuarantined()
                && !two.getBean(RedisBackend.class).isQuarantined());
        AsyncLock ofOne = lock(one);
        Permit held = ofOne.acquire().get(5, TimeUnit.SECONDS);
        CompletableFuture<Permit> waiting = lock(two).acquire();
        await().until(() -> ofOne.waiters() == 1);
        assertThat(server.cli("-n", "3", "--scan")).contains("{baton:lock:orders}");
        assertThat(server.cli("--scan")).as("nothing in database 0").isEmpty();
        held.release();
        Permit next = waiting.get(5, TimeUnit.SECONDS);
        assertThat(next.token()).isGreaterThan(held.token());
        next.release();
      }
    }
  }

  private static ConfigurableApplicationContext instance(RedisServer server,
      String... credentials) {
    return new SpringApplicationBuilder(RedisTestApplication.class)
        .properties("spring.main.banner-mode=off", "baton.backend=redis",
            "spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + server.port())
        .properties(PROPERTIES).properties(credentials).run();
  }

  private static AsyncLock lock(ConfigurableApplicationContext instance) {
    return instance.getBean(PrimitiveRegistry.class).lock("orders");
  }
}
