package dev.baton.redis;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One redis-server and two backends on it, standing for two JVMs, for a test class: started
 * before its first test (and past the restart quarantine), stopped after its last.
 */
final class SharedRedis implements BeforeAllCallback, AfterAllCallback {

  static final Duration LEASE = Duration.ofSeconds(3);

  private RedisServer server;
  private RedisBackend one;
  private RedisBackend two;

  @Override
  public void beforeAll(ExtensionContext context) {
    server = RedisServer.start();
    one = connect();
    two = connect();
    await().atMost(LEASE.multipliedBy(3)).until(() -> !one.isQuarantined() && !two.isQuarantined());
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
