package dev.baton.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import dev.baton.Permit;
import io.lettuce.core.RedisURI;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The ACL user's password changes on the server ({@code ACL SETUSER resetpass}) and its
 * connections are dropped ({@code CLIENT KILL USER}, as a rotation or a restart does): the
 * backend cannot log in again. Its calls fail as unavailable naming the address, its held permit
 * is lost after a lease and granted to another instance once, its reconnects back off rather
 * than hammer the server, and it works again once the password it has is valid again.
 */
class RedisPasswordChangeTest {

  static final Duration LEASE = Duration.ofSeconds(2);
  static final RedisBackendOptions OPTIONS = RedisBackendOptions.DEFAULTS.withLease(LEASE)
      .withCommandTimeout(Duration.ofSeconds(1));

  @Test
  void aBackendWhosePasswordWasChangedFailsAsUnavailableUntilItIsValidAgain() throws Exception {
    try (RedisServer server = RedisServer.start("--user", "app", "on", ">pw", "~*", "&*",
        "+@all");
        RedisBackend rotated = RedisBackend.connect(as(server, "pw"), OPTIONS);
        RedisBackend other = RedisBackend.connect(server.uri(), OPTIONS)) {
      await().atMost(LEASE.multipliedBy(3)).until(() -> !rotated.isQuarantined());
      Permit held = rotated.lock("ledger").acquire().get(5, TimeUnit.SECONDS);

      assertThat(server.cli("ACL", "SETUSER", "app", "resetpass", ">rotated")).isEqualTo("OK");
      assertThat(server.cli("CLIENT", "KILL", "USER", "app")).isEqualTo("2");
      long connectionsBefore = connectionsReceived(server);
      assertThat(catchThrowable(() -> rotated.lock("other").acquire().get(5, TimeUnit.SECONDS)))
          .isInstanceOf(ExecutionException.class).cause()
          .isInstanceOf(RedisUnavailableException.class)
          .hasMessageStartingWith("Redis at 127.0.0.1:" + server.port() + " is unavailable");

      Permit taken = other.lock("ledger").acquire(LEASE.multipliedBy(3))
          .get(10, TimeUnit.SECONDS);
      await().atMost(LEASE.multipliedBy(2)).until(() -> rotated.lostLeases() == 1);
      assertThat(((RedisPermit) held).isLost()).isTrue();
      assertThatThrownBy(held::release).isInstanceOf(LeaseLostException.class);
      long attempts = connectionsReceived(server) - connectionsBefore;
      // Two connections, each backing off (Lettuce: exponential, up to 30 s) over some 3 s.
      assertThat(attempts).as("reconnect attempts while the password was refused")
          .isPositive().isLessThan(40);

      assertThat(server.cli("ACL", "SETUSER", "app", ">pw")).isEqualTo("OK");
      await().atMost(Duration.ofSeconds(40)).ignoreExceptions().until(() -> {
        rotated.lock("after").acquire(Duration.ofMillis(200)).get(5, TimeUnit.SECONDS)
            .release();
        return true;
      });
      assertThat(rotated.lock("ledger").tryAcquire()).as("still held by the other instance")
          .isEmpty();
      taken.release();
    }
  }

  /**
   * The same refusal, as a caller sees it: the exception says that Redis refused the
   * credentials (its WRONGPASS), not only that the connection is down, which sends one looking
   * for a network problem (as the start-up refusals say, README "Start-up fails naming the
   * address").
   */
  @Test
  void aCallWhileThePasswordIsRefusedSaysSo() throws Exception {
    try (RedisServer server = RedisServer.start("--user", "app", "on", ">pw", "~*", "&*",
        "+@all");
        RedisBackend rotated = RedisBackend.connect(as(server, "pw"), OPTIONS)) {
      server.cli("ACL", "SETUSER", "app", "resetpass", ">rotated");
      server.cli("CLIENT", "KILL", "USER", "app");
      // Once a reconnect has been refused.
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(catchThrowable(
          () -> rotated.lock("ledger").acquire().get(5, TimeUnit.SECONDS))).cause()
          .isInstanceOf(RedisUnavailableException.class).hasMessageContaining("WRONGPASS"));
    }
  }

  private static RedisURI as(RedisServer server, String password) {
    return RedisURI.builder().withHost("127.0.0.1").withPort(server.port())
        .withAuthentication("app", password.toCharArray()).withTimeout(Duration.ofSeconds(2))
        .build();
  }

  private static long connectionsReceived(RedisServer server) {
    return Long.parseLong(server.cli("INFO", "stats").lines()
        .filter(line -> line.startsWith("total_connections_received:")).findFirst()
        .orElseThrow().substring("total_connections_received:".length()).trim());
  }
}
