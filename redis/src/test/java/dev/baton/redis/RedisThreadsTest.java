package dev.baton.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.AsyncLock;
import dev.baton.Permit;
import io.netty.util.concurrent.DefaultEventExecutor;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
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

  @Test
  void aSynchronousReadOnAnEventLoopIsRefused() throws Exception {
    DefaultEventExecutor loop = new DefaultEventExecutor();
    try {
      AsyncLock lock = redis.one().lock("loop");
      assertThatThrownBy(() -> loop.submit(lock::isLocked).get(5, TimeUnit.SECONDS))
          .hasCauseInstanceOf(IllegalStateException.class)
          .hasMessageContaining("event loop");
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
