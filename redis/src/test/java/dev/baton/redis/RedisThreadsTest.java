package dev.baton.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.AcquireTimeoutException;
import dev.baton.AsyncBarrier;
import dev.baton.AsyncCondition;
import dev.baton.AsyncEvent;
import dev.baton.AsyncLock;
import dev.baton.AsyncQueue;
import dev.baton.AsyncSemaphore;
import dev.baton.Permit;
import io.netty.util.concurrent.DefaultEventExecutor;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Where callbacks run, and synchronous reads on an event loop. */
class RedisThreadsTest {

  @RegisterExtension
  static final SharedRedis redis = new SharedRedis();

  @Test
  void grantsCompleteOnBatonThreadsNeverOnNetty() throws Exception {
    AsyncLock lock = redis.one().lock("threads");
    String direct = lock.acquire().thenApply(permit -> {
      permit.release();
      return Thread.currentThread().getName();
    }).get(5, TimeUnit.SECONDS);
    Permit held = lock.acquire().get(5, TimeUnit.SECONDS);
    CompletableFuture<String> queued = redis.two().lock("threads").acquire()
        .thenApply(permit -> {
          permit.release();
          return Thread.currentThread().getName();
        });
    held.release();
    assertThat(direct).as("the caller's own thread, or Baton's").doesNotContain("EventLoop");
    assertThat(queued.get(5, TimeUnit.SECONDS)).startsWith("baton-redis-");
  }

  /**
   * Not only a lock's grant: an event's wake-up, a queue's item, a condition's signal and a
   * barrier's trip, each pushed from the other instance, complete on Baton's threads.
   */
  @Test
  void everyPrimitivesWakeUpFromAnotherInstanceCompletesOnBatonThreads() throws Exception {
    RedisBackend one = redis.one();
    RedisBackend two = redis.two();
    AsyncEvent event = one.event("threads-event");
    CompletableFuture<String> woken = event.await().thenApply(ok -> thread());
    org.awaitility.Awaitility.await().until(() -> event.waiters() == 1);
    two.event("threads-event").set();

    AsyncQueue<String> queue =
        one.queue("threads-queue", QueueSpec.fifo(10), ItemCodec.strings());
    CompletableFuture<String> taken = queue.take().thenApply(item -> thread());
    org.awaitility.Awaitility.await().until(() -> queue.takers() == 1);
    two.queue("threads-queue", QueueSpec.fifo(10), ItemCodec.strings()).put("item").join();

    AsyncCondition condition = one.condition("threads-condition");
    CompletableFuture<String> signalled = condition.await(condition.acquire().join())
        .thenApply(permit -> {
          permit.release();
          return thread();
        });
    AsyncCondition other = two.condition("threads-condition");
    org.awaitility.Awaitility.await().until(() -> other.waiters() == 1);
    Permit signaller = other.acquire().get(5, TimeUnit.SECONDS);
    other.signal();
    signaller.release();

    AsyncBarrier barrier = one.barrier("threads-barrier", 2);
    CompletableFuture<String> tripped = barrier.await().thenApply(index -> thread());
    org.awaitility.Awaitility.await().until(() -> barrier.waiting() == 1);
    two.barrier("threads-barrier", 2).await().get(5, TimeUnit.SECONDS);

    assertThat(woken.get(5, TimeUnit.SECONDS)).as("event").startsWith("baton-redis-");
    assertThat(taken.get(5, TimeUnit.SECONDS)).as("queue").startsWith("baton-redis-");
    queue.taskDone();
    assertThat(signalled.get(5, TimeUnit.SECONDS)).as("condition").startsWith("baton-redis-");
    assertThat(tripped.get(5, TimeUnit.SECONDS)).as("barrier").startsWith("baton-redis-");
    two.event("threads-event").clear();
  }

