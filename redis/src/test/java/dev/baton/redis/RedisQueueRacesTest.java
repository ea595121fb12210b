package dev.baton.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.baton.AsyncQueue;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Many producers and consumers, and cancels racing puts and takes, across two backends. */
class RedisQueueRacesTest {

  static final int ITEMS = Integer.getInteger("baton.queueStressItems", 100_000);
  static final String STOP = "STOP";

  @RegisterExtension
  static final SharedRedis redis = new SharedRedis();

  final RedisBackend one = redis.one();
  final RedisBackend two = redis.two();

  @Test
  void fourProducersAndFourConsumersLoseAndDuplicateNothingAndKeepEachProducersOrder()
      throws Exception {
    int producers = 4;
    int consumers = 4;
    List<AsyncQueue<String>> queues = List.of(
        RedisQueueTest.fifo(one, "stress", 1000), RedisQueueTest.fifo(two, "stress", 1000));
    List<List<String>> received = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    for (int c = 0; c < consumers; c++) {
      AsyncQueue<String> queue = queues.get(c % 2);
      List<String> mine = new ArrayList<>();
      received.add(mine);
      threads.add(new Thread(() -> {
        for (String item = queue.take().join(); !item.equals(STOP); item = queue.take().join()) {
          mine.add(item);
          queue.taskDone();
        }
        queue.taskDone();
      }));
    }
    List<Thread> putters = new ArrayList<>();
    for (int p = 0; p < producers; p++) {
      AsyncQueue<String> queue = queues.get(p % 2);
      int producer = p;
      putters.add(new Thread(() -> {
        for (int i = producer; i < ITEMS; i += producers) {
          queue.put(producer + ":" + i).join();
        }
      }));
    }
    long start = System.nanoTime();
    threads.forEach(Thread::start);
    putters.forEach(Thread::start);
    for (Thread t : putters) {
      t.join();
    }
    for (int c = 0; c < consumers; c++) {
      queues.get(0).put(STOP).join();
    }
    for (Thread t : threads) {
      t.join(TimeUnit.SECONDS.toMillis(60));
    }
    System.out.printf("%d items through Redis in %d ms%n", ITEMS,
        (System.nanoTime() - start) / 1_000_000);
    Set<String> all = new HashSet<>();
    for (List<String> mine : received) {
      int[] last = new int[producers];
      java.util.Arrays.fill(last, -1);
      for (String item : mine) {
        assertThat(all.add(item)).as("taken once: %s", item).isTrue();
        String[] parts = item.split(":");
        int producer = Integer.parseInt(parts[0]);
        int seq = Integer.parseInt(parts[1]);
        assertThat(seq).as("producer %d's order", producer).isGreaterThan(last[producer]);
        last[producer] = seq;
      }
    }
    assertThat(all).hasSize(ITEMS);
    await().until(() -> keysOf("stress").isEmpty());
  }

