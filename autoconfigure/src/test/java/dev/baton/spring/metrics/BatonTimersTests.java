package dev.baton.spring.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.baton.AcquireTimeoutException;
import dev.baton.AsyncBarrier;
import dev.baton.AsyncCondition;
import dev.baton.AsyncLock;
import dev.baton.AsyncQueue;
import dev.baton.Permit;
import dev.baton.spring.BatonProperties;
import dev.baton.spring.TestProperties;
import dev.baton.spring.local.DefaultPrimitiveRegistry;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

class BatonTimersTests {

  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final PrometheusMeterRegistry prometheus =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

  private DefaultPrimitiveRegistry registry(BatonProperties.Metrics settings) {
    BatonProperties properties = TestProperties.with(settings);
    BatonTimers timers = new BatonTimers(properties.metrics());
    timers.bindTo(meters);
    timers.bindTo(prometheus);
    return new DefaultPrimitiveRegistry(properties, List.of(timers), false);
  }

  private DefaultPrimitiveRegistry registry() {
    return registry(null);
  }

  @Test
  void aGrantedWaitIsTimedAsAcquiredAndItsHoldUntilRelease() {
    AsyncLock lock = registry().lock("inventory");

    Permit permit = lock.acquire().join();
    assertThat(waits("lock", "inventory", "acquired").count()).isEqualTo(1);
    assertThat(held("lock", "inventory")).isNull();

    permit.release();
    Timer held = held("lock", "inventory");
    assertThat(held.count()).isEqualTo(1);
    assertThat(held.totalTime(TimeUnit.NANOSECONDS)).isPositive();
  }

  /**
   * "baton.wait: from the start of a wait to its end": a wait granted once its holder lets go
   * lasted at least from its start to the release and at most from before it to the grant.
   */
  @Test
  void aGrantedWaitIsTimedFromItsStartToItsGrant() {
    AsyncLock lock = registry().lock("inventory");
    Permit holder = lock.acquire().join();
    long beforeWait = System.nanoTime();
    CompletableFuture<Permit> waiting = lock.acquire();
    long waitStarted = System.nanoTime();
    await().until(() -> System.nanoTime() - waitStarted >= TimeUnit.MILLISECONDS.toNanos(50));
    long beforeRelease = System.nanoTime();

    holder.release();
    waiting.join().release();
    long afterGrant = System.nanoTime();

    Timer acquired = waits("lock", "inventory", "acquired");
    assertThat(acquired.count()).isEqualTo(2);
    assertThat(acquired.max(TimeUnit.NANOSECONDS)).as("the longer of the two waits")
        .isBetween((double) beforeRelease - waitStarted, (double) afterGrant - beforeWait);
  }

  @Test
  void aTimedOutWaitIsTaggedTimeout() {
    AsyncLock lock = registry().lock("inventory");
    Permit holder = lock.acquire().join();

    CompletableFuture<Permit> late = lock.acquire(Duration.ofMillis(20));

    assertThatThrownBy(late::join).hasCauseInstanceOf(AcquireTimeoutException.class);
    // The timeout completes on the timer thread, whose callbacks may still be running.
    await().untilAsserted(
        () -> assertThat(waits("lock", "inventory", "timeout").count()).isEqualTo(1));
    assertThat(waits("lock", "inventory", "timeout").totalTime(TimeUnit.NANOSECONDS)).isPositive();
    assertThat(lock.waiters()).isZero();
    holder.release();
  }

  @Test
  void aCancelledWaitIsTaggedCancelledAndLeavesNothingHeld() {
    AsyncLock lock = registry().lock("inventory");
    Permit holder = lock.acquire().join();

    CompletableFuture<Permit> waiting = lock.acquire();
    waiting.cancel(true);

    assertThat(waits("lock", "inventory", "cancelled").count()).isEqualTo(1);
    assertThat(lock.waiters()).isZero();
    holder.release();
    assertThat(lock.isLocked()).isFalse();
    assertThat(waits("lock", "inventory", "acquired").count()).isEqualTo(1);
  }

