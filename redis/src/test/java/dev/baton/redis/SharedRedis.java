package dev.baton.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One redis-server and two backends on it, standing for two JVMs, for a test class: started
 * before its first test (and past the restart quarantine), stopped after its last. Made with
 * {@link #leavingNothing()}, it also checks after each test that Redis holds no key but the
 * records of released permits, which expire by themselves within a lease (see
 * {@code permits-release.lua}).
 */
final class SharedRedis implements BeforeAllCallback, AfterAllCallback, AfterEachCallback {

  static final Duration LEASE = Duration.ofSeconds(3);

  private final boolean checkEmpty;

  SharedRedis() {
    this(false);
  }

  private SharedRedis(boolean checkEmpty) {
    this.checkEmpty = checkEmpty;
  }

  /** A shared server after each test of which nothing may be left in Redis. */
  static SharedRedis leavingNothing() {
    return new SharedRedis(true);
  }

  private RedisServer server;
  private RedisBackend one;
  private RedisBackend two;

  @Override
  public void beforeAll(ExtensionContext context) {
    server = RedisServer.startedAhead();
    one = connect();
    two = connect();
    await().atMost(LEASE.multipliedBy(3)).until(() -> !one.isQuarantined() && !two.isQuarantined());
  }

  @Override
  public void afterEach(ExtensionContext context) {
    if (checkEmpty) {
      await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(server.keys())
          .allSatisfy(key -> assertThat(key).endsWith(":released"))
          .allSatisfy(key -> assertThat(Long.parseLong(server.cli("PTTL", key)))
              .as("time to live of %s (-2: gone, -1: never)", key)
              .isNotEqualTo(-1L).isLessThanOrEqualTo(LEASE.toMillis())));
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    one.close();
    two.close();
    server.close();
  }

  RedisServer server() {
    return server;
  }

  RedisBackend one() {
    return one;
  }

  RedisBackend two() {
    return two;
  }

  private RedisBackend connect() {
    return RedisBackend.connect(server.uri(), RedisBackendOptions.DEFAULTS.withLease(LEASE)
        .withCommandTimeout(Duration.ofSeconds(2)));
  }
}
