package dev.baton.spring.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.baton.redis.RedisBackend;
import dev.baton.redis.RedisBackendOptions;
import dev.baton.redis.RedisServer;
import dev.baton.spring.BatonAutoConfiguration;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.env.MapPropertySource;

/**
 * The rule "Bad input gets a clear error naming what was wrong, at start-up where possible": for
 * {@code baton.redis.*} values that would split instances or cannot be counted, and against a
 * real {@code redis-server} that is reachable but refuses what Baton needs (a wrong password, a
 * database it lacks, an ACL user without some permission, a full {@code maxmemory}, a replica).
 */
class RedisStartUpRefusalsTest {

  private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class,
          BatonRedisAutoConfiguration.class, BatonAutoConfiguration.class))
      .withPropertyValues("baton.backend=redis", "baton.redis.lease=1s",
          "spring.data.redis.host=127.0.0.1", "spring.data.redis.timeout=2s");

  /**
   * {@code baton.redis.key-prefix=baton } (a trailing space, as a .properties file keeps it)
   * would name other keys than {@code baton}, so a lock held by one instance would be free in
   * another: start-up fails naming the property and the value, before connecting.
   */
  @ParameterizedTest
  @ValueSource(strings = {"baton ", " baton", "baton\t"})
  void aKeyPrefixWithSurroundingWhitespaceFailsStartUpNamingIt(String prefix) {
    contextRunner.withInitializer(context -> context.getEnvironment().getPropertySources()
        .addFirst(new MapPropertySource("padded", Map.of("baton.redis.key-prefix", prefix))))
        .run(context -> assertThat(context.getStartupFailure()).hasStackTraceContaining(
            "baton.redis.key-prefix must not start or end with whitespace")
            .hasStackTraceContaining("was '" + prefix + "'"));
  }

  /**
   * {@code baton.redis.command-timeout} too long to count in nanoseconds (about 292 years, as a
   * user writing "no limit" might) cannot mean none, since every command has a timeout: start-up
   * fails naming the property and the value, not saying Redis is unavailable ("could not
   * connect: long overflow").
   */
  @ParameterizedTest
  @ValueSource(strings = {"110000d", "999999999d"})
  void aCommandTimeoutTooLongToCountFailsStartUpNamingIt(String timeout) {
    contextRunner.withPropertyValues("baton.redis.command-timeout=" + timeout).run(context ->
        assertThat(context.getStartupFailure()).hasStackTraceContaining(
            "baton.redis.command-timeout must be positive and at most what a long counts in"
            + " nanoseconds").hasStackTraceContaining("was " + timeout));
  }
}