  /**
   * A wait's failure is a callback of the caller's too: a timed-out acquire, semaphore acquire,
   * condition wait, take, put and event wait each fail on Baton's threads, not on the Netty
   * thread that read the reply of its withdrawal.
   */
  @Test
  void timedOutWaitsFailOnBatonThreadsNeverOnNetty() throws Exception {
    RedisBackend one = redis.one();
    RedisBackend two = redis.two();
    Duration timeout = Duration.ofMillis(200);
    Permit lockHeld = two.lock("threads-timeout").acquire().get(5, TimeUnit.SECONDS);
    Permit permitHeld =
        two.semaphore("threads-timeout", 1).acquire().get(5, TimeUnit.SECONDS);
    AsyncCondition condition = one.condition("threads-timeout");
    AsyncQueue<String> queue =
        one.queue("threads-timeout", QueueSpec.fifo(1), ItemCodec.strings());
    queue.put("fills it").get(5, TimeUnit.SECONDS);
    AsyncQueue<String> empty =
        one.queue("threads-timeout-empty", QueueSpec.fifo(1), ItemCodec.strings());
    try {
      java.util.Map<String, CompletableFuture<String>> failures = new java.util.LinkedHashMap<>();
      failures.put("lock", failedOn(one.lock("threads-timeout").acquire(timeout)));
      failures.put("semaphore",
          failedOn(one.semaphore("threads-timeout", 1).acquire(timeout)));
      failures.put("condition", failedOn(
          condition.await(condition.acquire().get(5, TimeUnit.SECONDS), timeout)));
      failures.put("take", failedOn(empty.take(timeout)));
      failures.put("put", failedOn(queue.put("waits", timeout)));
      failures.put("event", failedOn(one.event("threads-timeout").await(timeout)));
      java.util.Map<String, String> threads = new java.util.LinkedHashMap<>();
      for (var failure : failures.entrySet()) {
        threads.put(failure.getKey(), failure.getValue().get(5, TimeUnit.SECONDS));
      }
      assertThat(threads).allSatisfy((wait, thread) ->
          assertThat(thread).as(wait).matches("baton-redis-\\d+"));
    } finally {
      lockHeld.release();
      permitHeld.release();
      queue.take().get(5, TimeUnit.SECONDS);
      queue.taskDone();
    }
  }

  /** The thread that ran the failure's callback of {@code wait}, which must time out. */
  private static CompletableFuture<String> failedOn(CompletableFuture<?> wait) {
    return wait.handle((ok, failure) -> {
      assertThat(failure instanceof CompletionException ? failure.getCause() : failure)
          .isInstanceOf(AcquireTimeoutException.class);
      return thread();
    });
  }

  private static String thread() {
    return Thread.currentThread().getName();
  }

  /**
   * README names availablePermits(), isLocked(), waiters() and isSet(): each is refused on an
   * event loop, which it would block for up to a command timeout.
   */
  @Test
  void aSynchronousReadOnAnEventLoopIsRefused() throws Exception {
    DefaultEventExecutor loop = new DefaultEventExecutor();
    try {
      AsyncLock lock = redis.one().lock("loop");
      AsyncSemaphore semaphore = redis.one().semaphore("loop", 2);
      AsyncEvent event = redis.one().event("loop");
      java.util.Map<String, java.util.concurrent.Callable<Object>> reads = java.util.Map.of(
          "isLocked()", lock::isLocked, "lock waiters()", lock::waiters,
          "availablePermits()", semaphore::availablePermits,
          "semaphore waiters()", semaphore::waiters, "isSet()", event::isSet);
      assertThat(reads).allSatisfy((read, call) ->
          assertThatThrownBy(() -> loop.submit(call).get(5, TimeUnit.SECONDS)).as(read)
              .hasCauseInstanceOf(IllegalStateException.class)
              .hasMessageContaining("event loop"));
    } finally {
      loop.shutdownGracefully(0, 0, TimeUnit.SECONDS);
    }
  }

  @Test
  void levelsOfManyPrimitivesComeFromOneSnapshot() {
    RedisBackend backend = redis.one();
    Permit held = backend.semaphore("levels", 2).acquire().join();
    RemoteLevels semaphore = (RemoteLevels) backend.semaphore("levels", 2);
    RemoteLevels lock = (RemoteLevels) backend.lock("levels-lock");
    assertThat(semaphore.levels()).isEqualTo(new RemoteLevels.Levels(1, 0));
    assertThat(lock.levels()).isEqualTo(new RemoteLevels.Levels(0, 0));
    held.release();
    assertThat(backend.semaphore("levels", 2).availablePermits()).isEqualTo(2);
    assertThat(semaphore.levels().held()).as("not refreshed within the snapshot's age")
        .isEqualTo(1);
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5))
        .until(() -> semaphore.levels().held() == 0);
  }
}
