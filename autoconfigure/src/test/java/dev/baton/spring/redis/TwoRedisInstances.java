package dev.baton.spring.redis;

import static org.awaitility.Awaitility.await;

import dev.baton.redis.RedisBackend;
import dev.baton.redis.RedisServer;
import java.time.Duration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Two instances of an application ({@link RedisTestApplication} unless given another), each a
 * Spring context with its own Redis backend ({@code baton.backend=redis}), sharing Baton's
 * primitives through one real {@code redis-server} started for them (ahead, see
 * {@link RedisServer#startedAhead()}). Ready once both are out of the quarantine of the server's
 * first lease; closing stops the instances and the server.
 */
final class TwoRedisInstances implements AutoCloseable {

  private static final Duration PATIENCE = Duration.ofSeconds(10);

  final RedisServer server;
  final ConfigurableApplicationContext one;
  final ConfigurableApplicationContext two;
  private final Class<?> application;

  /** @param properties each instance's properties, beside the backend and the server's address */
  TwoRedisInstances(String... properties) {
    this(RedisTestApplication.class, properties, properties);
  }

  /**
   * Two instances of {@code application}, each with its own properties beside the backend and
   * the server's address.
   */
  TwoRedisInstances(Class<?> application, String[] propertiesOfOne, String[] propertiesOfTwo) {
    this.application = application;
    server = RedisServer.startedAhead();
    one = instance(propertiesOfOne);
    two = instance(propertiesOfTwo);
    // A redis-server grants nothing during the first lease after its start.
    await().atMost(PATIENCE).until(() -> !one.getBean(RedisBackend.class).isQuarantined()
        && !two.getBean(RedisBackend.class).isQuarantined());
  }

  /** Starts one more instance on the same server, which the caller closes. */
  ConfigurableApplicationContext instance(String... properties) {
    return new SpringApplicationBuilder(application)
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
