package dev.baton.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.baton.AcquireTimeoutException;
import dev.baton.AsyncQueue;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A queue's waits across a killed pub/sub connection and a restart that lost Redis's data, also
 * with items flowing. Each test has a server of its own.
 */
class RedisQueueFaultsTest {

  static final Duration LEASE = Duration.ofSeconds(3);

  RedisServer server;
  RedisBackend one;
  RedisBackend two;

  @BeforeEach
  void start() {
    server = RedisServer.startedAhead();
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

  /** A put waiting for room whose pub/sub message was missed is committed when it renews. */
  @Test
  void aPutWhoseRoomMessageWasMissedIsCommittedWhenItRenews() throws Exception {
    await().atMost(LEASE.multipliedBy(3)).until(() -> !one.isQuarantined() && !two.isQuarantined());
    AsyncQueue<String> a = RedisQueueTest.fifo(one, "deaf-put", 1);
    AsyncQueue<String> b = RedisQueueTest.fifo(two, "deaf-put", 1);
    a.put("first").join();
    CompletableFuture<Void> put = b.put("second");
    await().until(() -> a.putters() == 1);
    server.cli("CLIENT", "KILL", "TYPE", "pubsub");
    assertThat(a.take().get(5, TimeUnit.SECONDS)).isEqualTo("first");
    put.get(LEASE.toMillis() * 2, TimeUnit.MILLISECONDS);
    assertThat(a.take().get(5, TimeUnit.SECONDS)).isEqualTo("second");
    a.taskDone();
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

  @Test
  void aRestartMidStreamLosesAtMostWhatRedisHeldAndDuplicatesNothing() throws Exception {
    int capacity = 20;
    int items = 400;
    AsyncQueue<String> producerSide = RedisQueueTest.fifo(one, "flow", capacity);
    AsyncQueue<String> consumerSide = RedisQueueTest.fifo(two, "flow", capacity);
    Set<Integer> confirmed = ConcurrentHashMap.newKeySet();
    Set<Integer> maybe = ConcurrentHashMap.newKeySet(); // the put failed: in Redis or not
    List<Integer> taken = new CopyOnWriteArrayList<>();
    AtomicBoolean produced = new AtomicBoolean();
    Thread producer = new Thread(() -> {
      for (int i = 0; i < items; i++) {
        try {
          producerSide.put(Integer.toString(i)).get(10, TimeUnit.SECONDS);
          confirmed.add(i);
        } catch (Exception e) {
          maybe.add(i);
          await().atMost(LEASE.multipliedBy(2)).until(one::isConnected);
        }
      }
      produced.set(true);
    });
    Thread consumer = new Thread(() -> {
      while (true) {
        try {
          taken.add(Integer.parseInt(consumerSide.take(Duration.ofMillis(500))
              .get(5, TimeUnit.SECONDS)));
        } catch (ExecutionException e) {
          if (e.getCause() instanceof AcquireTimeoutException && produced.get()) {
            return; // drained
          }
        } catch (Exception e) {
          return;
        }
      }
    });
    producer.start();
    consumer.start();
    await().atMost(Duration.ofSeconds(30)).until(() -> taken.size() >= items / 4);

    server.restart();
    producer.join(TimeUnit.SECONDS.toMillis(60));
    consumer.join(TimeUnit.SECONDS.toMillis(60));

    assertThat(new HashSet<>(taken)).as("no item taken twice").hasSize(taken.size());
    assertThat(taken).as("one producer's items in its order").isSorted();
    List<Integer> unknown = new ArrayList<>(taken);
    unknown.removeAll(confirmed);
    assertThat(maybe).as("only items whose put failed can be missing from the confirmed")
        .containsAll(unknown);
    Set<Integer> lost = new HashSet<>(confirmed);
    taken.forEach(lost::remove);
    assertThat(lost).as("lost: at most what Redis held (queued, or handed and not yet"
        + " acknowledged) when it restarted").hasSizeLessThanOrEqualTo(capacity + 1);
    System.out.printf("restart mid-stream: %d put, %d of them failed, %d taken, %d lost%n",
        confirmed.size() + maybe.size(), maybe.size(), taken.size(), lost.size());
  }

  /**
   * A put waiting in an instance paused (here: its renewal thread kept busy) for longer than a
   * lease is forgotten by Redis, and sent again when the instance wakes: its item is added once
   * room is made, and its future completes.
   */
  @Test
  void aWaitingPutForgottenWhileItsInstanceWasPausedIsSentAgainWhenItWakes() throws Exception {
    await().atMost(LEASE.multipliedBy(3)).until(() -> !one.isQuarantined() && !two.isQuarantined());
    AsyncQueue<String> paused = RedisQueueTest.fifo(one, "paused-put", 1);
    AsyncQueue<String> other = RedisQueueTest.fifo(two, "paused-put", 1);
    other.put("first").join();
    CompletableFuture<Void> put = paused.put("second");
    await().until(() -> other.putters() == 1);
    CountDownLatch resume = RedisFaultsTest.stallRenewals(one);
    try {
      await("Redis forgets the paused instance's put").atMost(LEASE.multipliedBy(3))
          .until(() -> other.putters() == 0);
    } finally {
      resume.countDown();
    }
    await("the put, sent again").atMost(LEASE.multipliedBy(2)).until(() -> other.putters() == 1);
    assertThat(put).isNotDone();
    assertThat(other.take().get(5, TimeUnit.SECONDS)).isEqualTo("first");
    put.get(5, TimeUnit.SECONDS);
    assertThat(other.take().get(5, TimeUnit.SECONDS)).isEqualTo("second");
    assertThat(other.size()).isZero();
    other.taskDone();
    other.taskDone();
    await().until(() -> server.keys().isEmpty());
  }

  private RedisBackend connect() {
    return RedisBackend.connect(server.uri(), RedisBackendOptions.DEFAULTS.withLease(LEASE)
        .withCommandTimeout(Duration.ofSeconds(1)));
  }
}