  /**
   * A wait withdrawn by an outside {@code complete}, {@code completeExceptionally} or
   * {@code orTimeout} is tagged cancelled on every kind, as on a lock: it was never granted and
   * the primitive did not fail it. Regression: an untimed event await, queue take and
   * barrier await, handed out as the primitive's own future, were tagged acquired or failed
   * (found by {@code MetricsTruthFuzzTest}).
   */
  @Test
  void aWaitWithdrawnByAnOutsideCompletionIsTaggedCancelledOnEveryKind() {
    DefaultPrimitiveRegistry registry = registry();
    Permit holder = registry.lock("ledger").acquire().join();

    assertThat(registry.lock("ledger").acquire().complete(null)).isTrue();
    assertThat(registry.event("loaded").await().complete(null)).isTrue();
    assertThat(registry.queue("jobs").take().complete("never put")).isTrue();
    assertThat(registry.barrier("start", 2).await()
        .completeExceptionally(new IllegalStateException("given up"))).isTrue();
    AsyncQueue<String> idle = registry.queue("idle");
    CompletableFuture<String> take = idle.take().orTimeout(1, TimeUnit.MILLISECONDS);
    assertThatThrownBy(take::join).hasCauseInstanceOf(TimeoutException.class);

    await().untilAsserted(() -> {
      assertWithdrawn("lock", "ledger");
      assertWithdrawn("event", "loaded");
      assertWithdrawn("queue", "jobs");
      assertWithdrawn("barrier", "start");
      assertWithdrawn("queue", "idle");
    });
    assertThat(waits("lock", "ledger", "acquired").count()).as("the holder's").isEqualTo(1);
    holder.release();
  }

  /** One wait at the site, withdrawn; none granted or failed but the lock holder's grant. */
  private void assertWithdrawn(String primitive, String name) {
    assertThat(waits(primitive, name, "cancelled").count()).as("%s %s cancelled", primitive, name)
        .isEqualTo(1);
    assertThat(waits(primitive, name, "failed").count()).as("%s %s failed", primitive, name)
        .isZero();
    if (!primitive.equals("lock")) {
      assertThat(waits(primitive, name, "acquired").count())
          .as("%s %s acquired", primitive, name).isZero();
    }
  }

  @Test
  void everyOutcomeOfASiteAppearsWithItsFirstWait() {
    registry().semaphore("payments", 2).acquire().join();

    for (String outcome : List.of("acquired", "timeout", "cancelled", "failed")) {
      assertThat(waits("semaphore", "payments", outcome)).as(outcome).isNotNull();
    }
    assertThat(waits("semaphore", "payments", "timeout").count()).isZero();
  }

  @Test
  void aTakeFromAShutDownQueueIsTaggedFailed() {
    AsyncQueue<String> queue = registry().queue("jobs");
    CompletableFuture<String> take = queue.take();

    queue.shutdownNow();

    assertThatThrownBy(take::join).isInstanceOf(CompletionException.class);
    assertThat(waits("queue", "jobs", "failed").count()).isEqualTo(1);
  }

  @Test
  void aWaitOfABrokenBarrierIsTaggedFailed() {
    AsyncBarrier barrier = registry().barrier("start", 2);
    CompletableFuture<Integer> waiting = barrier.await();

    barrier.abort();

    assertThatThrownBy(waiting::join).isInstanceOf(CompletionException.class);
    assertThat(waits("barrier", "start", "failed").count()).isEqualTo(1);
  }

  @Test
  void callsThatNeverWaitAreNotTimed() {
    DefaultPrimitiveRegistry registry = registry();
    AsyncLock lock = registry.lock("l");
    AsyncQueue<String> queue = registry.queue("q");

    lock.tryAcquire().orElseThrow().release();
    assertThat(queue.offer("x")).isTrue();
    assertThat(queue.poll()).isEqualTo("x");

    assertThat(waits("lock", "l", "acquired")).isNull();
    assertThat(waits("queue", "q", "acquired")).isNull();
    assertThat(held("lock", "l").count()).as("its hold is timed all the same").isEqualTo(1);
  }

  @Test
  void eventAndBarrierWaitsAreTimedUnderTheirKind() {
    DefaultPrimitiveRegistry registry = registry();
    CompletableFuture<Void> awaiting = registry.event("loaded").await();
    registry.event("loaded").set();
    awaiting.join();
    registry.barrier("start", 1).await().join();

    assertThat(waits("event", "loaded", "acquired").count()).isEqualTo(1);
    assertThat(waits("barrier", "start", "acquired").count()).isEqualTo(1);
  }

