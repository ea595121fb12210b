package dev.baton.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.baton.AcquireTimeoutException;
import dev.baton.AsyncQueue;
import dev.baton.QueueShutdownException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A queue on Redis seen from two backends standing for two JVMs. */
class RedisQueueTest {

  @RegisterExtension
  static final SharedRedis redis = new SharedRedis();

  final RedisBackend one = redis.one();
  final RedisBackend two = redis.two();

  static AsyncQueue<String> fifo(RedisBackend backend, String name, int capacity) {
    return backend.queue(name, QueueSpec.fifo(capacity), ItemCodec.strings());
  }

  @Test
  void itemsAreCarriedExactlyOnceBothWaysInFifoOrder() throws Exception {
    AsyncQueue<String> a = fifo(one, "carry", Integer.MAX_VALUE);
    AsyncQueue<String> b = fifo(two, "carry", Integer.MAX_VALUE);
    for (int i = 0; i < 100; i++) {
      a.put("a" + i).get(5, TimeUnit.SECONDS);
    }
    for (int i = 0; i < 100; i++) {
      assertThat(b.take().get(5, TimeUnit.SECONDS)).isEqualTo("a" + i);
      b.taskDone();
    }
    List<CompletableFuture<String>> takers = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      takers.add((i % 2 == 0 ? a : b).take());
      int waiting = i + 1;
      await().until(() -> a.takers() == waiting);
    }
    b.put("x").join();
    b.put("y").join();
    a.put("z").join();
    assertThat(takers.get(0).get(5, TimeUnit.SECONDS)).isEqualTo("x");
    assertThat(takers.get(1).get(5, TimeUnit.SECONDS)).isEqualTo("y");
    assertThat(takers.get(2).get(5, TimeUnit.SECONDS)).isEqualTo("z");
    assertThat(a.poll()).isNull();
    for (int i = 0; i < 3; i++) {
      a.taskDone();
    }
    assertThatThrownBy(a::taskDone).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("more times than items were put");
    await().until(() -> keysOf("carry").isEmpty());
  }

  /**
   * README: an item is taken exactly once. Its taker's callbacks run before the ACK is sent, and
   * the item stays handed in Redis meanwhile, however long they take: a callback that works on it
   * for longer than a lease does not let another instance take it too.
   */
  @Test
  void anItemWhoseTakersCallbackOutlastsALeaseIsNotTakenAgainElsewhere() throws Exception {
    AsyncQueue<String> a = fifo(one, "slow-callback", 10);
    AsyncQueue<String> b = fifo(two, "slow-callback", 10);
    a.put("x").get(5, TimeUnit.SECONDS);
    CountDownLatch working = new CountDownLatch(1);
    CountDownLatch done = new CountDownLatch(1);
    CountDownLatch resume = RedisFaultsTest.stallCallbacks(one); // hand() runs the callback
    CompletableFuture<String> first;
    try {
      first = a.take().thenApply(item -> {
        working.countDown();
        try {
          done.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        return item;
      });
    } finally {
      resume.countDown();
    }
    assertThat(working.await(5, TimeUnit.SECONDS)).isTrue();
    CompletableFuture<String> second = b.take();
    try {
      String seen = second.copy().completeOnTimeout("nothing",
          SharedRedis.LEASE.toMillis() * 3, TimeUnit.MILLISECONDS).get();
      assertThat(seen).as("what another instance took while the first taker worked on 'x'")
          .isEqualTo("nothing");
    } finally {
      done.countDown();
      second.cancel(false);
    }
    assertThat(first).succeedsWithin(Duration.ofSeconds(5)).isEqualTo("x");
    a.taskDone();
    await().until(() -> keysOf("slow-callback").isEmpty());
  }

  @Test
  void lifoAndPriorityQueuesTakeInTheirOrder() throws Exception {
    AsyncQueue<String> stack = one.queue("stack", QueueSpec.lifo(10), ItemCodec.strings());
    AsyncQueue<String> stack2 = two.queue("stack", QueueSpec.lifo(10), ItemCodec.strings());
    for (String s : List.of("1", "2", "3")) {
      stack.put(s).join();
    }
    assertThat(List.of(stack2.poll(), stack2.poll(), stack2.poll())).containsExactly("3", "2", "1");
    QueueSpec<String> byLength = QueueSpec.priority(Integer.MAX_VALUE, String::length);
    AsyncQueue<String> ranked = one.queue("ranked", byLength, ItemCodec.strings());
    AsyncQueue<String> ranked2 = two.queue("ranked", byLength, ItemCodec.strings());
    for (String s : List.of("ccc", "a", "bb", "x", "dddd", "y")) {
      ranked.offer(s);
    }
    List<String> out = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      out.add(ranked2.take().get(5, TimeUnit.SECONDS));
    }
    assertThat(out).containsExactly("a", "x", "y", "bb", "ccc", "dddd");
    for (int i = 0; i < 9; i++) {
      (i < 3 ? stack : ranked).taskDone();
    }
    await().until(() -> keysOf("stack").isEmpty() && keysOf("ranked").isEmpty());
  }

  @Test
  void aBoundedPutWaitsAndACancelledPutNeverAddsItsItem() throws Exception {
    AsyncQueue<String> a = fifo(one, "bounded", 2);
    AsyncQueue<String> b = fifo(two, "bounded", 2);
    a.put("1").join();
    assertThat(b.offer("2")).isTrue();
    assertThat(b.offer("3")).isFalse();
    assertThat(a.isFull()).isTrue();
    CompletableFuture<Void> waiting = a.put("3");
    CompletableFuture<Void> cancelled = b.put("never");
    CompletableFuture<Void> after = a.put("4");
    await().until(() -> b.putters() == 3);
    assertThat(((RemoteLevels) a).levels()).isEqualTo(new RemoteLevels.Levels(2, 3));
    cancelled.cancel(false);
    await().until(() -> b.putters() == 2);
    assertThatThrownBy(() -> b.put("late", Duration.ofMillis(50)).join())
        .hasCauseInstanceOf(AcquireTimeoutException.class);
    assertThat(b.putters()).isEqualTo(2);
    assertThat(b.take().get(5, TimeUnit.SECONDS)).isEqualTo("1");
    waiting.get(5, TimeUnit.SECONDS);
    assertThat(after).isNotDone();
    List<String> rest = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      rest.add(b.take().get(5, TimeUnit.SECONDS));
    }
    after.get(5, TimeUnit.SECONDS);
    assertThat(rest).containsExactly("2", "3", "4");
    assertThat(a.size()).isZero();
    assertThat(a.unfinishedTasks()).isEqualTo(4);
    for (int i = 0; i < 4; i++) {
      b.taskDone();
    }
    await().until(() -> keysOf("bounded").isEmpty());
  }

  @Test
  void joinCountsTasksAcrossBackends() throws Exception {
    AsyncQueue<String> a = fifo(one, "work", Integer.MAX_VALUE);
    AsyncQueue<String> b = fifo(two, "work", Integer.MAX_VALUE);
    assertThat(a.join()).succeedsWithin(Duration.ofSeconds(5));
    a.put("job1").join();
    b.put("job2").join();
    CompletableFuture<Void> joinedA = a.join();
    CompletableFuture<Void> joinedB = b.join();
    assertThat(b.unfinishedTasks()).isEqualTo(2);
    b.take().join();
    a.take().join();
    a.taskDone();
    assertThat(joinedA).isNotDone();
    assertThat(joinedB).isNotDone();
    b.taskDone();
    assertThat(joinedA).succeedsWithin(Duration.ofSeconds(5));
    assertThat(joinedB).succeedsWithin(Duration.ofSeconds(5));
    await().until(() -> keysOf("work").isEmpty());
  }

  /**
   * A join completes by message when another backend finishes the last task: the joining
   * backend has its renewals stalled, so no tick of its own could read that none is left.
   */
  @Test
  void aJoinCompletesByMessageWhenAnotherBackendFinishesTheLastTask() throws Exception {
    AsyncQueue<String> a = fifo(one, "join-message", 10);
    AsyncQueue<String> b = fifo(two, "join-message", 10);
    assertThat(b.offer("job")).isTrue();
    CountDownLatch timers = RedisFaultsTest.stallRenewals(one);
    try {
      CompletableFuture<Void> join = a.join();
      await().until(() -> redis.server().cli("PUBSUB", "NUMSUB",
          "baton:queue-done:{baton:queue:join-message}").lines().toList().get(1).equals("1"));
      assertThat(b.poll()).isEqualTo("job");
      assertThat(join).isNotDone();
      b.taskDone();
      assertThat(join).succeedsWithin(Duration.ofSeconds(2));
    } finally {
      timers.countDown();
    }
    await().until(() -> keysOf("join-message").isEmpty());
  }

  /**
   * A join of a queue with no unfinished task completes at once, from its own read: the joining
   * backend has its renewals stalled, so no tick could complete it instead.
   */
  @Test
  void aJoinOfAQueueWithNothingUnfinishedCompletesAtOnce() throws Exception {
    AsyncQueue<String> a = fifo(one, "join-idle", 10);
    AsyncQueue<String> b = fifo(two, "join-idle", 10);
    assertThat(b.offer("job")).isTrue();
    assertThat(b.poll()).isEqualTo("job");
    b.taskDone();
    CountDownLatch timers = RedisFaultsTest.stallRenewals(one);
    try {
      assertThat(a.join()).succeedsWithin(Duration.ofSeconds(2));
    } finally {
      timers.countDown();
    }
  }

  /**
   * A queue in use has keys that expire one lease after the last lease they record, so that
   * instances that all died leave nothing behind: each has a time to live of at most a lease.
   */
  @Test
  void aQueuesKeysExpireWithinALease() {
    AsyncQueue<String> a = fifo(one, "expiring", 10);
    assertThat(a.offer("item")).isTrue();
    assertThat(keysOf("expiring")).isNotEmpty().allSatisfy(key ->
        assertThat(Long.parseLong(redis.server().cli("PTTL", key)))
            .as("time to live of %s", key).isPositive()
            .isLessThanOrEqualTo(SharedRedis.LEASE.toMillis()));
    assertThat(a.poll()).isEqualTo("item");
    a.taskDone();
    await().until(() -> keysOf("expiring").isEmpty());
  }

  /**
   * A join that begins after a new task was put waits for it: the message of an all-done
   * published before, which this JVM handles only once the join has begun (its callback threads
   * busy), does not complete it. Regression: any all-done heard before the join had read the
   * queue completed it (found by review).
   */
  @Test
  void aJoinThatBeganAfterANewTaskWaitsForItDespiteAnEarlierAllDoneMessage() throws Exception {
    AsyncQueue<String> a = fifo(one, "join-stale", 10);
    AsyncQueue<String> b = fifo(two, "join-stale", 10);
    assertThat(a.join()).succeedsWithin(Duration.ofSeconds(5)); // subscribes this backend
    await().until(() -> redis.server().cli("PUBSUB", "NUMSUB",
        "baton:queue-done:{baton:queue:join-stale}").lines().toList().get(1).equals("1"));
    assertThat(b.offer("1")).isTrue();
    assertThat(b.poll()).isEqualTo("1");
    ThreadPoolExecutor callbacks = (ThreadPoolExecutor) one.callbacks();
    int threads = callbacks.getMaximumPoolSize();
    CountDownLatch resume = RedisFaultsTest.stallCallbacks(one);
    CountDownLatch others = new CountDownLatch(1);
    try {
      for (int i = 1; i < threads; i++) { // once resumed, one thread runs the rest in order
        callbacks.submit(() -> others.await(5, TimeUnit.SECONDS));
      }
      b.taskDone(); // all done: a generation is published
      await().until(() -> callbacks.getQueue().size() >= threads); // its message, not handled
      assertThat(b.offer("2")).isTrue(); // a new task, before the join begins

      CompletableFuture<Void> join = a.join();
      assertThat(b.unfinishedTasks()).isOne();
      await().until(() -> callbacks.getQueue().size() >= threads + 1); // the join's read
      resume.countDown();
      await().until(() -> callbacks.getQueue().isEmpty()
          && callbacks.getActiveCount() == threads - 1);

      assertThat(join).as("a join begun while task '2' is unfinished").isNotDone();
      assertThat(b.poll()).isEqualTo("2");
      b.taskDone();
      assertThat(join).succeedsWithin(Duration.ofSeconds(5));
    } finally {
      resume.countDown();
      others.countDown();
    }
    await().until(() -> keysOf("join-stale").isEmpty());
  }

  /**
   * A backend closed while its takes and puts wait withdraws them from Redis before
   * {@code close()} returns: they do not stay first in line, to be handed the next item (or room)
   * and keep it from everyone until their lease runs out (a minute here). Its joins fail too.
   */
  @Test
  void closingABackendFailsItsTakesPutsAndJoinsAndWithdrawsThem() throws Exception {
    RedisBackend leaving = RedisBackend.connect(redis.server().uri(),
        RedisBackendOptions.DEFAULTS.withLease(Duration.ofMinutes(1)));
    AsyncQueue<String> empty = fifo(leaving, "closing-empty", 10);
    AsyncQueue<String> full = fifo(leaving, "closing-full", 1);
    full.put("first").join();
    CompletableFuture<String> take = empty.take();
    CompletableFuture<Void> put = full.put("second");
    CompletableFuture<Void> join = full.join();
    await().until(() -> fifo(one, "closing-empty", 10).takers() == 1
        && fifo(one, "closing-full", 1).putters() == 1);
    leaving.close();
    assertThat(take).isCompletedExceptionally();
    assertThat(put).isCompletedExceptionally();
    assertThat(join).isCompletedExceptionally();
    assertThat(fifo(one, "closing-empty", 10).takers()).isZero();
    assertThat(fifo(one, "closing-full", 1).putters()).isZero();
    AsyncQueue<String> stayed = fifo(one, "closing-empty", 10);
    CompletableFuture<String> next = stayed.take();
    stayed.put("item").join();
    assertThat(next).succeedsWithin(Duration.ofSeconds(5)).isEqualTo("item");
    AsyncQueue<String> room = fifo(one, "closing-full", 1);
    assertThat(room.take()).succeedsWithin(Duration.ofSeconds(5)).isEqualTo("first");
    assertThat(room.offer("third")).isTrue();
    assertThat(room.take()).succeedsWithin(Duration.ofSeconds(5)).isEqualTo("third");
    stayed.taskDone();
    room.taskDone();
    room.taskDone();
    await().until(() -> keysOf("closing-empty").isEmpty() && keysOf("closing-full").isEmpty());
  }

  @Test
  void aShutdownIsSeenByTheOtherBackend() throws Exception {
    AsyncQueue<String> a = fifo(one, "closing", 1);
    AsyncQueue<String> b = fifo(two, "closing", 1);
    CompletableFuture<String> take = b.take();
    await().until(() -> a.takers() == 1);
    a.shutdown();
    assertThatThrownBy(() -> take.get(5, TimeUnit.SECONDS))
        .hasCauseInstanceOf(QueueShutdownException.class);
    assertThat(b.isShutdown()).isTrue();
    assertThatThrownBy(() -> b.offer("x")).isInstanceOf(QueueShutdownException.class);

    AsyncQueue<String> c = fifo(one, "dropping", 1);
    AsyncQueue<String> d = fifo(two, "dropping", 1);
    c.put("kept").join();
    CompletableFuture<Void> put = d.put("waits");
    await().until(() -> c.putters() == 1);
    c.shutdown();
    assertThatThrownBy(() -> put.get(5, TimeUnit.SECONDS))
        .hasCauseInstanceOf(QueueShutdownException.class);
    assertThat(d.poll()).isEqualTo("kept");
    assertThatThrownBy(d::poll).isInstanceOf(QueueShutdownException.class);
    d.taskDone();
    CompletableFuture<Void> joined = c.join();
    assertThat(joined).succeedsWithin(Duration.ofSeconds(5));

    AsyncQueue<String> e = fifo(one, "now", 5);
    AsyncQueue<String> f = fifo(two, "now", 5);
    e.put("1").join();
    e.put("2").join();
    CompletableFuture<Void> pending = f.join();
    f.shutdownNow();
    assertThat(e.size()).isZero();
    assertThat(e.unfinishedTasks()).isZero();
    assertThat(pending).succeedsWithin(Duration.ofSeconds(5));
    assertThatThrownBy(() -> e.take().get(5, TimeUnit.SECONDS))
        .hasCauseInstanceOf(QueueShutdownException.class);
    // A shut-down queue keeps its state (the flag) while its JVMs use it: only the meta hash.
    assertThat(keysOf("closing")).containsExactly("{baton:queue:closing}:meta");
    assertThat(keysOf("now")).containsExactly("{baton:queue:now}:meta");
  }

  /**
   * A shutdown reaches every waiting put and shutdownNow() drops every queued item, however many:
   * Redis does each in steps of at most 100, which the call repeats until nothing is left.
   */
  @Test
  void aShutdownReachesEveryPutAndItemOfALongQueue() throws Exception {
    AsyncQueue<String> a = fifo(one, "long-shut", 1);
    AsyncQueue<String> b = fifo(two, "long-shut", 1);
    a.put("kept").get(5, TimeUnit.SECONDS);
    List<CompletableFuture<Void>> waiting = new ArrayList<>();
    for (int i = 0; i < 150; i++) {
      waiting.add(a.put("waits" + i));
    }
    await().until(() -> b.putters() == 150);
    b.shutdown();
    CompletableFuture.allOf(waiting.toArray(CompletableFuture[]::new))
        .handle((ok, failure) -> null).get(5, TimeUnit.SECONDS);
    assertThat(waiting).allSatisfy(put -> assertThatThrownBy(put::join)
        .hasCauseInstanceOf(QueueShutdownException.class));
    assertThat(a.putters()).isZero();
    assertThat(a.poll()).isEqualTo("kept");
    a.taskDone();

    AsyncQueue<String> c = fifo(one, "long-now", Integer.MAX_VALUE);
    AsyncQueue<String> d = fifo(two, "long-now", Integer.MAX_VALUE);
    List<CompletableFuture<Void>> puts = new ArrayList<>();
    for (int i = 0; i < 250; i++) {
      puts.add(c.put("item" + i));
    }
    CompletableFuture.allOf(puts.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
    assertThat(d.size()).isEqualTo(250);
    CompletableFuture<Void> joined = d.join();
    d.shutdownNow();
    assertThat(c.size()).isZero();
    assertThat(c.unfinishedTasks()).isZero();
    assertThat(joined).succeedsWithin(Duration.ofSeconds(5));
  }

  @Test
  void anItemTooLargeOrAPrioritySpecWithoutScoreFailsWithAClearMessage() {
    AsyncQueue<String> small = one.queue("small",
        QueueSpec.<String>fifo(10).withMaxItemBytes(100), ItemCodec.strings());
    assertThatThrownBy(() -> small.put("x".repeat(101)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("queue 'small'").hasMessageContaining("101 bytes")
        .hasMessageContaining("limit of 100 bytes");
    assertThatThrownBy(() -> new QueueSpec<String>(QueueSpec.Order.PRIORITY, 10, null, 100))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("score function");
    AsyncQueue<String> other = two.queue("small", QueueSpec.lifo(10), ItemCodec.strings());
    small.offer("1");
    assertThatThrownBy(() -> other.offer("2")).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("declared")
        .hasMessageContaining("as fifo with capacity 10")
        .hasMessageContaining("declares lifo with capacity 10");
    assertThat(small.poll()).isEqualTo("1");
    small.taskDone();
    await().until(() -> keysOf("small").isEmpty());
  }

  /**
   * A zero-timeout take cancelled before its reply was handled gives the item Redis handed it
   * back to the head at once, not when the hand-off's lease runs out: the next poll gets it.
   */
  @Test
  void aZeroTimeoutTakeCancelledBeforeItsItemArrivedGivesItBackAtOnce() throws Exception {
    AsyncQueue<String> a = fifo(one, "cancelled-poll", 10);
    AsyncQueue<String> b = fifo(two, "cancelled-poll", 10);
    assertThat(b.offer("item")).isTrue();
    CountDownLatch callbacks = RedisFaultsTest.stallCallbacks(one);
    try {
      CompletableFuture<String> cancelled = a.take(Duration.ZERO);
      await().until(() -> b.size() == 0); // handed to the take in Redis, its reply not handled
      assertThat(cancelled.cancel(false)).isTrue();
    } finally {
      callbacks.countDown();
    }
    await().atMost(SharedRedis.LEASE.dividedBy(2)).until(() -> b.size() == 1);
    assertThat(b.poll()).isEqualTo("item");
    b.taskDone();
    await().until(() -> keysOf("cancelled-poll").isEmpty());
  }

  @Test
  void aTimedOutTakeLeavesNoTrace() throws ExecutionException, InterruptedException {
    AsyncQueue<String> a = fifo(one, "quiet", 3);
    assertThatThrownBy(() -> a.take(Duration.ofMillis(100)).join())
        .hasCauseInstanceOf(AcquireTimeoutException.class);
    assertThatThrownBy(() -> a.take(Duration.ZERO).join())
        .hasCauseInstanceOf(AcquireTimeoutException.class);
    await().until(() -> a.takers() == 0 && keysOf("quiet").isEmpty());
  }

  List<String> keysOf(String queue) {
    return redis.server().keys().stream()
        .filter(key -> key.startsWith("{baton:queue:" + queue + "}")).toList();
  }

  /** As in core: a timed-out take is withdrawn before its failure can be seen. */
  @Test
  void aTimedOutTakeNoLongerCountsAsATakerWhenItsFailureIsSeen() throws Exception {
    AsyncQueue<String> queue = one.queue("timed-take", QueueSpec.fifo(10), ItemCodec.strings());

    int takersSeen = queue.take(Duration.ofMillis(200)).handle((item, failure) -> queue.takers())
        .get(5, TimeUnit.SECONDS);

    assertThat(takersSeen).isZero();
  }

  /**
   * An item that cannot be read back fails the take it was handed to and is dropped, rather than
   * handed to every taker in turn: the next take gets the next item. So does one the codec fails
   * with an Error (a class missing on this instance) or reads as null (a poll answering null would
   * say the queue is empty). A dropped item's task is done, as no taker holds it to call
   * taskDone() for: join() waits only for the item taken. Regressions (found by review): the
   * Error escaped, leaving the take pending for ever and the item to go back to the head for the
   * next taker; the null was handed out; and join() waited for ever on the dropped items.
   */
  @Test
  void itemsThatCannotBeReadBackFailTheirTakesAndAreDroppedTheirTasksDone() throws Exception {
    ItemCodec<Integer> numbers = new ItemCodec<>() {
      @Override
      public String encode(Integer item) {
        return item.toString();
      }

      @Override
      public Integer decode(String encoded) {
        return switch (encoded) {
          case "null" -> null;
          case "missing" -> throw new NoClassDefFoundError("com/example/Missing");
          default -> Integer.valueOf(encoded);
        };
      }
    };
    AsyncQueue<Integer> taking = two.queue("unreadable", QueueSpec.fifo(10), numbers);
    AsyncQueue<String> writing = fifo(one, "unreadable", 10);
    for (String item : List.of("not a number", "missing", "null", "7")) {
      writing.put(item).get(5, TimeUnit.SECONDS);
    }

    assertThatThrownBy(() -> taking.take().get(5, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause().isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("queue 'unreadable'").hasMessageContaining("dropped")
        .hasCauseInstanceOf(NumberFormatException.class);
    assertThatThrownBy(() -> taking.take(Duration.ofSeconds(1)).get(5, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class).cause().hasMessageContaining("dropped")
        .hasCauseInstanceOf(NoClassDefFoundError.class);
    assertThatThrownBy(taking::poll).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("dropped").cause().hasMessageContaining("null");
    assertThat(taking.take().get(5, TimeUnit.SECONDS)).isEqualTo(7);
    assertThat(taking.poll()).isNull();
    assertThat(writing.size()).isZero();
    CompletableFuture<Void> joined = taking.join();
    assertThat(joined).isNotDone();
    taking.taskDone();
    assertThat(joined).succeedsWithin(Duration.ofSeconds(5));
    await().until(() -> keysOf("unreadable").isEmpty());
  }

  /** Without withMaxItemBytes, an encoded item of up to 512 KiB is taken and a larger refused. */
  @Test
  void theDefaultItemLimitIs512KiB() throws Exception {
    AsyncQueue<String> big = fifo(one, "big", 10);
    big.put("x".repeat(512 * 1024)).get(5, TimeUnit.SECONDS);
    assertThatThrownBy(() -> big.put("x".repeat(512 * 1024 + 1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("queue 'big'")
        .hasMessageContaining("524289 bytes").hasMessageContaining("limit of 524288 bytes");
    assertThat(big.poll()).hasSize(512 * 1024);
    assertThat(big.poll()).isNull();
    big.taskDone();
    await().until(() -> keysOf("big").isEmpty());
  }

  /** A shut queue stays shut for every instance, past any lease, while an instance uses it. */
  @Test
  void aShutQueueStaysShutPastTheLeaseWhileAnInstanceUsesIt() {
    AsyncQueue<String> a = fifo(one, "lasting", 5);
    AsyncQueue<String> b = fifo(two, "lasting", 5);
    a.shutdown();
    await().during(SharedRedis.LEASE.multipliedBy(2)).atMost(SharedRedis.LEASE.multipliedBy(3))
        .until(b::isShutdown);
    assertThatThrownBy(() -> fifo(two, "lasting", 5).offer("x"))
        .isInstanceOf(QueueShutdownException.class);
    assertThat(a.isShutdown()).isTrue();
  }

  /** API.md: null arguments throw NullPointerException, on Redis as in core. */
  @Test
  void aNullTimeoutOrItemThrowsNullPointerExceptionAndWaitsForNothing() {
    AsyncQueue<String> q = fifo(one, "nulls", 1);
    assertThatThrownBy(() -> q.take(null)).isInstanceOf(NullPointerException.class)
        .hasMessageContaining("timeout");
    q.put("a").join();
    assertThatThrownBy(() -> q.put("b", null)).isInstanceOf(NullPointerException.class)
        .hasMessageContaining("timeout");
    assertThatThrownBy(() -> q.put(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> q.offer(null)).isInstanceOf(NullPointerException.class);
    assertThat(q.takers()).isZero();
    assertThat(q.putters()).isZero();
    assertThat(q.poll()).isEqualTo("a");
    q.taskDone();
    await().until(() -> keysOf("nulls").isEmpty());
  }

  /** API.md: a cancelled waiter is withdrawn before its future fails. */
  @Test
  void aCancelledTakeNoLongerCountsAsATakerWhenItsCancelIsSeen() {
    AsyncQueue<String> queue = one.queue("cancelled-take", QueueSpec.fifo(10),
        ItemCodec.strings());
    CompletableFuture<String> take = queue.take();
    await().until(() -> queue.takers() == 1);
    AtomicInteger takersSeen = new AtomicInteger(-1);
    take.whenComplete((item, failure) -> takersSeen.set(queue.takers()));

    assertThat(take.cancel(false)).isTrue();

    assertThat(takersSeen).as("takers() seen by the cancel's callback").hasValue(0);
  }

  /**
   * README: every instance must declare the same capacity for a queue, and a mismatch fails the
   * call saying both, whether it is a put, a take or a poll, and whatever order both declare.
   */
  @Test
  void aQueueDeclaredWithAnotherCapacityFailsEachCallSayingBoth() throws Exception {
    AsyncQueue<String> declared = fifo(one, "sized", 10);
    declared.put("1").get(5, TimeUnit.SECONDS);
    AsyncQueue<String> larger = fifo(two, "sized", 20);
    String both = "as fifo with capacity 10";
    String ours = "declares fifo with capacity 20";
    assertThatThrownBy(() -> larger.offer("2")).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(both).hasMessageContaining(ours);
    assertThatThrownBy(() -> larger.put("2").get(5, TimeUnit.SECONDS))
        .hasCauseInstanceOf(IllegalStateException.class).cause()
        .hasMessageContaining(both).hasMessageContaining(ours);
    assertThatThrownBy(() -> larger.take().get(5, TimeUnit.SECONDS))
        .hasCauseInstanceOf(IllegalStateException.class).cause()
        .hasMessageContaining(both).hasMessageContaining(ours);
    assertThatThrownBy(larger::poll).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(both).hasMessageContaining(ours);
    AsyncQueue<String> priority = two.queue("sized",
        QueueSpec.priority(10, item -> item.length()), ItemCodec.strings());
    assertThatThrownBy(() -> priority.offer("2")).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(both).hasMessageContaining("declares priority with capacity 10");
    assertThat(declared.size()).as("nothing added by the refused calls").isOne();
    assertThat(declared.poll()).isEqualTo("1");
    declared.taskDone();
    await().until(() -> keysOf("sized").isEmpty());
  }
}
