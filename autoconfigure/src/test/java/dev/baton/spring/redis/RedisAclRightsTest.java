package dev.baton.spring.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.AsyncEvent;
import dev.baton.AsyncLock;
import dev.baton.Permit;
import dev.baton.redis.RedisBackend;
import dev.baton.redis.RedisBackendOptions;
import dev.baton.redis.RedisServer;
import dev.baton.spring.BatonAutoConfiguration;
import dev.baton.spring.PrimitiveRegistry;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * ACL users with fewer rights than README lists, against a real {@code redis-server}: one that
 * may run Baton's library but not load it works once an administrator has loaded it; one that
 * may not publish on Baton's channels would fail every hand-over, so it should fail start-up
 * with NOPERM, as one that may not subscribe does.
 */
class RedisAclRightsTest {

  private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class,
          BatonRedisAutoConfiguration.class, BatonAutoConfiguration.class))
      .withPropertyValues("baton.backend=redis", "baton.redis.lease=1s",
          "spring.data.redis.host=127.0.0.1", "spring.data.redis.timeout=2s",
          "spring.data.redis.username=app", "spring.data.redis.password=pw");

  /**
   * {@code -function|load}: the library, loaded beforehand by another user (an administrator,
   * or a deployment step), is found with FUNCTION LIST and run; nothing is loaded.
   */
  @Test
  void aUserThatMayNotLoadTheLibraryWorksOnceItIsLoaded() {
    try (RedisServer server = RedisServer.start("--user", "app", "on", ">pw", "~*", "&*",
        "+@all", "-function|load")) {
      RedisBackend.connect(server.uri(), RedisBackendOptions.DEFAULTS).close();
      long loads = server.commandStat("function|load", "calls");
      contextRunner.withPropertyValues("spring.data.redis.port=" + server.port())
          .run(context -> {
            assertThat(context).hasNotFailed();
            PrimitiveRegistry registry = context.getBean(PrimitiveRegistry.class);
            AsyncLock lock = registry.lock("ledger");
            Permit held = lock.acquire().get(10, TimeUnit.SECONDS);
            CompletableFuture<Permit> next = lock.acquire();
            org.awaitility.Awaitility.await().until(() -> lock.waiters() == 1);
            held.release();
            next.get(10, TimeUnit.SECONDS).release();
            AsyncEvent ready = registry.event("ready");
            ready.set();
            ready.await().get(10, TimeUnit.SECONDS);
          });
      assertThat(server.commandStat("function|load", "calls")).isEqualTo(loads);
      assertThat(server.commandStat("function|load", "rejected_calls")).isZero();
    }
  }

  /**
   * {@code -publish}: every script that hands a permit to another instance or sets an event
   * publishes, and Redis refuses it inside the script, after the script's earlier writes: such a
   * user would start and then hand permits over only when leases run out, and set events
   * without waking anyone. As for {@code -subscribe}, start-up fails with the server's NOPERM.
   */
  @Test
  void aUserThatMayNotPublishFailsStartUp() {
    try (RedisServer server = RedisServer.start("--user", "app", "on", ">pw", "~*", "&*",
        "+@all", "-publish")) {
      contextRunner.withPropertyValues("spring.data.redis.port=" + server.port())
          .run(context -> assertThat(context.getStartupFailure()).hasMessageContaining(
              "refused Baton's start-up, answering 'NOPERM").hasMessageContaining("publish"));
    }
  }
}
