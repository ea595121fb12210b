package dev.baton.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import io.lettuce.core.RedisURI;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Reaching the master through Sentinels that ask for a password, or that are down when the
 * backend starts: a Sentinel whose default user has a password is logged into with the
 * credentials its URI holds, by the master lookup and by the subscription that follows switches;
 * a Sentinel down at start is subscribed to once it is up; with every Sentinel down, start-up
 * fails as unavailable, naming the master and the Sentinels.
 */
class RedisSentinelReachTest {

  static final RedisBackendOptions OPTIONS = RedisBackendOptions.DEFAULTS
      .withLease(Duration.ofSeconds(1)).withCommandTimeout(Duration.ofSeconds(2));
  static final Duration PATIENCE = Duration.ofSeconds(20);

  @Test
  void aSentinelWithAPasswordIsLoggedIntoWithTheCredentialsOfItsUri() throws Exception {
    try (RedisServer master = RedisServer.startedAhead();
        RedisServer sentinel = RedisServer.startSentinel(master, "orders")) {
      assertThat(sentinel.cli("ACL", "SETUSER", "default", "on", "resetpass", ">sentinel-pw"))
          .isEqualTo("OK");
      RedisURI uri = RedisURI.builder().withSentinelMasterId("orders")
          .withSentinel(RedisURI.builder().withHost("127.0.0.1").withPort(sentinel.port())
              .withPassword("sentinel-pw".toCharArray()).build())
          .withTimeout(Duration.ofSeconds(2)).build();
      try (RedisBackend backend = RedisBackend.connect(uri, OPTIONS)) {
        backend.lock("ledger").acquire().get(5, TimeUnit.SECONDS).release();
        assertThat(master.cli("PUBSUB", "CHANNELS")).contains("baton:jvm:");
        await().atMost(PATIENCE).untilAsserted(() -> assertThat(sentinel.cli("-a",
            "sentinel-pw", "--no-auth-warning", "CLIENT", "LIST"))
            .as("the subscription that follows switches, logged in").contains("flags=P")
            .contains("cmd=subscribe"));
      }
    }
  }

  @Test
  void everySentinelDownFailsStartUpAsUnavailableNamingThem() throws Exception {
    int first = RedisServer.freePort();
    int second = RedisServer.freePort();
    RedisURI uri = RedisURI.Builder.sentinel("127.0.0.1", first, "orders")
        .withSentinel("127.0.0.1", second).withTimeout(Duration.ofSeconds(2)).build();
    Throwable failure = catchThrowable(() -> RedisBackend.connect(uri, OPTIONS).close());
    assertThat(failure).isInstanceOf(RedisUnavailableException.class).hasMessageStartingWith(
        "Redis at sentinel master 'orders' via [127.0.0.1:" + first + ", 127.0.0.1:" + second
        + "] is unavailable: could not connect");
  }

  /**
   * The first Sentinel listed is down at start: the master is found through the second, and the
   * first is subscribed to once it is back (tried again every few seconds), so that its
   * announcements are followed too.
   */
  @Test
  void aSentinelDownAtStartIsSubscribedToOnceItIsUp() throws Exception {
    try (RedisServer master = RedisServer.startedAhead();
        RedisServer down = RedisServer.startSentinel(master, "orders");
        RedisServer up = RedisServer.startSentinel(master, "orders")) {
      down.stop();
      RedisURI uri = RedisURI.Builder.sentinel("127.0.0.1", down.port(), "orders")
          .withSentinel("127.0.0.1", up.port()).withTimeout(Duration.ofSeconds(2)).build();
      try (RedisBackend backend = RedisBackend.connect(uri, OPTIONS)) {
        backend.lock("ledger").acquire().get(5, TimeUnit.SECONDS).release();
        assertThat(master.keys()).contains("{baton:lock:ledger}:released");
        await().atMost(PATIENCE).untilAsserted(() ->
            assertThat(up.cli("CLIENT", "LIST")).contains("flags=P"));
        down.restart();
        await().atMost(PATIENCE).untilAsserted(() -> assertThat(down.cli("CLIENT", "LIST"))
            .as("subscribed to the Sentinel that came up").contains("flags=P"));
      }
    }
  }
}
