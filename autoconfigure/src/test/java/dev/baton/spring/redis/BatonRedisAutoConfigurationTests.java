package dev.baton.spring.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.baton.redis.RedisBackend;
import dev.baton.redis.RedisBackendOptions;
import dev.baton.spring.BatonAutoConfiguration;
import dev.baton.spring.BatonProperties;
import dev.baton.spring.PrimitiveSource;
import dev.baton.spring.local.LocalPrimitives;
import io.lettuce.core.RedisURI;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails;
import org.springframework.boot.data.redis.autoconfigure.DataRedisProperties;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.env.MapPropertySource;

/**
 * {@link BatonRedisAutoConfiguration}'s conditions, start-up failures and the connection it builds
 * from {@code spring.data.redis.*}: none of these tests reaches a Redis ({@link TwoInstancesTest}
 * does).
 */
class BatonRedisAutoConfigurationTests {

  private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class,
          BatonRedisAutoConfiguration.class, BatonAutoConfiguration.class));

  @Test
  void runWithTheLocalBackendShouldNotConnectToRedis() {
    contextRunner.run(context -> {
      assertThat(context).doesNotHaveBean(RedisBackend.class);
      assertThat(context.getBean(PrimitiveSource.class)).isInstanceOf(LocalPrimitives.class);
    });
  }

  @Test
  void runWithTheRedisBackendButNoRedisModuleShouldNameTheModule() {
    contextRunner.withClassLoader(new FilteredClassLoader(RedisBackend.class))
        .withPropertyValues("baton.backend=redis").run(context -> {
          assertThat(context).hasFailed();
          assertThat(context.getStartupFailure()).rootCause()
              .hasMessageContaining("baton.backend=redis")
              .hasMessageContaining("dev.baton:baton-redis");
        });
  }

  /**
   * A backend written as the properties still bind it to redis (a trailing space, left by a
   * properties file, or another case or dashes) chooses Redis: start-up goes on to connect, and
   * fails naming the unreachable address, not saying that the baton-redis module is missing.
   */
  @ParameterizedTest
  @ValueSource(strings = {"redis ", "re-dis", "REDIS"})
  void runWithTheRedisBackendSpelledAsItBindsShouldChooseRedis(String backend) throws IOException {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    Map<String, Object> properties = Map.of("baton.backend", backend,
        "spring.data.redis.host", "127.0.0.1", "spring.data.redis.port", "" + closedPort);
    contextRunner.withInitializer(context -> context.getEnvironment().getPropertySources()
        .addFirst(new MapPropertySource("test", properties))).run(context -> {
          assertThat(context).hasFailed();
          assertThat(context.getStartupFailure()).hasStackTraceContaining(
              "Redis at 127.0.0.1:" + closedPort + " is unavailable");
        });
  }

  @Test
  void runWithALeaseUnder300msShouldFailNamingTheProperty() {
    contextRunner.withPropertyValues("baton.backend=redis", "baton.redis.lease=299ms")
        .run(context -> {
          assertThat(context).hasFailed();
          assertThat(context.getStartupFailure()).rootCause()
              .hasMessageContaining("baton.redis.lease").hasMessageContaining("300ms");
        });
    contextRunner.withPropertyValues("baton.redis.lease=300ms").run(context ->
        assertThat(context.getBean(BatonProperties.class).redis().lease())
            .isEqualTo(Duration.ofMillis(300)));
  }

  @ParameterizedTest
  @ValueSource(strings = {"{app}", ""})
  void runWithBracesInTheKeyPrefixOrNoneShouldFailNamingTheProperty(String prefix) {
    contextRunner.withPropertyValues("baton.backend=redis", "baton.redis.key-prefix=" + prefix)
        .run(context -> {
          assertThat(context).hasFailed();
          assertThat(context.getStartupFailure()).rootCause()
              .hasMessageContaining("baton.redis.key-prefix");
        });
  }

  @Test
  void runWithUnreachableClusterNodesShouldFailNamingThem() throws IOException {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    contextRunner.withPropertyValues("baton.backend=redis",
        "spring.data.redis.cluster.nodes=127.0.0.1:" + closedPort).run(context -> {
          assertThat(context).hasFailed();
          assertThat(context.getStartupFailure()).hasStackTraceContaining(
              "Redis at cluster [127.0.0.1:" + closedPort + "] is unavailable");
        });
  }

  /**
   * With Sentinel and cluster (or master/replica) both set, Spring Boot's own connection goes to
   * the Sentinel master, and so does Baton's: the failure to reach it names the Sentinel, not
   * the cluster, and master/replica nodes beside a Sentinel are no set-up to refuse.
   */
  @Test
  void runWithSentinelAndClusterOrMasterReplicaShouldUseTheSentinelAsSpringBootDoes()
      throws IOException {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    contextRunner.withPropertyValues("baton.backend=redis",
        "spring.data.redis.sentinel.master=orders",
        "spring.data.redis.sentinel.nodes=127.0.0.1:" + closedPort,
        "spring.data.redis.cluster.nodes=127.0.0.1:7000",
        "spring.data.redis.masterreplica.nodes=127.0.0.1:7001").run(context -> {
          assertThat(context).hasFailed();
          assertThat(context.getStartupFailure()).hasStackTraceContaining(
              "Redis at sentinel master 'orders' via [127.0.0.1:" + closedPort + "]");
        });
  }

  @Test
  void runWithMasterReplicaNodesShouldFailSayingItIsNotSupported() {
    contextRunner.withPropertyValues("baton.backend=redis",
        "spring.data.redis.masterreplica.nodes=127.0.0.1:7000,127.0.0.1:7001").run(context -> {
          assertThat(context).hasFailed();
          assertThat(context.getStartupFailure()).rootCause()
              .hasMessageContaining("does not support a static master/replica set-up")
              .hasMessageContaining("spring.data.redis.masterreplica.nodes");
        });
  }

  @Test
  void runWhenRedisIsUnreachableShouldFailNamingItsAddress() throws IOException {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    contextRunner.withPropertyValues("baton.backend=redis", "spring.data.redis.host=127.0.0.1",
        "spring.data.redis.port=" + closedPort).run(context -> {
          assertThat(context).hasFailed();
          assertThat(context.getStartupFailure()).hasStackTraceContaining(
              "Redis at 127.0.0.1:" + closedPort + " is unavailable");
        });
  }

  @Test
  void standalonePropertiesGiveHostPortDatabaseCredentialsAndTls() {
    contextRunner.withPropertyValues("spring.data.redis.host=redis.example",
        "spring.data.redis.port=6380", "spring.data.redis.database=3",
        "spring.data.redis.username=baton", "spring.data.redis.password=secret",
        "spring.data.redis.ssl.enabled=true").run(context -> {
          RedisURI uri = RedisUris.of(context.getBean(DataRedisConnectionDetails.class),
              context.getBean(DataRedisProperties.class));
          assertThat(uri.getHost()).isEqualTo("redis.example");
          assertThat(uri.getPort()).isEqualTo(6380);
          assertThat(uri.getDatabase()).isEqualTo(3);
          assertThat(uri.getUsername()).isEqualTo("baton");
          assertThat(uri.getPassword()).containsExactly("secret".toCharArray());
          assertThat(uri.isSsl()).isTrue();
        });
  }

  /**
   * A {@code rediss://} URL asks for TLS by itself, as Spring Boot reads it for its own
   * connection: without {@code ssl.enabled} the connection details give no SSL bundle.
   */
  @Test
  void aRedissUrlGivesTlsWithoutSslEnabled() {
    contextRunner.withPropertyValues("spring.data.redis.url=rediss://:secret@redis.example:6380/4")
        .run(context -> {
          DataRedisConnectionDetails details = context.getBean(DataRedisConnectionDetails.class);
          assertThat(details.getSslBundle()).as("the bundle Baton's TLS would come from").isNull();
          RedisURI uri = RedisUris.of(details, context.getBean(DataRedisProperties.class));
          assertThat(uri.isSsl()).isTrue();
          assertThat(uri.getHost()).isEqualTo("redis.example");
          assertThat(uri.getPort()).isEqualTo(6380);
          assertThat(uri.getDatabase()).isEqualTo(4);
          assertThat(uri.getPassword()).containsExactly("secret".toCharArray());
        });
  }

  @Test
  void sentinelPropertiesGiveTheMasterAndEveryNode() {
    contextRunner.withPropertyValues("spring.data.redis.sentinel.master=orders",
        "spring.data.redis.sentinel.nodes=10.0.0.1:26379,10.0.0.2:26380",
        "spring.data.redis.sentinel.password=watch", "spring.data.redis.password=secret",
        "spring.data.redis.database=2").run(context -> {
          RedisURI uri = RedisUris.of(context.getBean(DataRedisConnectionDetails.class),
              context.getBean(DataRedisProperties.class));
          assertThat(uri.getSentinelMasterId()).isEqualTo("orders");
          assertThat(uri.getSentinels()).extracting(RedisURI::getHost, RedisURI::getPort)
              .containsExactly(tuple("10.0.0.1", 26379), tuple("10.0.0.2", 26380));
          assertThat(uri.getSentinels().get(0).getPassword())
              .containsExactly("watch".toCharArray());
          assertThat(uri.getPassword()).containsExactly("secret".toCharArray());
          assertThat(uri.getDatabase()).isEqualTo(2);
          assertThat(uri.isSsl()).isFalse();
        });
  }

  @Test
  void theCommandTimeoutIsBatonsThenSpringDataRedisesThenFiveSeconds() {
    DataRedisProperties spring = new DataRedisProperties();
    BatonProperties.Redis unset = new BatonProperties.Redis(null, null, null);
    assertThat(RedisBackendSettings.of(unset, spring, null).commandTimeout())
        .isEqualTo(RedisBackendOptions.DEFAULTS.commandTimeout());

    spring.setTimeout(Duration.ofSeconds(3));
    assertThat(RedisBackendSettings.of(unset, spring, null).commandTimeout())
        .isEqualTo(Duration.ofSeconds(3));

    BatonProperties.Redis own = new BatonProperties.Redis(null, null, Duration.ofSeconds(1));
    RedisBackendOptions options = RedisBackendSettings.of(own, spring, null);
    assertThat(options.commandTimeout()).isEqualTo(Duration.ofSeconds(1));
    assertThat(options.lease()).isEqualTo(Duration.ofSeconds(30));
    assertThat(options.keyPrefix()).isEqualTo("baton");
  }
}
