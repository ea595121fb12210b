package dev.baton.spring.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.baton.Permit;
import dev.baton.redis.RedisBackend;
import dev.baton.redis.RedisServer;
import dev.baton.spring.BatonAutoConfiguration;
import dev.baton.spring.PrimitiveRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * {@code spring.data.redis.sentinel.username} and {@code password} log into the Sentinels, and
 * {@code spring.data.redis.username} and {@code password} into the master, as Spring Boot maps
 * them for its own connection, against a real Sentinel and master that each ask for their own
 * credentials; a Sentinel that refuses its credentials fails start-up naming the Sentinel's
 * properties, not the master's.
 */
class RedisSentinelCredentialsTest {

  private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class,
          BatonRedisAutoConfiguration.class, BatonAutoConfiguration.class))
      .withPropertyValues("baton.backend=redis", "baton.redis.lease=1s",
          "spring.data.redis.timeout=2s", "spring.data.redis.sentinel.master=orders");

  /** {@code password}: the Sentinel's default user; {@code user}: an ACL user of its own. */
  @ParameterizedTest
  @ValueSource(strings = {"password", "user"})
  void sentinelAndMasterCredentialsShouldEachLogIntoTheirOwnServer(String sentinelLogin)
      throws Exception {
    try (RedisServer master = RedisServer.startedAhead();
        RedisServer sentinel = RedisServer.startSentinel(master, "orders")) {
      // Sentinel monitors the master as its default user: it keeps a password-less one.
      master.cli("ACL", "SETUSER", "app", "on", ">master-pw", "~*", "&*", "+@all");
      String[] sentinelProperties = sentinelLogin.equals("user")
          ? new String[] {"spring.data.redis.sentinel.username=watcher",
              "spring.data.redis.sentinel.password=sentinel-pw"}
          : new String[] {"spring.data.redis.sentinel.password=sentinel-pw"};
      if (sentinelLogin.equals("user")) {
        sentinel.cli("ACL", "SETUSER", "watcher", "on", ">sentinel-pw", "~*", "&*", "+@all");
        sentinel.cli("ACL", "SETUSER", "default", "off");
      } else {
        sentinel.cli("ACL", "SETUSER", "default", "on", "resetpass", ">sentinel-pw");
      }
      contextRunner.withPropertyValues(sentinelProperties).withPropertyValues(
          "spring.data.redis.sentinel.nodes=127.0.0.1:" + sentinel.port(),
          "spring.data.redis.username=app", "spring.data.redis.password=master-pw")
          .run(context -> {
            assertThat(context).hasNotFailed();
            RedisBackend backend = context.getBean(RedisBackend.class);
            await().atMost(Duration.ofSeconds(10)).until(() -> !backend.isQuarantined());
            Permit held = context.getBean(PrimitiveRegistry.class).lock("ledger").acquire()
                .get(5, TimeUnit.SECONDS);
            assertThat(master.keys()).contains("{baton:lock:ledger}:holders");
            assertThat(master.cli("CLIENT", "LIST")).contains("user=app");
            held.release();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(sentinel.cli(
                "--user", sentinelLogin.equals("user") ? "watcher" : "default", "--pass",
                "sentinel-pw", "--no-auth-warning", "CLIENT", "LIST"))
                .as("Baton's subscription to switches, logged into the Sentinel")
                .contains("flags=P"));
          });
    }
  }

  /**
   * The Sentinel asks for a password that {@code spring.data.redis.sentinel.password} lacks or
   * gets wrong: start-up fails quoting its answer and pointing at the Sentinel's properties;
   * {@code spring.data.redis.username} and {@code password}, which the master takes, are right.
   */
  @ParameterizedTest
  @ValueSource(strings = {"missing", "wrong"})
  void aSentinelThatRefusesItsCredentialsShouldFailStartUpNamingTheSentinelProperties(
      String sentinelPassword) {
    try (RedisServer master = RedisServer.startedAhead();
        RedisServer sentinel = RedisServer.startSentinel(master, "orders")) {
      sentinel.cli("ACL", "SETUSER", "default", "on", "resetpass", ">sentinel-pw");
      ApplicationContextRunner runner = contextRunner.withPropertyValues(
          "spring.data.redis.sentinel.nodes=127.0.0.1:" + sentinel.port());
      if (sentinelPassword.equals("wrong")) {
        runner = runner.withPropertyValues("spring.data.redis.sentinel.password=not-it");
      }
      runner.run(context -> assertThat(context.getStartupFailure())
          .hasMessageContaining("refused Baton's start-up")
          .hasMessageContaining("spring.data.redis.sentinel.username and password")
          .hasMessageNotContaining("check spring.data.redis.username"));
    }
  }
}
