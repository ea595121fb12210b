package dev.baton.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import dev.baton.AsyncBarrier;
import dev.baton.AsyncCondition;
import dev.baton.AsyncEvent;
import dev.baton.AsyncQueue;
import dev.baton.Permit;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A server that is down or does not answer. README, "Redis down": "Calls fail within their
 * timeout with RedisUnavailableException naming host:port; commands are rejected while
 * disconnected, never buffered and replayed": each kind of call is made while the server is
 * stopped; each must fail so, and the restarted server must show nothing of them. And a
 * primitive Redis never answered reads as unknown through {@link RemoteLevels}, not as free.
 */
class RedisUnreachableTest {

  static final Duration LEASE = Duration.ofSeconds(3);
  static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(1);

  RedisServer server;
  RedisBackend backend;
  AsyncQueue<String> queue;
  AsyncBarrier barrier;
  AsyncEvent event;
  AsyncCondition condition;

  @BeforeEach
  void start() {
    server = RedisServer.startedAhead();
    backend = RedisBackend.connect(server.uri(), RedisBackendOptions.DEFAULTS.withLease(LEASE)
        .withCommandTimeout(COMMAND_TIMEOUT));
    await().atMost(LEASE.multipliedBy(3)).until(() -> !backend.isQuarantined());
    queue = backend.queue("down-q", QueueSpec.fifo(10), ItemCodec.strings());
    barrier = backend.barrier("down-b", 2);
    event = backend.event("down-e");
    condition = backend.condition("down-c");
  }

  @AfterEach
  void stop() {
    backend.close();
    server.close();
  }

  enum Call {
    LOCK_ACQUIRE(t -> t.backend.lock("down-l").acquire()),
    LOCK_ACQUIRE_TIMED(t -> t.backend.lock("down-l").acquire(Duration.ofSeconds(30))),
    LOCK_TRY(t -> t.backend.lock("down-l").tryAcquire()),
    SEMAPHORE_ACQUIRE(t -> t.backend.semaphore("down-s", 2).acquire()),
    IS_LOCKED(t -> t.backend.lock("down-l").isLocked()),
    AVAILABLE_PERMITS(t -> t.backend.semaphore("down-s", 2).availablePermits()),
    PUT(t -> t.queue.put("x")),
    PUT_TIMED(t -> t.queue.put("x", Duration.ofSeconds(30))),
    OFFER(t -> t.queue.offer("x")),
    TAKE(t -> t.queue.take()),
    TAKE_TIMED(t -> t.queue.take(Duration.ofSeconds(30))),
    POLL(t -> t.queue.poll()),
    JOIN(t -> t.queue.join()),
    SIZE(t -> t.queue.size()),
    UNFINISHED(t -> t.queue.unfinishedTasks()),
    TASK_DONE(t -> {
      t.queue.taskDone();
      return null;
    }),
    SHUTDOWN(t -> {
      t.queue.shutdown();
      return null;
    }),
    IS_SHUTDOWN(t -> t.queue.isShutdown()),
    BARRIER_AWAIT(t -> t.barrier.await()),
    BARRIER_ABORT(t -> {
      t.barrier.abort();
      return null;
    }),
    IS_BROKEN(t -> t.barrier.isBroken()),
    EVENT_AWAIT(t -> t.event.await()),
    EVENT_AWAIT_TIMED(t -> t.event.await(Duration.ofSeconds(30))),
    EVENT_SET(t -> {
      t.event.set();
      return null;
    }),
    IS_SET(t -> t.event.isSet()),
    CONDITION_ACQUIRE(t -> t.condition.acquire());

    final Function<RedisUnreachableTest, Object> call;

    Call(Function<RedisUnreachableTest, Object> call) {
      this.call = call;
    }
  }

  /**
   * Once the backend knows Redis is unreachable (disconnected), an event's set() and clear()
   * throw at once, naming the address, rather than returning as if the change were on its way.
   */
  @Test
  void anEventChangeMadeOnceTheBackendKnowsRedisIsDownThrowsNamingItsAddress() {
    server.stop();
    await().until(() -> !backend.isConnected());
    assertThatThrownBy(event::set).isInstanceOf(RedisUnavailableException.class)
        .hasMessageContaining("127.0.0.1:" + server.port());
    assertThatThrownBy(event::clear).isInstanceOf(RedisUnavailableException.class)
        .hasMessageContaining("127.0.0.1:" + server.port());
  }

  /**
   * Every call is made while the server is stopped, and the server is restarted once: a call
   * that waited longer than three command timeouts fails its {@code get} with a
   * {@code TimeoutException} instead.
   */
  @Test
  void everyCallMadeWhileRedisIsDownFailsNamingItsAddressAndIsNotReplayed() throws Exception {
    server.stop();
    for (Call call : Call.values()) {
      Throwable failure = catchThrowable(() -> {
        Object result = call.call.apply(this);
        if (result instanceof CompletableFuture<?> future) {
          future.get(COMMAND_TIMEOUT.toMillis() * 3, TimeUnit.MILLISECONDS);
        }
      });
      if (failure instanceof ExecutionException) {
        failure = failure.getCause();
      }
      if (call != Call.EVENT_SET || failure != null) {
        // set() is an asynchronous hand-off (README): it may return before the backend has
        // seen the connection drop; it must still not be replayed
        assertThat(failure).as(call + " while Redis is down")
            .isInstanceOf(RedisUnavailableException.class)
            .hasMessageContaining("127.0.0.1:" + server.port());
      }
    }
    server.restart();
    await().atMost(LEASE.multipliedBy(3)).until(() -> !backend.isQuarantined());
    await().atMost(Duration.ofSeconds(5)).ignoreExceptions()
        .until(() -> backend.lock("probe").tryAcquire().map(p -> {
          p.release();
          return true;
        }).orElse(false));
    assertThat(queue.size()).as("no item replayed").isZero();
    assertThat(queue.isShutdown()).as("no shutdown replayed").isFalse();
    assertThat(barrier.isBroken()).as("no abort replayed").isFalse();
    assertThat(event.isSet()).as("no set replayed").isFalse();
    assertThat(backend.heldPermits()).isZero();
    await().until(() -> server.keys().isEmpty());
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
