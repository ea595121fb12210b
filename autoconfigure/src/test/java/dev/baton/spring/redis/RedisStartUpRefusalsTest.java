package dev.baton.spring.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.baton.AcquireTimeoutException;
import dev.baton.AsyncEvent;
import dev.baton.AsyncQueue;
import dev.baton.redis.RedisBackend;
import dev.baton.redis.RedisBackendOptions;
import dev.baton.redis.RedisServer;
import dev.baton.spring.BatonAutoConfiguration;
import dev.baton.spring.PrimitiveRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
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
   * user writing "no limit" might) cannot mean none, since every command has a timeout, and nor
   * can zero: start-up fails naming the property and the value, not saying Redis is unavailable
   * ("could not connect: long overflow").
   */
  @ParameterizedTest
  @ValueSource(strings = {"110000d", "999999999d", "0s"})
  void aCommandTimeoutZeroOrTooLongToCountFailsStartUpNamingIt(String timeout) {
    contextRunner.withPropertyValues("baton.redis.command-timeout=" + timeout).run(context ->
        assertThat(context.getStartupFailure()).hasStackTraceContaining(
            "baton.redis.command-timeout must be positive and at most what a long counts in"
            + " nanoseconds").hasStackTraceContaining("was " + timeout));
  }

  /**
   * {@code baton.redis.lease} past what a {@code long} counts in nanoseconds (as a user writing
   * "never expire" might) fails start-up naming it, before connecting: Redis's scripts could not
   * write the expiry of so long a lease, and every call would fail.
   */
  @ParameterizedTest
  @ValueSource(strings = {"106752d", "999999999d"})
  void aLeaseTooLongToCountFailsStartUpNamingIt(String lease) {
    contextRunner.withPropertyValues("baton.redis.lease=" + lease).run(context ->
        assertThat(context.getStartupFailure()).hasStackTraceContaining(
            "baton.redis.lease must be at least 300ms and at most what a long counts in"
            + " nanoseconds").hasStackTraceContaining("was " + lease));
  }

  /**
   * The longest lease start-up takes is one Redis's scripts can write: a queue and an event serve
   * calls, and a lock's wait (which a server younger than a lease quarantines: nothing granted)
   * times out as a wait, not failing on the lease's arithmetic.
   */
  @Test
  void theLongestLeaseIsOneRedisCanCount() {
    try (RedisServer server = RedisServer.start()) {
      contextRunner.withPropertyValues("spring.data.redis.port=" + server.port(),
          "baton.redis.lease=106751d", "baton.queues.q.capacity=1",
          "baton.queues.q.item-type=java.lang.String").run(context -> {
            PrimitiveRegistry registry = context.getBean(PrimitiveRegistry.class);
            AsyncQueue<String> queue = registry.queue("q");
            queue.put("item").join();
            assertThat(queue.take().join()).isEqualTo("item");
            registry.event("e").set();
            assertThat(registry.event("e").await()).succeedsWithin(Duration.ofSeconds(5));
            assertThat(registry.lock("x").acquire(Duration.ofMillis(300)))
                .failsWithin(Duration.ofSeconds(5)).withThrowableOfType(ExecutionException.class)
                .withCauseInstanceOf(AcquireTimeoutException.class);
          });
    }
  }

  /**
   * With {@code baton.redis.command-timeout} unset, Baton takes {@code spring.data.redis.timeout}
   * in its place; one it cannot count (Spring Data reads {@code 0} as none, which Baton's
   * commands cannot have) fails start-up naming both properties and the value as written.
   */
  @ParameterizedTest
  @ValueSource(strings = {"0s", "999999999d"})
  void aSpringDataRedisTimeoutBatonCannotCountFailsStartUpNamingBothProperties(String timeout) {
    contextRunner.withPropertyValues("spring.data.redis.timeout=" + timeout).run(context ->
        assertThat(context.getStartupFailure()).hasStackTraceContaining(
            "spring.data.redis.timeout=" + timeout + " cannot be Baton's command timeout")
            .hasStackTraceContaining("set baton.redis.command-timeout"));
  }

  /**
   * {@code spring.data.redis.connect-timeout} past an {@code int} of milliseconds (the Redis
   * client's count) fails start-up naming it, not "unavailable: integer overflow" while Redis is
   * up; one just within serves calls.
   */
  @Test
  void aConnectTimeoutTooLongToCountFailsStartUpNamingIt() {
    try (RedisServer server = RedisServer.start()) {
      String port = "spring.data.redis.port=" + server.port();
      contextRunner.withPropertyValues(port, "spring.data.redis.connect-timeout=30d")
          .run(context -> assertThat(context.getStartupFailure()).hasStackTraceContaining(
              "spring.data.redis.connect-timeout must be positive and at most 2147483647ms")
              .hasStackTraceContaining("was 30d"));
      contextRunner.withPropertyValues(port, "spring.data.redis.connect-timeout=24d")
          .run(context -> context.getBean(PrimitiveRegistry.class).lock("x").acquire().join()
              .release());
    }
  }

  /**
   * A Redis that answers, but with an error, fails start-up with a headline that names the
   * address, quotes the server's answer and says what to change, not only "unavailable: could
   * not connect", which sends one looking for a network problem; nothing is left in Redis.
   */
  @ParameterizedTest
  @ValueSource(strings = {"wrong-password", "no-such-database", "acl-without-function",
      "acl-without-channels", "out-of-memory"})
  void aRedisThatAnswersWithAnErrorFailsStartUpGivingItsAnswer(String refusal) {
    String[] settings = switch (refusal) {
      case "wrong-password" -> new String[] {"--user", "app", "on", ">pw", "~*", "&*", "+@all"};
      case "acl-without-function" -> new String[] {"--user", "app", "on", ">pw", "~*", "&*",
          "+@all", "-function"};
      case "acl-without-channels" -> new String[] {"--user", "app", "on", ">pw", "~*",
          "resetchannels", "+@all"};
      case "out-of-memory" -> new String[] {"--maxmemory", "1", "--maxmemory-policy",
          "noeviction"};
      default -> new String[0];
    };
    try (RedisServer server = RedisServer.start(settings)) {
      String port = "spring.data.redis.port=" + server.port();
      String[] properties = switch (refusal) {
        case "wrong-password" -> new String[] {port, "spring.data.redis.username=app",
            "spring.data.redis.password=wrong"};
        case "no-such-database" -> new String[] {port, "spring.data.redis.database=16"};
        case "out-of-memory" -> new String[] {port};
        default -> new String[] {port, "spring.data.redis.username=app",
            "spring.data.redis.password=pw"};
      };
      String[] answerAndHint = switch (refusal) {
        case "wrong-password" -> new String[] {"'WRONGPASS", "spring.data.redis.username and"
            + " password"};
        case "no-such-database" -> new String[] {"'ERR DB index is out of range",
            "spring.data.redis.database must be below"};
        case "out-of-memory" -> new String[] {"'OOM", "raise maxmemory"};
        default -> new String[] {"'NOPERM", "needs the keys ~{baton:*, the channels &baton:*"};
      };
      contextRunner.withPropertyValues(properties).run(context ->
          assertThat(context.getStartupFailure()).as("the headline: the message of the exception"
              + " start-up failed with").hasMessageContaining("Redis at 127.0.0.1:"
              + server.port() + " refused Baton's start-up, answering " + answerAndHint[0])
              .hasMessageContaining(answerAndHint[1]).hasMessageNotContaining("unavailable"));
      assertThat(server.keys()).isEmpty();
    }
  }

  /**
   * The address given is a replica (read-only, the default), with Baton's library replicated
   * from its primary or not: every call Baton would make there fails with READONLY, so start-up
   * fails saying it is a replica, from INFO replication, and sending nothing that writes.
   */
  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void aReplicaGivenAsTheAddressFailsStartUpSayingSo(boolean libraryReplicated) {
    try (RedisServer primary = RedisServer.start("--repl-diskless-sync-delay", "0");
        RedisServer replica = RedisServer.start("--replicaof", "127.0.0.1",
            Integer.toString(primary.port()))) {
      if (libraryReplicated) {
        RedisBackend.connect(primary.uri(), RedisBackendOptions.DEFAULTS).close();
      }
      await().until(() -> replica.cli("INFO", "replication").contains("master_link_status:up")
          && replica.cli("FUNCTION", "LIST").isEmpty() != libraryReplicated);
      contextRunner.withPropertyValues("spring.data.redis.port=" + replica.port())
          .run(context -> assertThat(context.getStartupFailure()).hasMessageContaining(
              "Redis at 127.0.0.1:" + replica.port() + ": it is a replica (INFO replication says"
              + " role:slave), which refuses or loses Baton's writes: point spring.data.redis.*"
              + " at the primary, or use Sentinel"));
      assertThat(replica.commandStat("function|load", "rejected_calls")).isZero();
    }
  }

  /**
   * An ACL user that may load Baton's library but not run it ({@code -fcall}), or whose key
   * patterns do not cover the prefix's keys ({@code ~other:*}): every call would fail with
   * NOPERM, so start-up runs one read-only function on a key under the prefix and fails with
   * the server's answer and the permissions Baton needs.
   */
  @ParameterizedTest
  @ValueSource(strings = {"-fcall", "~other:*"})
  void anAclUserThatCannotRunBatonsCallsFailsStartUp(String restriction) {
    String[] user = restriction.startsWith("~")
        ? new String[] {"--user", "app", "on", ">pw", restriction, "&*", "+@all"}
        : new String[] {"--user", "app", "on", ">pw", "~*", "&*", "+@all", restriction};
    try (RedisServer server = RedisServer.start(user)) {
      contextRunner.withPropertyValues("spring.data.redis.port=" + server.port(),
          "spring.data.redis.username=app", "spring.data.redis.password=pw").run(context ->
              assertThat(context.getStartupFailure()).hasMessageContaining("Redis at 127.0.0.1:"
                  + server.port() + " refused Baton's start-up, answering 'NOPERM")
                  .hasMessageContaining("needs the keys ~{baton:*"));
      assertThat(server.keys()).isEmpty();
    }
  }

  /** An ACL user with just the permissions the refusal (and the README) lists can use Baton. */
  @ParameterizedTest
  @ValueSource(strings = {"baton", "app1"})
  void anAclUserWithThePermissionsListedStartsAndWorks(String prefix) {
    try (RedisServer server = RedisServer.start("--user", "app", "on", ">pw",
        "~{" + prefix + ":*", "&" + prefix + ":*", "+@read", "+@write", "+@scripting",
        "+@pubsub", "+@connection", "+info", "+time")) {
      contextRunner.withPropertyValues("spring.data.redis.port=" + server.port(),
          "spring.data.redis.username=app", "spring.data.redis.password=pw",
          "baton.redis.key-prefix=" + prefix).run(context -> {
            PrimitiveRegistry registry = context.getBean(PrimitiveRegistry.class);
            registry.lock("ledger").acquire().get(10, TimeUnit.SECONDS).release();
            AsyncEvent ready = registry.event("ready");
            ready.set();
            ready.await().get(10, TimeUnit.SECONDS);
            AsyncQueue<String> jobs = registry.queue("jobs", String.class);
            jobs.put("one").get(10, TimeUnit.SECONDS);
            assertThat(jobs.take().get(10, TimeUnit.SECONDS)).isEqualTo("one");
          });
    }
  }
}
