package dev.baton.spring.stall;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.baton.AsyncCondition;
import dev.baton.AsyncLock;
import dev.baton.Permit;
import dev.baton.spring.BatonAutoConfiguration;
import dev.baton.spring.PrimitiveRegistry;
import dev.baton.spring.metrics.BatonGauges;
import dev.baton.spring.metrics.BatonMetricsAutoConfiguration;
import dev.baton.spring.metrics.BatonTimers;
import dev.baton.spring.observation.CurrentCall;
import dev.baton.spring.observation.WaitListener;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * The stall view's gauges and counters in a real context, with Spring Boot's meter registry:
 * bound only while the view is on, reading the ages of real pending waits and holds, counting
 * what the view counts, and never showing a key.
 */
@Timeout(30)
class BatonStallsMetricsAutoConfigurationTests {

  /** A per-key lock's key: user data that must never be shown. */
  private static final String SENTINEL = "acct-SENTINEL-4711";

  private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(BatonStallsAutoConfiguration.class,
          BatonAutoConfiguration.class, BatonMetricsAutoConfiguration.class,
          BatonStallsMetricsAutoConfiguration.class, MetricsAutoConfiguration.class,
          SimpleMetricsExportAutoConfiguration.class,
          CompositeMeterRegistryAutoConfiguration.class))
      .withPropertyValues("baton.stalls.level=basic", "baton.stalls.confirm-after=50ms");

  @Test
  void runWhenTheLevelIsOffShouldHaveNoStallMetersAndNoWaitListenerOfTheirs() {
    contextRunner.withPropertyValues("baton.stalls.level=off").run(context -> {
      PrimitiveRegistry registry = context.getBean(PrimitiveRegistry.class);
      AsyncLock ledger = registry.lock("ledger");
      ledger.acquire().join();
      ledger.acquire();

      assertThat(context).doesNotHaveBean(StallMeters.class).doesNotHaveBean(OldestWaits.class);
      assertThat(context.getBeansOfType(WaitListener.class).values())
          .singleElement().isInstanceOf(BatonTimers.class);
      assertThat(stallMeters(context.getBean(MeterRegistry.class))).isEmpty();
    });
  }

  @Test
  void runWithoutAMeterRegistryShouldNotListenToWaits() {
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(BatonStallsAutoConfiguration.class,
            BatonAutoConfiguration.class, BatonStallsMetricsAutoConfiguration.class))
        .withPropertyValues("baton.stalls.level=basic")
        .run(context -> assertThat(context).hasSingleBean(StallView.class)
            .doesNotHaveBean(OldestWaits.class).doesNotHaveBean(StallMeters.class));
  }

  @Test
  void theOldestWaitGaugeReadsTheAgeOfTheOldestPendingWaitUntilItEnds() {
    contextRunner.run(context -> {
      MeterRegistry meters = context.getBean(MeterRegistry.class);
      AsyncLock ledger = context.getBean(PrimitiveRegistry.class).lock("ledger");
      Permit holder = ledger.acquire().join();
      assertThat(age(meters, StallMeters.WAIT_OLDEST, "lock", "ledger")).isZero();

      Started oldest = Started.of(ledger::acquire);
      await().until(() -> oldest.ageNanos() >= TimeUnit.MILLISECONDS.toNanos(20));
      Started newer = Started.of(ledger::acquire);

      oldest.assertAge(() -> age(meters, StallMeters.WAIT_OLDEST, "lock", "ledger"));
      holder.release();
      oldest.future().join();
      newer.assertAge(() -> age(meters, StallMeters.WAIT_OLDEST, "lock", "ledger"));
      oldest.permit().release();
      newer.permit().release();
      assertThat(age(meters, StallMeters.WAIT_OLDEST, "lock", "ledger")).isZero();
    });
  }

  @Test
  void theOldestHoldGaugeReadsTheAgeOfTheLongestLiveHoldUntilItIsReleased() {
    contextRunner.run(context -> {
      MeterRegistry meters = context.getBean(MeterRegistry.class);
      AsyncLock ledger = context.getBean(PrimitiveRegistry.class).lock("ledger");
      assertThat(age(meters, StallMeters.HOLD_OLDEST, "lock", "ledger")).isZero();

      Started held = Started.of(ledger::acquire);

      held.assertAge(() -> age(meters, StallMeters.HOLD_OLDEST, "lock", "ledger"));
      held.permit().release();
      assertThat(age(meters, StallMeters.HOLD_OLDEST, "lock", "ledger")).isZero();
    });
  }

  /**
   * A plain lock and a per-key family of one name share that name's gauges, which read both.
   * Regression: a name declared with only a timeout has a plain lock from start-up, whose gauges
   * took the name, so that the family's holds and waits read 0 (found by review).
   */
  @Test
  void aPlainLockAndAFamilyOfOneNameShareItsGaugesWhichReadBoth() {
    contextRunner.withPropertyValues("baton.locks.stock.timeout=2s").run(context -> {
      MeterRegistry meters = context.getBean(MeterRegistry.class);
      PrimitiveRegistry registry = context.getBean(PrimitiveRegistry.class);
      Started keyHeld = Started.of(registry.lock("stock", SENTINEL)::acquire);
      Started keyWait = Started.of(registry.lock("stock", SENTINEL)::acquire);

      keyHeld.assertAge(() -> age(meters, StallMeters.HOLD_OLDEST, "lock", "stock"));
      keyWait.assertAge(() -> age(meters, StallMeters.WAIT_OLDEST, "lock", "stock"));
      Permit plain = registry.lock("stock").acquire().join();
      CompletableFuture<Permit> plainWait = registry.lock("stock").acquire();
      assertThat(level(meters, BatonGauges.LOCK_HELD)).isEqualTo(2.0);
      assertThat(level(meters, BatonGauges.LOCK_WAITERS)).isEqualTo(2.0);
      assertThat(level(meters, BatonGauges.LOCK_KEYS_ACTIVE)).isEqualTo(1.0);
      keyHeld.assertAge(() -> age(meters, StallMeters.HOLD_OLDEST, "lock", "stock"));

      keyHeld.permit().release();
      keyWait.permit().release();
      plain.release();
      plainWait.join().release();
      assertThat(level(meters, BatonGauges.LOCK_HELD)).isZero();
      assertThat(age(meters, StallMeters.HOLD_OLDEST, "lock", "stock")).isZero();
    });
  }

  /**
   * "The oldest hold is the older of both" whichever it is: here the plain lock's, taken well
   * before a key of the family of its name (above, the family's is the older).
   */
  @Test
  void theOldestHoldOfAPlainLockAndAFamilyOfOneNameIsThePlainLocksWhenItIsTheOlder() {
    contextRunner.withPropertyValues("baton.locks.stock.timeout=2s").run(context -> {
      MeterRegistry meters = context.getBean(MeterRegistry.class);
      PrimitiveRegistry registry = context.getBean(PrimitiveRegistry.class);
      Started plainHeld = Started.of(registry.lock("stock")::acquire);
      await().until(() -> plainHeld.ageNanos() >= TimeUnit.MILLISECONDS.toNanos(200));
      Permit keyHeld = registry.lock("stock", SENTINEL).acquire().join();

      plainHeld.assertAge(() -> age(meters, StallMeters.HOLD_OLDEST, "lock", "stock"));

      keyHeld.release();
      plainHeld.permit().release();
      assertThat(age(meters, StallMeters.HOLD_OLDEST, "lock", "stock")).isZero();
    });
  }

  private static double level(MeterRegistry meters, String gauge) {
    return meters.get(gauge).tag("name", "stock").gauge().value();
  }

  @Test
  void everyKindOfPrimitiveShowsItsOldestWaitAndLocksSemaphoresAndConditionsTheirOldestHold() {
    contextRunner.run(context -> {
      MeterRegistry meters = context.getBean(MeterRegistry.class);
      PrimitiveRegistry registry = context.getBean(PrimitiveRegistry.class);
      AsyncLock account = registry.lock("accounts", SENTINEL);
      Started familyHold = Started.of(account::acquire);
      Started familyWait = Started.of(account::acquire);
      Started semaphoreHold = Started.of(registry.semaphore("payments", 1)::acquire);
      Started semaphoreWait = Started.of(registry.semaphore("payments")::acquire);
      Started eventWait = Started.of(registry.event("loaded")::await);
      AsyncCondition ready = registry.condition("ready");
      Started conditionWait = Started.of(() -> ready.await(ready.acquire().join()));
      Started conditionHold = Started.of(ready.lock()::acquire);
      Started queueWait = Started.of(registry.<String>queue("jobs")::take);
      Started barrierWait = Started.of(registry.barrier("round", 2)::await);

      familyWait.assertAge(() -> age(meters, StallMeters.WAIT_OLDEST, "lock", "accounts"));
      familyHold.assertAge(() -> age(meters, StallMeters.HOLD_OLDEST, "lock", "accounts"));
      semaphoreWait.assertAge(
          () -> age(meters, StallMeters.WAIT_OLDEST, "semaphore", "payments"));
      semaphoreHold.assertAge(
          () -> age(meters, StallMeters.HOLD_OLDEST, "semaphore", "payments"));
      eventWait.assertAge(() -> age(meters, StallMeters.WAIT_OLDEST, "event", "loaded"));
      conditionWait.assertAge(() -> age(meters, StallMeters.WAIT_OLDEST, "condition", "ready"));
      conditionHold.assertAge(() -> age(meters, StallMeters.HOLD_OLDEST, "condition", "ready"));
      queueWait.assertAge(() -> age(meters, StallMeters.WAIT_OLDEST, "queue", "jobs"));
      barrierWait.assertAge(() -> age(meters, StallMeters.WAIT_OLDEST, "barrier", "round"));
      assertThat(meters.find(StallMeters.HOLD_OLDEST).meters())
          .extracting(meter -> meter.getId().getTag("name"))
          .containsExactlyInAnyOrder("accounts", "payments", "ready");
      assertThat(meters.find(StallMeters.WAIT_OLDEST).meters())
          .allSatisfy(meter -> assertThat(meter.getId().getTags()).extracting(Tag::getKey)
              .containsExactlyInAnyOrder("primitive", "name"));
      assertThat(meters.find(StallMeters.HOLD_OLDEST).meters())
          .allSatisfy(meter -> assertThat(meter.getId().getTags()).extracting(Tag::getKey)
              .containsExactlyInAnyOrder("primitive", "name"));
      assertThat(meters.find(StallMeters.HOLD_OLDEST).meters())
          .extracting(meter -> meter.getId().getTag("primitive"))
          .containsExactlyInAnyOrder("lock", "semaphore", "condition");
    });
  }

  /** The README's {@code baton.stalls.*} counters are function counters with no tags. */
  @Test
  void theStallCountersAreFunctionCountersWithoutTags() {
    contextRunner.run(context -> {
      MeterRegistry meters = context.getBean(MeterRegistry.class);
      for (String counter : new String[] {StallMeters.DEADLOCKS, StallMeters.REENTRIES,
          StallMeters.INVERSIONS, StallMeters.LEAKS}) {
        assertThat(meters.find(counter).meters()).as(counter).singleElement()
            .satisfies(meter -> {
              assertThat(meter).isInstanceOf(FunctionCounter.class);
              assertThat(meter.getId().getTags()).isEmpty();
            });
      }
    });
  }

  @Test
  void theReentryCounterCountsEveryWaitForALockTheCallHolds() {
    contextRunner.run(context -> {
      MeterRegistry meters = context.getBean(MeterRegistry.class);
      AsyncLock audit = context.getBean(PrimitiveRegistry.class).lock("audit");
      assertThat(count(meters, StallMeters.REENTRIES)).isZero();

      try (CurrentCall.Scope call = CurrentCall.open("AuditService.write")) {
        audit.acquire().join();
        audit.acquire();
        audit.acquire();
      }

      assertThat(count(meters, StallMeters.REENTRIES)).isEqualTo(2);
    });
  }

  @Test
  void theInversionCounterCountsEachLockOrderThatClosesACycleOnce() {
    contextRunner.run(context -> {
      MeterRegistry meters = context.getBean(MeterRegistry.class);
      PrimitiveRegistry registry = context.getBean(PrimitiveRegistry.class);
      AsyncLock inventory = registry.lock("inventory");
      AsyncLock ledger = registry.lock("ledger");
      assertThat(count(meters, StallMeters.INVERSIONS)).isZero();

      for (int round = 0; round < 2; round++) {
        takeInOrder("OrderService.place", inventory, ledger);
        takeInOrder("LedgerService.transfer", ledger, inventory);
      }

      assertThat(count(meters, StallMeters.INVERSIONS)).isEqualTo(1);
    });
  }

  /** A call at {@code site} takes {@code first}, then {@code then}, and lets both go. */
  private static void takeInOrder(String site, AsyncLock first, AsyncLock then) {
    try (CurrentCall.Scope call = CurrentCall.open(site);
        Permit held = first.acquire().join()) {
      then.acquire().join().release();
    }
  }

  @Test
  void theDeadlockCounterCountsAConfirmedDeadlockOnceHoweverLongItLasts() {
    contextRunner.run(context -> {
      MeterRegistry meters = context.getBean(MeterRegistry.class);
      StallView view = context.getBean(StallView.class);
      assertThat(count(meters, StallMeters.DEADLOCKS)).isZero();

      try (TwoCallDeadlock deadlock = new TwoCallDeadlock(context.getBean(PrimitiveRegistry.class),
          "item", AsyncLock::acquire)) {
        await().until(() -> count(meters, StallMeters.DEADLOCKS) == 1);
        assertThat(view.check().deadlocks()).singleElement()
            .satisfies(lasting -> assertThat(lasting.confirmed()).isTrue());
        assertThat(count(meters, StallMeters.DEADLOCKS)).isEqualTo(1);
      }
    });
  }

  @Test
  void theLeakCounterCountsAPermitDroppedUnreleased() {
    // A hold is watched for a leak once it has lasted half its held-too-long.
    contextRunner.withPropertyValues("baton.stalls.held-too-long=100ms").run(context -> {
      MeterRegistry meters = context.getBean(MeterRegistry.class);
      AsyncLock journal = context.getBean(PrimitiveRegistry.class).lock("journal");
      assertThat(count(meters, StallMeters.LEAKS)).isZero();

      takeAndDrop(journal);

      await().until(() -> {
        System.gc(); // a leak is found once the collector has cleared the permit
        return count(meters, StallMeters.LEAKS) == 1;
      });
      assertThat(journal.isLocked()).as("nothing could release it").isTrue();
    });
  }

  /** Takes {@code lock} as a call and keeps no reference to its permit. */
  private static void takeAndDrop(AsyncLock lock) {
    try (CurrentCall.Scope call = CurrentCall.open("Journal.write")) {
      lock.acquire().join();
    }
  }

  @Test
  void noKeyAppearsInAnyMeterOfAFamilyThatHoldsWaitsAndDeadlocks() {
    contextRunner.run(context -> {
      MeterRegistry meters = context.getBean(MeterRegistry.class);
      PrimitiveRegistry registry = context.getBean(PrimitiveRegistry.class);
      try (TwoCallDeadlock deadlock = new TwoCallDeadlock(registry, SENTINEL,
          AsyncLock::acquire)) {
        await().until(() -> count(meters, StallMeters.DEADLOCKS) == 1);
        assertThat(age(meters, StallMeters.WAIT_OLDEST, "lock", "inventory")).isPositive();
        assertThat(age(meters, StallMeters.HOLD_OLDEST, "lock", "inventory")).isPositive();

        assertThat(meters.getMeters()).isNotEmpty().allSatisfy(meter -> {
          assertThat(meter.getId().getName()).doesNotContain("SENTINEL");
          assertThat(meter.getId().getTags()).extracting(Tag::getValue)
              .allSatisfy(value -> assertThat(value).doesNotContain("SENTINEL"));
        });
      }
    });
  }

  @Test
  void everyStallMeterHasADescriptionAndIsListedInTheReadme() throws Exception {
    String readme = Files.readString(Path.of("..", "README.md"));
    contextRunner.run(context -> {
      MeterRegistry meters = context.getBean(MeterRegistry.class);
      context.getBean(PrimitiveRegistry.class).lock("ledger");
      for (Field field : StallMeters.class.getFields()) {
        if (!Modifier.isStatic(field.getModifiers())) {
          continue;
        }
        String name = (String) field.get(null);
        assertThat(meters.find(name).meters()).as(name).isNotEmpty()
            .allSatisfy(meter -> assertThat(meter.getId().getDescription()).isNotBlank());
        assertThat(readme).as("README lists %s", name).contains("`" + name + "`");
      }
    });
  }

  private static Iterable<Meter> stallMeters(MeterRegistry meters) {
    return meters.getMeters().stream().filter(meter -> {
      String name = meter.getId().getName();
      return name.equals(StallMeters.WAIT_OLDEST) || name.equals(StallMeters.HOLD_OLDEST)
          || name.startsWith("baton.stalls.");
    }).toList();
  }

  /** The gauge {@code name} of one primitive, in nanoseconds. */
  private static double age(MeterRegistry meters, String name, String primitive,
      String primitiveName) {
    return meters.get(name).tag("primitive", primitive).tag("name", primitiveName).timeGauge()
        .value(TimeUnit.NANOSECONDS);
  }

  private static double count(MeterRegistry meters, String name) {
    return meters.get(name).functionCounter().count();
  }

  /**
   * A wait or hold started by a call made between two clock reads: its age, read later between
   * two more, lies between the two differences.
   */
  private record Started(CompletableFuture<?> future, long from, long to) {

    static Started of(Supplier<? extends CompletableFuture<?>> start) {
      long from = System.nanoTime();
      CompletableFuture<?> future = start.get();
      return new Started(future, from, System.nanoTime());
    }

    /** The lock or permit it was granted, once it is. */
    Permit permit() {
      return (Permit) future.join();
    }

    /** At least how long ago it started. */
    long ageNanos() {
      return System.nanoTime() - to;
    }

    /** Checks that {@code gauge}, in nanoseconds, reads this one's age. */
    void assertAge(Supplier<Double> gauge) {
      long readFrom = System.nanoTime();
      double age = gauge.get();
      long readTo = System.nanoTime();
      assertThat(age).isPositive().isBetween((double) readFrom - to, (double) readTo - from);
    }
  }
}
