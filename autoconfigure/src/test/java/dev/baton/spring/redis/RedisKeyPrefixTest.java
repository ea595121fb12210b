package dev.baton.spring.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.AsyncLock;
import dev.baton.Permit;
import dev.baton.spring.PrimitiveRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * {@code baton.redis.key-prefix}: every key starts with it, every instance with the same prefix
 * shares the primitives, and an instance with another prefix on the same Redis shares nothing.
 */
class RedisKeyPrefixTest {

  private static final String[] SHOP = {"spring.main.web-application-type=none",
      "baton.redis.lease=1s", "baton.semaphores.payments.permits=1",
      "baton.redis.key-prefix=shop"};

  @Test
  void instancesWithTheSamePrefixShareThePrimitivesAndAnotherPrefixSharesNothing() {
    try (TwoRedisInstances instances = new TwoRedisInstances(SHOP)) {
      Permit held = lock(instances.one).acquire().join();
      try {
        assertThat(instances.server.keys()).isNotEmpty()
            .allMatch(key -> key.startsWith("{shop:lock:orders}"));
        assertThat(lock(instances.two).isLocked()).as("same prefix: one lock").isTrue();
        assertThat(lock(instances.two).tryAcquire()).isEmpty();
        try (ConfigurableApplicationContext billing = instances.instance(
            "spring.main.web-application-type=none", "baton.redis.lease=1s",
            "baton.semaphores.payments.permits=1", "baton.redis.key-prefix=billing")) {
          org.awaitility.Awaitility.await().until(() -> !billing
              .getBean(dev.baton.redis.RedisBackend.class).isQuarantined());
          assertThat(lock(billing).isLocked()).as("another prefix: another lock").isFalse();
          Permit theirs = lock(billing).tryAcquire().orElseThrow();
          assertThat(instances.server.keys()).anyMatch(key -> key.startsWith("{billing:"))
              .allMatch(key -> key.startsWith("{shop:") || key.startsWith("{billing:"));
          theirs.release();
        }
      } finally {
        held.release();
      }
    }
  }

  private static AsyncLock lock(ConfigurableApplicationContext instance) {
    return instance.getBean(PrimitiveRegistry.class).lock("orders");
  }
}
