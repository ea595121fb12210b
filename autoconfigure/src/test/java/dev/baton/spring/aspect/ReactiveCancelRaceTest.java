package dev.baton.spring.aspect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.baton.AsyncLock;
import dev.baton.Permit;
import java.time.Duration;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A subscription cancelled at the instant its lock is handed over: either the call never runs
 * and the lock goes back, or the call runs holding the lock, which goes back when the call ends.
 * Regression: the cancel could give the lock back while the grant was being handed on, and the
 * call then ran without it (a few hundred times in 20,000 rounds).
 */
@Timeout(120)
class ReactiveCancelRaceTest {

  private static final int ROUNDS = 10_000;

  private final AsyncLock lock = AsyncLock.create();
  private final Gate<Permit> gate = Gate.holding(lock, Duration.ofSeconds(10), "race");

  @Test
  void aMonoCancelledAsItsLockIsHandedOverNeverRunsWithoutIt() throws Exception {
    assertNeverRunsUnprotected(body -> new MonoAdapter().around(gate, body));
  }

  @Test
  void aFluxCancelledAsItsLockIsHandedOverNeverRunsWithoutIt() throws Exception {
    assertNeverRunsUnprotected(body -> new FluxAdapter().around(gate, body));
  }

  private void assertNeverRunsUnprotected(Function<Invocation, Object> adapt) throws Exception {
    AtomicInteger unprotected = new AtomicInteger();
    ExecutorService releasers = Executors.newSingleThreadExecutor();
    try {
      for (int i = 0; i < ROUNDS; i++) {
        Permit holder = lock.acquire().join();
        Object call = adapt.apply(() -> {
          if (!lock.isLocked()) {
            unprotected.incrementAndGet();
          }
          return Flux.empty();
        });
        Disposable subscription = call instanceof Mono<?> mono ? mono.subscribe()
            : ((Flux<?>) call).subscribe();
        CyclicBarrier start = new CyclicBarrier(2);
        Future<?> release = releasers.submit(() -> {
          start.await();
          holder.release();
          return null;
        });
        start.await();
        subscription.dispose();
        release.get();

        assertThat(unprotected).as("calls run without the lock, round %d", i).hasValue(0);
        int round = i;
        await().pollDelay(Duration.ZERO).atMost(Duration.ofSeconds(5)).untilAsserted(() ->
            assertThat(lock.isLocked()).as("the lock, after round %d", round).isFalse());
      }
    } finally {
      releasers.shutdownNow();
    }
  }
}
