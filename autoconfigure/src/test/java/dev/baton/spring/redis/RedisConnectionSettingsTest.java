package dev.baton.spring.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.baton.Permit;
import dev.baton.redis.RedisBackend;
import dev.baton.redis.RedisServer;
import dev.baton.spring.BatonAutoConfiguration;
import dev.baton.spring.PrimitiveRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;

/**
 * Baton's own connections against what a Spring Boot user configured through
 * {@code spring.data.redis.*} or a {@link DataRedisConnectionDetails} bean: each test first
 * shows, as the control, that Spring Data's own connection factory, built by Spring Boot from
 * the same settings, reaches the real {@code redis-server}; then that Baton does too.
 */
class RedisConnectionSettingsTest {

  private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class,
          BatonRedisAutoConfiguration.class, BatonAutoConfiguration.class))
      .withPropertyValues("baton.redis.lease=1s");

  /** {@code redis://:secret@host:port/2}: a password for the default user, the common form. */
  @Test
  void urlWithAPasswordAndNoUsernameShouldAuthenticateAsTheDefaultUser() {
    try (RedisServer server = RedisServer.startedAhead()) {
      server.cli("CONFIG", "SET", "requirepass", "secret");
      ApplicationContextRunner runner = contextRunner.withPropertyValues(
          "spring.data.redis.url=redis://:secret@127.0.0.1:" + server.port() + "/2");
      assertBothConnect(runner);
    }
  }

  /**
   * {@code spring.data.redis.username} without a password: an ACL user with {@code nopass},
   * the only user allowed in (the default user is off). Spring Data logs in as that user.
   */
  @Test
  void usernameWithoutAPasswordShouldLogInAsThatUser() {
    try (RedisServer server = RedisServer.start(
        "--user", "baton", "on", "nopass", "~*", "&*", "+@all")) {
      server.cli("ACL", "SETUSER", "default", "off");
      ApplicationContextRunner runner = contextRunner.withPropertyValues(
          "spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + server.port(),
          "spring.data.redis.username=baton");
      assertBothConnect(runner);
    }
  }

  /**
   * A {@link DataRedisConnectionDetails} bean (a Testcontainers or Docker Compose service
   * connection) wins over the properties: it names no SSL bundle, so the connection is plain
   * even though {@code spring.data.redis.ssl.enabled=true} is left in the properties (for
   * production). Spring Boot's own factory connects in plain text; so should Baton.
   */
  @Test
  void connectionDetailsWithoutAnSslBundleShouldWinOverSslEnabled() {
    try (RedisServer server = RedisServer.startedAhead()) {
      ApplicationContextRunner runner = contextRunner
          .withUserConfiguration(ServiceConnection.class)
          .withPropertyValues("spring.data.redis.ssl.enabled=true",
              "test.redis.port=" + server.port());
      assertBothConnect(runner);
    }
  }

  /** {@code spring.data.redis.client-name} names every connection, Baton's included. */
  @Test
  void clientNameShouldNameBatonsConnections() {
    try (RedisServer server = RedisServer.startedAhead()) {
      contextRunner.withPropertyValues("baton.backend=redis",
          "spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + server.port(),
          "spring.data.redis.client-name=orders-app").run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(server.cli("CLIENT", "LIST").lines()
                .filter(line -> !line.contains("cmd=client")))
                .as("Baton's connections").isNotEmpty()
                .allMatch(line -> line.contains(" name=orders-app "));
          });
    }
  }

  /**
   * A Redis that accepts the TCP connection but never answers (hung, or not Redis), given as the
   * host and port or as a cluster's seed node: with {@code spring.data.redis.timeout=500ms}
   * start-up fails, naming the address, within a few seconds, as Spring Data's handshake would
   * time out after 500 ms; not after Lettuce's 60-second default.
   */
  @ParameterizedTest
  @ValueSource(strings = {"host", "cluster"})
  void aServerThatNeverAnswersShouldFailStartUpWithinTheTimeout(String givenAs)
      throws IOException {
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      String[] properties = givenAs.equals("cluster")
          ? new String[] {"spring.data.redis.timeout=500ms",
              "spring.data.redis.cluster.nodes=127.0.0.1:" + silent.getLocalPort()}
          : new String[] {"spring.data.redis.timeout=500ms"};
      CompletableFuture<Throwable> failure = startUp(silent.getLocalPort(), properties);
      await().atMost(Duration.ofSeconds(15)).until(failure::isDone);
      assertThat(failure.join()).isNotNull()
          .hasStackTraceContaining("127.0.0.1:" + silent.getLocalPort());
    }
  }

  /**
   * A host that drops the connection attempt (here: a listen backlog that is full): with
   * {@code spring.data.redis.connect-timeout=500ms} start-up fails within a few seconds, not
   * after Lettuce's 10-second default connect timeout, nor after the command timeout.
   */
  @Test
  void connectTimeoutShouldBoundTheConnectionAttempt() throws IOException {
    try (ServerSocket full = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        Socket one = fill(full);
        Socket two = fill(full)) {
      CompletableFuture<Throwable> failure = startUp(full.getLocalPort(),
          "spring.data.redis.connect-timeout=500ms", "spring.data.redis.timeout=20s");
      await().atMost(Duration.ofSeconds(5)).until(failure::isDone);
      assertThat(failure.join()).isNotNull()
          .hasStackTraceContaining("127.0.0.1:" + full.getLocalPort());
    }
  }

  /** Starts a Baton context against {@code port} elsewhere; completes with its failure. */
  private CompletableFuture<Throwable> startUp(int port, String... properties) {
    CompletableFuture<Throwable> failure = new CompletableFuture<>();
    Thread starter = new Thread(() -> contextRunner.withPropertyValues("baton.backend=redis",
        "spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + port)
        .withPropertyValues(properties)
        .run(context -> failure.complete(context.getStartupFailure())));
    starter.setDaemon(true);
    starter.start();
    return failure;
  }

  private static Socket fill(ServerSocket server) throws IOException {
    Socket socket = new Socket();
    socket.connect(new InetSocketAddress(server.getInetAddress(), server.getLocalPort()), 2000);
    return socket;
  }

  /**
   * Spring Data's own connection from {@code runner}'s settings reaches the server (the control),
   * and so does Baton's, which then takes and releases a lock.
   */
  private static void assertBothConnect(ApplicationContextRunner runner) {
    assertThat(springDataPings(runner)).as("Spring Data's own connection").isEqualTo("PONG");
    runner.withPropertyValues("baton.backend=redis").run(context -> {
      assertThat(context).hasNotFailed();
      usesTheLock(context.getBean(PrimitiveRegistry.class), context.getBean(RedisBackend.class));
    });
  }

  /** Pings through the connection factory Spring Boot builds, with Baton left local. */
  private static String springDataPings(ApplicationContextRunner runner) {
    String[] pong = new String[1];
    runner.run(context -> {
      assertThat(context).hasNotFailed();
      try (RedisConnection connection = context.getBean(RedisConnectionFactory.class)
          .getConnection()) {
        pong[0] = connection.ping();
      }
    });
    return pong[0];
  }

  private static void usesTheLock(PrimitiveRegistry registry, RedisBackend backend)
      throws Exception {
    await().atMost(Duration.ofSeconds(10)).until(() -> !backend.isQuarantined());
    Permit permit = registry.lock("ledger").acquire().get(5, TimeUnit.SECONDS);
    permit.release();
  }

  /** A service connection to 127.0.0.1:{@code test.redis.port}, plain text. */
  @Configuration(proxyBeanMethods = false)
  static class ServiceConnection {

    @Bean
    DataRedisConnectionDetails redisConnectionDetails(
        org.springframework.core.env.Environment environment) {
      int port = Integer.parseInt(environment.getRequiredProperty("test.redis.port"));
      return new DataRedisConnectionDetails() {
        @Override
        public Standalone getStandalone() {
          return Standalone.of("127.0.0.1", port);
        }
      };
    }
  }
}
