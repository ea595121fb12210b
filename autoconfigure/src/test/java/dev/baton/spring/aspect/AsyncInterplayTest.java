package dev.baton.spring.aspect;

import static dev.baton.spring.aspect.Waits.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.AsyncSemaphore;
import dev.baton.spring.PrimitiveRegistry;
import dev.baton.spring.aspect.TestServices.AsyncService;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

/**
 * {@code @Async} with {@code @Limited(permits = 2)} on a method returning
 * {@code CompletableFuture}.
 *
 * <p>What we observed: Spring adds the {@code @Async} interceptor in front of the existing
 * advisors, so it is the outermost advice. The caller gets the executor's future at once, and
 * Baton's aspect runs later on an executor thread ({@code task-N}), where it returns its own
 * not-yet-done future without blocking. But {@code AsyncExecutionInterceptor} then calls
 * {@code get()} on that future, so the executor thread stays blocked for the whole wait for the
 * permit and the whole run of the body. The wait is no longer thread-free: with Spring Boot's
 * default pool of 8 threads, 2 threads hold permits, 6 are parked waiting for a permit, and the
 * remaining calls sit in the executor's queue without having reached the semaphore. The limit
 * itself holds.
 */
@BatonAspectsTest
@Timeout(30)
class AsyncInterplayTest {

  private static final int CALLS = 50;
  private static final int PERMITS = 2;

  @Autowired
  private AsyncService async;

  @Autowired
  private PrimitiveRegistry registry;

  @Autowired
  private ThreadPoolTaskExecutor applicationTaskExecutor;

  @Test
  void anAsyncLimitedMethodNeverHasMoreThanItsPermitsInFlight() {
    Probe probe = Probe.finishedByTest();

    List<CompletableFuture<String>> calls = IntStream.range(0, CALLS)
        .mapToObj(i -> async.work(probe, "call-" + i)).toList();
    for (int finished = 0; finished < CALLS; finished++) {
      int expected = Math.min(PERMITS, CALLS - finished);
      eventually().untilAsserted(() -> assertThat(probe.inFlight()).isEqualTo(expected));
      probe.finishNext();
    }

    assertThat(Waits.all(calls)).succeedsWithin(Duration.ofSeconds(10));
    assertThat(probe.started()).isEqualTo(CALLS);
    assertThat(probe.maxInFlight()).isEqualTo(PERMITS);
  }

  @Test
  void anAsyncCallWaitsForItsPermitOnABlockedExecutorThread() {
    Probe probe = Probe.finishedByTest();
    AsyncSemaphore semaphore = registry.semaphore("async-permits");
    int poolSize = applicationTaskExecutor.getCorePoolSize();

    List<CompletableFuture<String>> calls = IntStream.range(0, CALLS)
        .mapToObj(i -> async.work(probe, "call-" + i)).toList();

    eventually().untilAsserted(() -> {
      assertThat(probe.inFlight()).isEqualTo(PERMITS);
      assertThat(semaphore.waiters()).isEqualTo(poolSize - PERMITS);
      assertThat(applicationTaskExecutor.getActiveCount()).isEqualTo(poolSize);
    });
    assertThat(applicationTaskExecutor.getThreadPoolExecutor().getQueue()).hasSize(CALLS - poolSize);
    assertThat(probe.threads()).allMatch(thread -> thread.getName().startsWith("task-"));

    for (int i = 0; i < CALLS; i++) {
      probe.finishNext();
    }
    assertThat(Waits.all(calls)).succeedsWithin(Duration.ofSeconds(10));
    assertThat(semaphore.availablePermits()).isEqualTo(PERMITS);
  }
}
