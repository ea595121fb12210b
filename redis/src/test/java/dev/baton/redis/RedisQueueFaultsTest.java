package dev.baton.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.baton.AsyncQueue;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A queue's waits across a killed pub/sub connection and a restart that lost Redis's data. Each
 * test has a server of its own.
 */
class RedisQueueFaultsTest {

  static final Duration LEASE = Duration.ofSeconds(3);

  RedisServer server;
  RedisBackend one;
  RedisBackend two;

  @BeforeEach
  void start() {
    server = RedisServer.start();
    one = connect();
    two = connect();
  }

  @AfterEach
  void stop() {
    one.close();
    two.close();
    server.close();
  }

  @Test
  void aTakeWhoseDeliveryMessageWasMissedClaimsItsItemWhenItRenews() throws Exception {
    AsyncQueue<String> a = RedisQueueTest.fifo(one, "deaf", 10);
    CompletableFuture<String> take = RedisQueueTest.fifo(two, "deaf", 10).take();
    await().until(() -> a.takers() == 1);
    server.cli("CLIENT", "KILL", "TYPE", "pubsub");
    a.put("missed").join();
    assertThat(take.get(LEASE.toMillis() * 2, TimeUnit.MILLISECONDS)).isEqualTo("missed");
    a.taskDone();
    await().until(() -> server.keys().isEmpty());
  }

  @Test
  void waitsThatRedisForgotInARestartAreQueuedAgain() throws Exception {
    AsyncQueue<String> a = RedisQueueTest.fifo(one, "amnesia", 1);
    AsyncQueue<String> b = RedisQueueTest.fifo(two, "amnesia", 1);
    CompletableFuture<String> take = b.take();
    await().until(() -> a.takers() == 1);

    server.restart();
    await().ignoreExceptions().atMost(LEASE.multipliedBy(2)).until(() -> a.takers() == 1);
    a.put("after").join();
    assertThat(take.get(LEASE.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo("after");

    a.put("full").join();
    CompletableFuture<Void> joined = b.join();
    CompletableFuture<Void> put = b.put("waiting");
    await().until(() -> a.putters() == 1);
    server.restart();
    put.get(LEASE.toMillis() * 2, TimeUnit.MILLISECONDS);
    await().ignoreExceptions().until(() -> "waiting".equals(a.poll()));
    a.taskDone();
    assertThat(joined).as("the unfinished tasks were lost with the data")
        .succeedsWithin(LEASE.multipliedBy(2));
    await().until(() -> server.keys().isEmpty());
  }

  private RedisBackend connect() {
    return RedisBackend.connect(server.uri(), RedisBackendOptions.DEFAULTS.withLease(LEASE)
        .withCommandTimeout(Duration.ofSeconds(1)));
  }
}
