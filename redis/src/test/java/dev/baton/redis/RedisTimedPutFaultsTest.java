package dev.baton.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.baton.AcquireTimeoutException;
import dev.baton.AsyncQueue;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * README, "Cancellation": "A timed wait that Redis runs only after its timeout has passed (a slow
 * or briefly paused server) fails as timed out, with AcquireTimeoutException, not as
 * unreachable", and "Queues": "a put that timed out added nothing". RedisFaultsTest holds this
 * for an acquire, a condition's await and a take; these are the same for a put on a full queue.
 */
class RedisTimedPutFaultsTest {

  static final Duration LEASE = Duration.ofSeconds(3);
  static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(1);

  RedisServer server;
  RedisBackend one;
  RedisBackend two;

  @BeforeEach
  void start() {
    server = RedisServer.startedAhead();
    one = connect();
    two = connect();
    await().atMost(LEASE.multipliedBy(3))
        .until(() -> !one.isQuarantined() && !two.isQuarantined());
  }

  @AfterEach
  void stop() {
    one.close();
    two.close();
    server.close();
  }

  @Test
  void aTimedPutOfAPausedServerFailsAfterItsTimeoutAndAddsNothingWhenItWakes() throws Exception {
    AsyncQueue<String> queue = one.queue("stale-put", QueueSpec.fifo(1), ItemCodec.strings());
    AsyncQueue<String> other = two.queue("stale-put", QueueSpec.fifo(1), ItemCodec.strings());
    assertThat(other.offer("first")).isTrue();
    Duration timeout = Duration.ofMillis(300);
    long latest = timeout.plus(COMMAND_TIMEOUT).toMillis() + 500;
    server.pause();
    try {
      long start = System.nanoTime();
      CompletableFuture<Void> put = queue.put("stale", timeout);
      // its CANCEL unanswered too, it cannot say that its item was not added: it fails as
      // unreachable ("one that failed with RedisUnavailableException may have added its item")
      assertThatThrownBy(() -> put.get(latest, TimeUnit.MILLISECONDS))
          .cause().isInstanceOfAny(AcquireTimeoutException.class, RedisUnavailableException.class);
      assertThat((System.nanoTime() - start) / 1_000_000).as("failed after its timeout")
          .isGreaterThanOrEqualTo(timeout.toMillis());
    } finally {
      server.resume();
    }
    assertThat(other.poll()).isEqualTo("first");
    other.taskDone();
    assertThat(other.poll()).as("the put that timed out added nothing").isNull();
    assertThat(other.unfinishedTasks()).isZero();
    await().until(() -> server.keys().isEmpty());
  }

  @Test
  void aTimedPutThatRedisRunsAfterItsTimeoutTimesOutEvenBeforeItsTimerFires() throws Exception {
    Duration timeout = Duration.ofMillis(100);
    AsyncQueue<String> queue = one.queue("late-put", QueueSpec.fifo(1), ItemCodec.strings());
    assertThat(queue.offer("first")).isTrue();
    CountDownLatch timers = RedisFaultsTest.stallRenewals(one);
    CompletableFuture<Void> put;
    try {
      server.pause();
      try {
        long deadline = one.redisNow() + timeout.toMillis();
        put = queue.put("late", timeout);
        await().pollDelay(Duration.ZERO).until(() -> one.redisNow() > deadline + 300);
      } finally {
        server.resume();
      }
      assertThat(put).failsWithin(Duration.ofSeconds(5))
          .withThrowableOfType(ExecutionException.class)
          .withCauseInstanceOf(AcquireTimeoutException.class);
    } finally {
      timers.countDown();
    }
    assertThat(queue.poll()).isEqualTo("first");
    queue.taskDone();
    assertThat(queue.poll()).as("the put that timed out added nothing").isNull();
    await().until(() -> server.keys().isEmpty());
  }

  private RedisBackend connect() {
    return RedisBackend.connect(server.uri(), RedisBackendOptions.DEFAULTS.withLease(LEASE)
        .withCommandTimeout(COMMAND_TIMEOUT));
  }
}
