package dev.baton.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisReadOnlyException;
import java.io.IOException;
import java.util.concurrent.CompletionException;
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

  @Test
  void aFailureWithoutAReplyIsNoRefusal() {
    assertThat(Refusals.of("db:6379", "app", new RedisConnectionException("Unable to connect",
        new IOException("Connection refused")))).isEmpty();
  }
}
