package dev.baton.spring.redis;

import static org.awaitility.Awaitility.await;

import dev.baton.redis.RedisBackend;
import dev.baton.redis.RedisServer;
import java.time.Duration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Two instances of {@link RedisTestApplication}, each a Spring context with its own Redis backend
 * ({@code baton.backend=redis}), sharing Baton's primitives through one real
 * {@code redis-server} started for them. Ready once both are out of the quarantine a freshly
 * started server puts them in; closing stops the instances and the server.
 */
final class TwoRedisInstances implements AutoCloseable {

  private static final Duration PATIENCE = Duration.ofSeconds(10);

  final RedisServer server;
  final ConfigurableApplicationContext one;
  final ConfigurableApplicationContext two;

  /** @param properties each instance's properties, beside the backend and the server's address */
  TwoRedisInstances(String... properties) {
    server = RedisServer.start();
    one = instance(properties);
    two = instance(properties);
    // A freshly started redis-server grants nothing during its first lease.
    await().atMost(PATIENCE).until(() -> !one.getBean(RedisBackend.class).isQuarantined()
        && !two.getBean(RedisBackend.class).isQuarantined());
  }

  /** Starts one more instance on the same server, which the caller closes. */
  ConfigurableApplicationContext instance(String... properties) {
    return new SpringApplicationBuilder(RedisTestApplication.class)
        .properties("spring.main.banner-mode=off", "baton.backend=redis",
            "spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + server.port())
        .properties(properties).run();
  }

  @Override
  public void close() {
    one.close();
    two.close();
    server.close();
  }
}