  @Test
  void aConditionAwaitEndsOneHoldAndStartsAnother() {
    AsyncCondition condition = registry().condition("ready");
    Permit first = condition.acquire().join();

    CompletableFuture<Permit> awaiting = condition.await(first);
    assertThat(held("condition", "ready").count()).isEqualTo(1);
    condition.acquire().thenAccept(signaller -> {
      condition.signal();
      signaller.release();
    });
    awaiting.join().release();

    assertThat(held("condition", "ready").count()).isEqualTo(3);
    assertThat(waits("condition", "ready", "acquired").count()).isEqualTo(3);
  }

  @Test
  void aConditionAwaitsHoldEndsWhereItGivesTheLockUpNotAfterTheNextHoldersCallbacks() {
    AsyncCondition condition = registry().condition("ready");
    Permit first = condition.acquire().join();
    long work = TimeUnit.MILLISECONDS.toNanos(400);
    // The next holder's callback runs on this thread, inside await, as the lock passes to it.
    CompletableFuture<Permit> next = condition.acquire().thenApply(permit -> {
      long start = System.nanoTime();
      while (System.nanoTime() - start < work) {
        Thread.onSpinWait();
      }
      return permit;
    });

    CompletableFuture<Permit> awaiting = condition.await(first);

    assertThat(next).isCompleted();
    assertThat(held("condition", "ready").count()).isEqualTo(1);
    assertThat(held("condition", "ready").totalTime(TimeUnit.NANOSECONDS))
        .as("the hold that await gave up, without the next holder's work").isLessThan(work);
    awaiting.cancel(false);
    next.join().release();
  }

  @Test
  void aLockFamilyIsTimedUnderItsNameAndNeverPerKey() {
    DefaultPrimitiveRegistry registry = registry();
    List<Permit> permits = new ArrayList<>();
    for (int key = 0; key < 100; key++) {
      permits.add(registry.lock("sku", key).acquire().join());
    }
    permits.forEach(Permit::release);

    assertThat(waits("lock", "sku", "acquired").count()).isEqualTo(100);
    assertThat(held("lock", "sku").count()).isEqualTo(100);
    assertThat(meters.getMeters()).allSatisfy(meter -> assertThat(meter.getId().getTags())
        .allSatisfy(tag -> assertThat(tag.getValue()).doesNotMatch("\\d+")));
    assertThat(registry.activeKeys("sku")).isZero();
  }

  @Test
  void percentileHistogramsAreSwitchedOnByProperty() {
    registry(new BatonProperties.Metrics(true, List.of(), true)).lock("l").acquire().join()
        .release();

    assertThat(prometheus.scrape())
        .contains("baton_wait_seconds_bucket{name=\"l\",outcome=\"acquired\",primitive=\"lock\",le=")
        .contains("baton_held_seconds_bucket{name=\"l\",primitive=\"lock\",le=");
  }

  @Test
  void percentilesComputedInTheJvmAreSwitchedOnByProperty() {
    registry(new BatonProperties.Metrics(false, List.of(0.5, 0.99), true)).lock("l").acquire()
        .join().release();

    assertThat(waits("lock", "l", "acquired").takeSnapshot().percentileValues()).hasSize(2);
    assertThat(prometheus.scrape())
        .contains("baton_wait_seconds{name=\"l\",outcome=\"acquired\",primitive=\"lock\",quantile=\"0.99\"}");
  }

  @Test
  void withoutTheSwitchNoHistogramIsKept() {
    registry().lock("l").acquire().join().release();

    assertThat(prometheus.scrape()).contains("baton_wait_seconds_count{name=\"l\"")
        .doesNotContain("_bucket").doesNotContain("quantile");
  }

  @Test
  void timersHaveDescriptions() {
    registry().lock("l").acquire().join().release();

    assertThat(meters.getMeters()).extracting(Meter::getId)
        .allSatisfy(id -> assertThat(id.getDescription()).isNotBlank());
  }

  private Timer waits(String primitive, String name, String outcome) {
    return meters.find(BatonTimers.WAIT).tags(BatonTimers.TAG_PRIMITIVE, primitive,
        BatonGauges.TAG_NAME, name, BatonTimers.TAG_OUTCOME, outcome).timer();
  }

  private Timer held(String primitive, String name) {
    return meters.find(BatonTimers.HELD)
        .tags(BatonTimers.TAG_PRIMITIVE, primitive, BatonGauges.TAG_NAME, name).timer();
  }
}
