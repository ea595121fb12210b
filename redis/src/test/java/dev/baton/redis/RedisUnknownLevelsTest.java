package dev.baton.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link RemoteLevels.Levels#known()}: "false when Redis has not yet answered a read of this
 * primitive". A queue is a {@link RemoteLevels} too, and must not read as known-empty before
 * Redis has answered.
 */
class RedisUnknownLevelsTest {

  static final Duration LEASE = Duration.ofSeconds(3);
  static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(1);

  RedisServer server;
  RedisBackend backend;

  @BeforeEach
  void start() {
    server = RedisServer.startedAhead();
    backend = RedisBackend.connect(server.uri(), RedisBackendOptions.DEFAULTS.withLease(LEASE)
        .withCommandTimeout(COMMAND_TIMEOUT));
    await().atMost(LEASE.multipliedBy(3)).until(() -> !backend.isQuarantined());
  }

  @AfterEach
  void stop() {
    backend.close();
    server.close();
  }

  @Test
  void aQueueRedisNeverAnsweredReadsUnknownLikeTheOtherPrimitives() {
    RemoteLevels lock = (RemoteLevels) backend.lock("never-read-lock");
    RemoteLevels queue = (RemoteLevels) backend.queue("never-read-queue", QueueSpec.fifo(4),
        ItemCodec.strings());
    server.pause();
    try {
      assertThat(lock.levels().known()).as("a lock Redis never answered").isFalse();
      assertThat(((RemoteQueueLevels) queue).queueLevels().known())
          .as("the queue's queueLevels()").isFalse();
      assertThat(queue.levels().known()).as("the queue's levels()").isFalse();
    } finally {
      server.resume();
    }
  }
}