  @Test
  void aCancelRacingAPutOrATakeNeverLosesNorAddsAnItem() throws Exception {
    AsyncQueue<String> a = RedisQueueTest.fifo(one, "race", 1);
    AsyncQueue<String> b = RedisQueueTest.fifo(two, "race", 1);
    Set<String> seen = new HashSet<>();
    int cancelledTakes = 0;
    for (int round = 0; round < 2000; round++) {
      CompletableFuture<String> take = b.take();
      String item = "t" + round;
      race(() -> take.cancel(false), () -> a.put(item).join());
      if (!take.isCancelled()) {
        assertThat(seen.add(take.get(5, TimeUnit.SECONDS))).isTrue();
      } else {
        cancelledTakes++;
        AtomicReference<String> back = new AtomicReference<>();
        await().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1))
            .until(() -> back.updateAndGet(got -> got != null ? got : a.poll()) != null);
        assertThat(seen.add(back.get())).isTrue();
      }
      a.taskDone();
    }
    assertThat(seen).hasSize(2000);

    int committedThoughCancelled = 0;
    for (int round = 0; round < 2000; round++) {
      a.offer("fill" + round);
      String item = "p" + round;
      CompletableFuture<Void> put = a.put(item);
      AtomicReference<String> taken = new AtomicReference<>();
      race(() -> put.cancel(false), () -> taken.set(b.take().join()));
      assertThat(taken.get()).isEqualTo("fill" + round);
      b.taskDone();
      int size = a.size(); // read on a's connection: after the put's cancel reached Redis
      if (!put.isCancelled()) {
        assertThat(size).as("a put that completed added its item").isEqualTo(1);
      }
      if (size == 1) {
        committedThoughCancelled += put.isCancelled() ? 1 : 0;
        assertThat(a.poll()).isEqualTo(item);
        a.taskDone();
      }
      assertThat(a.size()).isZero();
    }
    System.out.printf("cancelled takes: %d of 2000; puts committed before their cancel: %d%n",
        cancelledTakes, committedThoughCancelled);
    await().until(() -> keysOf("race").isEmpty());
  }

  /**
   * API.md: a cancelled take never loses an item. A take with a zero timeout cancelled before
   * this JVM handled Redis's reply gives back the item Redis handed it, for the next take.
   */
  @Test
  void aZeroTimeoutTakeCancelledBeforeRedisAnswersLosesNoItem() throws Exception {
    AsyncQueue<String> queue = RedisQueueTest.fifo(one, "zero-take", 10);
    queue.put("x").get(5, TimeUnit.SECONDS);
    CountDownLatch resume = RedisFaultsTest.stallCallbacks(one);
    try {
      CompletableFuture<String> take = queue.take(Duration.ZERO);
      assertThat(take.cancel(false)).as("cancelled before its reply was handled").isTrue();
    } finally {
      resume.countDown();
    }
    // Given back by the cancel, or by the next script once the hand-off's lease ran out.
    await().atMost(SharedRedis.LEASE.multipliedBy(2)).untilAsserted(() ->
        assertThat(queue.poll()).as("the item of the cancelled take").isEqualTo("x"));
    queue.taskDone();
    await().until(() -> keysOf("zero-take").isEmpty());
  }

  @Test
  void aConsumerJvmKilledMidStreamLosesNothingItHadNotReceived() throws Exception {
    AsyncQueue<String> queue = RedisQueueTest.fifo(one, "stream", Integer.MAX_VALUE);
    int items = 300;
    for (int i = 0; i < items; i++) {
      queue.put("i" + i).join();
    }
    List<String> childGot = new ArrayList<>();
    try (ChildJvm child = ChildJvm.start(redis.server(), SharedRedis.LEASE, "consume", "stream")) {
      child.expect("CONSUMING", Duration.ofSeconds(30));
      for (int i = 0; i < 50; i++) {
        child.expect("GOT", Duration.ofSeconds(10));
      }
      child.kill();
      child.unread().stream().filter(line -> line.startsWith("GOT "))
          .forEach(line -> childGot.add(line.substring(4)));
    }
    Set<String> covered = new HashSet<>(childGot);
    for (int i = 0; i < 50; i++) {
      covered.add("i" + i); // the 50 lines expected above, in order (FIFO)
    }
    List<String> mine = new ArrayList<>();
    while (covered.size() < items) {
      String item = queue.take(Duration.ofSeconds(10)).get(15, TimeUnit.SECONDS);
      mine.add(item);
      covered.add(item);
    }
    // An item the child received but had not acknowledged comes back when its lease runs out.
    await().until(() -> redis.server().cli("HLEN", "{baton:queue:stream}:handed").equals("0"));
    for (String item = queue.poll(); item != null; item = queue.poll()) {
      mine.add(item);
    }
    assertThat(new HashSet<>(mine)).as("no duplicates among this JVM's takes")
        .hasSize(mine.size());
    Set<String> twice = new HashSet<>(mine);
    twice.retainAll(childGotAll(childGot));
    assertThat(twice).as("received by the child, acknowledgement cut short by the kill")
        .hasSizeLessThanOrEqualTo(1);
    while (queue.unfinishedTasks() > 0) {
      queue.taskDone();
    }
    try {
      await().until(() -> keysOf("stream").isEmpty());
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError("left: " + keysOf("stream") + " meta " + redis.server().cli(
          "HGETALL", "{baton:queue:stream}:meta") + " handed " + redis.server().cli("HGETALL",
          "{baton:queue:stream}:handed") + " alive " + redis.server().cli("ZRANGE",
          "{baton:queue:stream}:alive", "0", "-1", "WITHSCORES") + " items " + redis.server()
          .cli("ZRANGE", "{baton:queue:stream}:items", "0", "-1"), e);
    }
  }

  private static Set<String> childGotAll(List<String> unread) {
    Set<String> all = new HashSet<>(unread);
    for (int i = 0; i < 50; i++) {
      all.add("i" + i);
    }
    return all;
  }

  private static void race(Runnable first, Runnable second) throws InterruptedException {
    CountDownLatch go = new CountDownLatch(1);
    Thread other = new Thread(() -> {
      try {
        go.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      first.run();
    });
    other.start();
    go.countDown();
    second.run();
    other.join();
  }

  List<String> keysOf(String queue) {
    return redis.server().keys().stream()
        .filter(key -> key.startsWith("{baton:queue:" + queue + "}")).toList();
  }
}
