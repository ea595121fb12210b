package dev.baton.spring.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.baton.AsyncEvent;
import dev.baton.AsyncLock;
import dev.baton.Permit;
import dev.baton.redis.RedisBackend;
import dev.baton.redis.RedisServer;
import dev.baton.spring.BatonAutoConfiguration;
import dev.baton.spring.PrimitiveRegistry;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * {@code spring.data.redis.sentinel.*}: Baton's connections, commands and pub/sub alike, reach
 * the master that a real Sentinel names.
 */
class RedisSentinelTest {

  private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class,
          BatonRedisAutoConfiguration.class, BatonAutoConfiguration.class));

  @Test
  void runWithSentinelPropertiesShouldKeepThePrimitivesOnTheMasterItNames() {
    try (RedisServer master = RedisServer.startedAhead();
        RedisServer sentinel = RedisServer.startSentinel(master, "orders")) {
      contextRunner.withPropertyValues("baton.backend=redis", "baton.redis.lease=1s",
          "spring.data.redis.sentinel.master=orders",
          "spring.data.redis.sentinel.nodes=127.0.0.1:" + sentinel.port()).run(context -> {
            assertThat(context).hasNotFailed();
            RedisBackend backend = context.getBean(RedisBackend.class);
            await().atMost(Duration.ofSeconds(10)).until(() -> !backend.isQuarantined());
            PrimitiveRegistry registry = context.getBean(PrimitiveRegistry.class);

            AsyncLock lock = registry.lock("ledger");
            Permit held = lock.acquire().get(5, TimeUnit.SECONDS);
            assertThat(master.keys()).contains("{baton:lock:ledger}:holders");
            assertThat(master.cli("PUBSUB", "CHANNELS")).contains("baton:jvm:");
            CompletableFuture<Permit> waiting = lock.acquire();
            await().until(() -> lock.waiters() == 1);
            held.release();
            waiting.get(5, TimeUnit.SECONDS).release();

            AsyncEvent loaded = registry.event("loaded");
            CompletableFuture<Void> awaiting = loaded.await();
            loaded.set();
            assertThat(awaiting).succeedsWithin(Duration.ofSeconds(5));
            assertThat(master.cli("HGET", "{baton:event:loaded}", "set")).isEqualTo("1");
          });
    }
  }
}
