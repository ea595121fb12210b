package dev.baton.spring.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.baton.AsyncCondition;
import dev.baton.AsyncLock;
import dev.baton.AsyncQueue;
import dev.baton.AsyncSemaphore;
import dev.baton.Permit;
import dev.baton.spring.BatonAutoConfiguration;
import dev.baton.spring.BatonProperties;
import dev.baton.spring.PrimitiveRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

class BatonMetricsAutoConfigurationTests {

  private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(BatonAutoConfiguration.class,
          BatonMetricsAutoConfiguration.class));

  /** The same with Spring Boot's own meter registry, as the actuator provides it. */
  private final ApplicationContextRunner metered = contextRunner.withConfiguration(
      AutoConfigurations.of(MetricsAutoConfiguration.class,
          SimpleMetricsExportAutoConfiguration.class,
          CompositeMeterRegistryAutoConfiguration.class));

  @Test
  void runShouldProvideTheGaugesAndWithAMeterRegistryTheTimers() {
    contextRunner.run(context -> assertThat(context).hasSingleBean(BatonGauges.class)
        .doesNotHaveBean(BatonTimers.class));
    contextRunner.withBean(SimpleMeterRegistry.class)
        .run(context -> assertThat(context).hasSingleBean(BatonTimers.class));
  }

  @Test
  void runWhenDisabledShouldNotProvideTheGaugeBinder() {
    contextRunner.withPropertyValues("baton.enabled=false")
        .run(context -> assertThat(context).doesNotHaveBean(BatonGauges.class));
  }

  @Test
  void runWithAUserBinderShouldBackOff() {
    contextRunner.withBean("userGauges", BatonGauges.class,
        () -> new BatonGauges(null)).run(context -> {
          assertThat(context).hasSingleBean(BatonGauges.class);
          assertThat(context).hasBean("userGauges");
        });
  }

  /** A timers bean of the application's own replaces Baton's: waits are not timed twice. */
  @Test
  void runWithUserTimersShouldBackOff() {
    contextRunner.withBean(SimpleMeterRegistry.class)
        .withBean("userTimers", BatonTimers.class,
            () -> new BatonTimers(new BatonProperties.Metrics(false, List.of(), true)))
        .run(context -> {
          assertThat(context).hasSingleBean(BatonTimers.class);
          assertThat(context).hasBean("userTimers");
        });
  }

  /**
   * A per-key family declared with its key order is no plain lock: its gauges are the family's.
   * Regression: a plain lock of the family's name was made at start-up and its gauges, read 0,
   * took the family's names (found by review).
   */
  @Test
  void aFamilyDeclaredWithItsKeyOrderReportsItsHeldKeysAndWaiters() {
    contextRunner.withPropertyValues("baton.locks.stock.timeout=2s",
        "baton.locks.stock.key-order=ascending").run(context -> {
          assertThat(context).doesNotHaveBean(AsyncLock.class);
          PrimitiveRegistry registry = context.getBean(PrimitiveRegistry.class);
          SimpleMeterRegistry meters = new SimpleMeterRegistry();
          context.getBean(BatonGauges.class).bindTo(meters);
          assertThat(registry.names()).as("listed before its first key").contains("stock");
          assertThat(meters.get(BatonGauges.LOCK_HELD).tag("name", "stock").gauge().value())
              .as("measured before its first key").isZero();
          Permit one = registry.lock("stock", "sku-1").acquire().join();
          Permit two = registry.lock("stock", "sku-2").acquire().join();
          CompletableFuture<Permit> waiting = registry.lock("stock", "sku-1").acquire();
          try {
            assertThat(meters.get(BatonGauges.LOCK_HELD).tag("name", "stock").gauge().value())
                .isEqualTo(2.0);
            assertThat(meters.get(BatonGauges.LOCK_WAITERS).tag("name", "stock").gauge().value())
                .isEqualTo(1.0);
          } finally {
            one.release();
            two.release();
            waiting.join().release();
          }
        });
  }

  /** Spring Boot's own distribution properties apply to Baton's timers as to any. */
  @Test
  void springBootsDistributionPropertiesApplyToTheTimers() {
    metered.withPropertyValues("management.metrics.distribution.percentiles.baton.wait=0.5,0.99",
        "management.metrics.distribution.slo.baton.held=50ms")
        .run(context -> {
          context.getBean(PrimitiveRegistry.class).lock("ledger").acquire().join().release();
          MeterRegistry meters = context.getBean(MeterRegistry.class);

          Timer wait = meters.get("baton.wait").tag("name", "ledger")
              .tag("outcome", "acquired").timer();
          assertThat(wait.takeSnapshot().percentileValues()).hasSize(2);
          Timer held = meters.get("baton.held").tag("name", "ledger").timer();
          assertThat(Arrays.stream(held.takeSnapshot().histogramCounts())
              .map(CountAtBucket::bucket)).containsExactly(
                  (double) Duration.ofMillis(50).toNanos());
        });
  }

  /**
   * {@code baton.metrics.percentile-histogram=true} adds the timers' histogram buckets, as
   * Prometheus shows them (a registry that aggregates percentiles; the simple one keeps none).
   */
  @Test
  void thePercentileHistogramPropertyAddsTheTimersBuckets() {
    metered.withBean(PrometheusMeterRegistry.class,
        () -> new PrometheusMeterRegistry(PrometheusConfig.DEFAULT))
        .withPropertyValues("baton.metrics.percentile-histogram=true").run(context -> {
          context.getBean(PrimitiveRegistry.class).lock("ledger").acquire().join().release();

          assertThat(context.getBean(PrometheusMeterRegistry.class).scrape())
              .contains("baton_wait_seconds_bucket{name=\"ledger\",outcome=\"acquired\"")
              .contains("baton_held_seconds_bucket{name=\"ledger\",primitive=\"lock\"");
        });
  }

  /**
   * "A family: over all its keys", "never per key": a wait for a held key that is withdrawn or
   * times out leaves the family's waiters at once while the key stays held and active, and is
   * timed under the family's name with its outcome; no meter ever shows the key.
   */
  @Test
  void aFamilysWithdrawnAndTimedOutWaitsLeaveItsWaitersWhileTheKeyStaysHeld() {
    metered.run(context -> {
      MeterRegistry meters = context.getBean(MeterRegistry.class);
      AsyncLock account = context.getBean(PrimitiveRegistry.class)
          .lock("accounts", "alice@example.com");
      Permit held = account.acquire().join();

      assertThat(account.acquire().cancel(false)).isTrue();
      assertThat(account.acquire(Duration.ofMillis(10))).failsWithin(Duration.ofSeconds(5));

      assertThat(level(meters, BatonGauges.LOCK_WAITERS, "accounts")).isZero();
      assertThat(level(meters, BatonGauges.LOCK_HELD, "accounts")).isEqualTo(1);
      assertThat(level(meters, BatonGauges.LOCK_KEYS_ACTIVE, "accounts")).isEqualTo(1);
      await().untilAsserted(() -> assertThat(waits(meters, "lock", "accounts", "timeout"))
          .isEqualTo(1));
      assertThat(waits(meters, "lock", "accounts", "cancelled")).isEqualTo(1);
      held.release();
      assertThat(level(meters, BatonGauges.LOCK_KEYS_ACTIVE, "accounts")).isZero();
      assertThat(meters.getMeters()).flatMap(meter -> meter.getId().getTags())
          .noneMatch(tag -> tag.getValue().contains("alice"));
    });
  }

  /**
   * A semaphore with all its permits held: withdrawn and timed-out acquires leave its waiters at
   * once, and a permit released while an acquire waits is handed to it, so never reads available
   * ("permits neither held nor handed to a waiter").
   */
  @Test
  void aSemaphoreWithAllPermitsHeldHandsAReleasedPermitOnWithoutItReadingAvailable() {
    metered.run(context -> {
      MeterRegistry meters = context.getBean(MeterRegistry.class);
      AsyncSemaphore payments = context.getBean(PrimitiveRegistry.class).semaphore("payments", 1);
      Permit held = payments.acquire().join();
      assertThat(payments.acquire().cancel(false)).isTrue();
      assertThat(payments.acquire(Duration.ofMillis(10))).failsWithin(Duration.ofSeconds(5));
      CompletableFuture<Permit> next = payments.acquire();
      assertThat(level(meters, BatonGauges.SEMAPHORE_WAITERS, "payments")).isEqualTo(1);

      held.release();

      assertThat(next).isDone();
      assertThat(level(meters, BatonGauges.SEMAPHORE_AVAILABLE, "payments")).isZero();
      assertThat(level(meters, BatonGauges.SEMAPHORE_WAITERS, "payments")).isZero();
      next.join().release();
      assertThat(level(meters, BatonGauges.SEMAPHORE_AVAILABLE, "payments")).isEqualTo(1);
      await().untilAsserted(() -> assertThat(waits(meters, "semaphore", "payments", "timeout"))
          .isEqualTo(1));
      assertThat(waits(meters, "semaphore", "payments", "cancelled")).isEqualTo(1);
      assertThat(waits(meters, "semaphore", "payments", "acquired")).isEqualTo(2);
      assertThat(meters.get(BatonTimers.HELD).tag("name", "payments").timer().count())
          .isEqualTo(2);
    });
  }

  /**
   * A put waiting for room on a full queue counts on {@code side=put}; shutting the queue down
   * fails it, which leaves the count and is timed as {@code failed} ("a shut-down queue").
   */
  @Test
  void aPutWaitingOnAFullQueueCountsOnThePutSideUntilTheQueueShutsDown() {
    metered.withPropertyValues("baton.queues.jobs.capacity=1").run(context -> {
      MeterRegistry meters = context.getBean(MeterRegistry.class);
      AsyncQueue<String> jobs = context.getBean(PrimitiveRegistry.class).queue("jobs");
      jobs.put("first").join();
      CompletableFuture<Void> second = jobs.put("second");
      assertThat(level(meters, BatonGauges.QUEUE_CAPACITY, "jobs")).isEqualTo(1);
      assertThat(queueWaiters(meters, "put")).isEqualTo(1);
      assertThat(queueWaiters(meters, "take")).isZero();

      jobs.shutdownNow();

      assertThat(second).isCompletedExceptionally();
      assertThat(queueWaiters(meters, "put")).isZero();
      assertThat(waits(meters, "queue", "jobs", "failed")).isEqualTo(1);
      assertThat(waits(meters, "queue", "jobs", "acquired")).isEqualTo(1);
    });
  }

  /**
   * "A condition's wait covers the signal and the re-acquire": a signalled waiter no longer waits
   * for a signal, but its wait ends, and is timed, only once it has the condition's lock again.
   */
  @Test
  void aSignalledConditionWaitIsTimedOnlyOnceItHasTheLockAgain() {
    metered.run(context -> {
      MeterRegistry meters = context.getBean(MeterRegistry.class);
      AsyncCondition ready = context.getBean(PrimitiveRegistry.class).condition("ready");
      CompletableFuture<Permit> awaiting = ready.await(ready.acquire().join());
      Permit signaller = ready.acquire().join();
      assertThat(level(meters, BatonGauges.CONDITION_WAITERS, "ready")).isEqualTo(1);

      ready.signal();

      assertThat(level(meters, BatonGauges.CONDITION_WAITERS, "ready")).isZero();
      assertThat(awaiting).isNotDone();
      assertThat(waits(meters, "condition", "ready", "acquired")).as("the two acquires")
          .isEqualTo(2);
      signaller.release();
      awaiting.join().release();
      assertThat(waits(meters, "condition", "ready", "acquired")).isEqualTo(3);
    });
  }

  private static double level(MeterRegistry meters, String gauge, String name) {
    return meters.get(gauge).tag(BatonGauges.TAG_NAME, name).gauge().value();
  }

  private static double queueWaiters(MeterRegistry meters, String side) {
    return meters.get(BatonGauges.QUEUE_WAITERS).tags(BatonGauges.TAG_NAME, "jobs",
        BatonGauges.TAG_SIDE, side).gauge().value();
  }

  private static long waits(MeterRegistry meters, String primitive, String name,
      String outcome) {
    return meters.get(BatonTimers.WAIT).tags(BatonTimers.TAG_PRIMITIVE, primitive,
        BatonGauges.TAG_NAME, name, BatonTimers.TAG_OUTCOME, outcome).timer().count();
  }
}
