package dev.baton.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisReadOnlyException;
import java.io.IOException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Which start-up failures are the server's answer, and what their message says; the replies
 * a real server gives are in the autoconfigure module's {@code RedisStartUpRefusalsTest}.
 */
class RefusalsTest {

  @Test
  void aReplyAnywhereInTheCauseChainIsQuotedWithWhatToChange() {
    Throwable failure = new CompletionException(new RedisConnectionException("Unable to connect",
        new RedisReadOnlyException("READONLY You can't write against a read only replica.")));
    assertThat(Refusals.of("db:6379", "app", failure).orElseThrow())
        .isInstanceOf(IllegalStateException.class).hasCause(failure)
        .hasMessage("Redis at db:6379 refused Baton's start-up, answering 'READONLY You can't"
            + " write against a read only replica.': it is a read-only replica: point"
            + " spring.data.redis.* at the primary, or use Sentinel");
  }

  @Test
  void aReplyBatonDoesNotKnowIsQuotedAlone() {
    assertThat(Refusals.of("db:6379", "app",
        new RedisCommandExecutionException("ERR max number of clients reached")).orElseThrow())
        .hasMessage("Redis at db:6379 refused Baton's start-up, answering 'ERR max number of"
            + " clients reached'");
  }

  /**
   * Lettuce reports a connection whose handshake the server refused before Lettuce looked at it
   * without the server's answer; start-up connects once more and reports the answer it reads.
   */
  @Test
  void aConnectWhoseAnswerLettuceLostIsTriedOnceMoreToReadIt() {
    AtomicInteger tries = new AtomicInteger();
    Supplier<Connections> refused = () -> {
      throw tries.incrementAndGet() == 1
          ? RedisConnectionException.create("db:6379",
              new IllegalStateException("RedisHandshakeHandler not registered"))
          : new RedisConnectionException("Unable to connect",
              new RedisCommandExecutionException("ERR DB index is out of range"));
    };

    assertThatThrownBy(() -> RedisBackend.connect(refused, "db:6379",
        RedisBackendOptions.DEFAULTS))
        .hasMessageStartingWith("Redis at db:6379 refused Baton's start-up, answering 'ERR DB"
            + " index is out of range': spring.data.redis.database must be below");
    assertThat(tries).hasValue(2);
  }

  @Test
  void aConnectThatFailsWithoutLosingAnAnswerIsTriedOnce() {
    AtomicInteger tries = new AtomicInteger();
    Supplier<Connections> unreachable = () -> {
      tries.incrementAndGet();
      throw new RedisConnectionException("Unable to connect",
          new IOException("Connection refused"));
    };

    assertThatThrownBy(() -> RedisBackend.connect(unreachable, "db:6379",
        RedisBackendOptions.DEFAULTS))
        .isInstanceOf(RedisUnavailableException.class)
        .hasMessage("Redis at db:6379 is unavailable: could not connect: Unable to connect");
    assertThat(tries).hasValue(1);
  }

  @Test
  void aFailureWithoutAReplyIsNoRefusal() {
    assertThat(Refusals.of("db:6379", "app", new RedisConnectionException("Unable to connect",
        new IOException("Connection refused")))).isEmpty();
  }
}
