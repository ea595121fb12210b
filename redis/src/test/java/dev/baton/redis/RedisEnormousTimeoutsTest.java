package dev.baton.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.baton.AsyncCondition;
import dev.baton.AsyncEvent;
import dev.baton.AsyncLock;
import dev.baton.AsyncQueue;
import dev.baton.AsyncSemaphore;
import dev.baton.Permit;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A timeout too long to count in nanoseconds, such as {@code Duration.ofSeconds(Long.MAX_VALUE)},
 * means waiting without a timeout on Redis, as it does for the local primitives
 * ({@code LockTest.anEnormousTimeoutMeansWaitingWithoutOverflow}): every waiting call waits, and
 * is served once what it waits for comes, rather than failing with an arithmetic overflow or, for
 * an event, staying counted as a waiter that no set wakes.
 */
class RedisEnormousTimeoutsTest {

  private static final Duration ENORMOUS = Duration.ofSeconds(Long.MAX_VALUE);
  private static final Duration PATIENCE = Duration.ofSeconds(5);

  @RegisterExtension
  static final SharedRedis redis = SharedRedis.leavingNothing();

  @ParameterizedTest
  @EnumSource(Wait.class)
  void anEnormousTimeoutMeansWaitingWithoutOverflow(Wait wait) throws Exception {
    String name = "enormous-" + wait;
    Runnable serve = wait.block(redis.one(), name);
    CompletableFuture<?> waiting = wait.start(redis.one(), name);
    await().atMost(PATIENCE).until(wait.counted(redis.one(), name));
    assertThat(waiting).isNotDone();

    serve.run();

    assertThat(waiting).succeedsWithin(PATIENCE);
    wait.tidy(redis.one(), name, waiting.join());
  }

  /** A waiting call with an enormous timeout, and how to make it wait and then serve it. */
  enum Wait {
    LOCK_ACQUIRE {
      @Override
      Runnable block(RedisBackend backend, String name) {
        return backend.lock(name).acquire().join()::release;
      }

      @Override
      CompletableFuture<?> start(RedisBackend backend, String name) {
        return backend.lock(name).acquire(ENORMOUS);
      }

      @Override
      Callable<Boolean> counted(RedisBackend backend, String name) {
        AsyncLock lock = backend.lock(name);
        return () -> lock.waiters() == 1;
      }
    },
    SEMAPHORE_ACQUIRE {
      @Override
      Runnable block(RedisBackend backend, String name) {
        return backend.semaphore(name, 1).acquire().join()::release;
      }

      @Override
      CompletableFuture<?> start(RedisBackend backend, String name) {
        return backend.semaphore(name, 1).acquire(ENORMOUS);
      }

      @Override
      Callable<Boolean> counted(RedisBackend backend, String name) {
        AsyncSemaphore semaphore = backend.semaphore(name, 1);
        return () -> semaphore.waiters() == 1;
      }
    },
    CONDITION_AWAIT {
      @Override
      CompletableFuture<?> start(RedisBackend backend, String name) {
        AsyncCondition condition = backend.condition(name);
        return condition.await(condition.acquire().join(), ENORMOUS);
      }

      @Override
      Runnable block(RedisBackend backend, String name) {
        AsyncCondition condition = backend.condition(name);
        return () -> {
          Permit signaller = condition.acquire().join();
          condition.signal();
          signaller.release();
        };
      }

      @Override
      Callable<Boolean> counted(RedisBackend backend, String name) {
        AsyncCondition condition = backend.condition(name);
        return () -> condition.waiters() == 1;
      }
    },
    EVENT_AWAIT {
      @Override
      Runnable block(RedisBackend backend, String name) {
        AsyncEvent event = backend.event(name);
        return event::set;
      }

      @Override
      CompletableFuture<?> start(RedisBackend backend, String name) {
        return backend.event(name).await(ENORMOUS);
      }

      @Override
      Callable<Boolean> counted(RedisBackend backend, String name) {
        AsyncEvent event = backend.event(name);
        return () -> event.waiters() == 1;
      }

      @Override
      void tidy(RedisBackend backend, String name, Object served) {
        backend.event(name).clear();
      }
    },
    QUEUE_TAKE {
      @Override
      Runnable block(RedisBackend backend, String name) {
        return () -> queue(backend, name).put("served").join();
      }

      @Override
      CompletableFuture<?> start(RedisBackend backend, String name) {
        return queue(backend, name).take(ENORMOUS);
      }

      @Override
      Callable<Boolean> counted(RedisBackend backend, String name) {
        AsyncQueue<String> queue = queue(backend, name);
        return () -> queue.takers() == 1;
      }

      @Override
      void tidy(RedisBackend backend, String name, Object served) {
        queue(backend, name).taskDone();
      }
    },
    QUEUE_PUT {
      @Override
      Runnable block(RedisBackend backend, String name) {
        AsyncQueue<String> queue = queue(backend, name);
        queue.put("filling").join();
        return () -> {
          queue.take().join();
          queue.taskDone();
        };
      }

      @Override
      CompletableFuture<?> start(RedisBackend backend, String name) {
        return queue(backend, name).put("waiting", ENORMOUS);
      }

      @Override
      Callable<Boolean> counted(RedisBackend backend, String name) {
        AsyncQueue<String> queue = queue(backend, name);
        return () -> queue.putters() == 1;
      }

      @Override
      void tidy(RedisBackend backend, String name, Object served) {
        AsyncQueue<String> queue = queue(backend, name);
        queue.take().join();
        queue.taskDone();
      }
    };

    /** Makes a call of this kind wait; returns what then serves it. */
    abstract Runnable block(RedisBackend backend, String name);

    /** The waiting call, with an enormous timeout. */
    abstract CompletableFuture<?> start(RedisBackend backend, String name);

    /** Whether the call is counted as waiting. */
    abstract Callable<Boolean> counted(RedisBackend backend, String name);

    /** Gives back what the served call got, so that nothing is left in Redis. */
    void tidy(RedisBackend backend, String name, Object served) {
      if (served instanceof Permit permit) {
        permit.release();
      }
    }

    static AsyncQueue<String> queue(RedisBackend backend, String name) {
      return backend.queue(name, QueueSpec.fifo(1), ItemCodec.strings());
    }
  }
}
