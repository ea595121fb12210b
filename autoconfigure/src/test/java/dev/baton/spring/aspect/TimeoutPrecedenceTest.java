package dev.baton.spring.aspect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.AcquireTimeoutException;
import dev.baton.Permit;
import dev.baton.annotation.AwaitsEvent;
import dev.baton.annotation.Guarded;
import dev.baton.annotation.Limited;
import dev.baton.spring.PrimitiveRegistry;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Bean;

/**
 * Which timeout a wait gets: the annotation's, else {@code baton.locks|semaphores|events.NAME.timeout},
 * else {@code baton.default-timeout}. Each level has its own small value, and the
 * {@link AcquireTimeoutException} tells which one expired. A number without a unit is in
 * milliseconds, in an annotation and in a property.
 */
@SuppressWarnings("try") // permits held by try-with-resources to keep a primitive busy
@SpringBootTest(classes = TimeoutPrecedenceTest.App.class, properties = {
    "baton.default-timeout=70ms",
    "baton.locks.configured-lock.timeout=55", // without a unit: milliseconds, as in Spring Boot
    "baton.semaphores.configured-permits.permits=1",
    "baton.semaphores.configured-permits.timeout=55ms",
    "baton.semaphores.timeout-only.timeout=55ms",
    "baton.events.configured-event.timeout=55ms",
    "baton.locks.keyed-lock.timeout=55ms",
    "baton.locks.ordered-lock.timeout=55ms",
    "baton.locks.ordered-lock.key-order=ascending",
    "baton.semaphores.zero-permits.permits=1",
    "baton.semaphores.zero-permits.timeout=0",
    "baton.events.zero-event.timeout=0",
    "spring.main.banner-mode=off",
    "logging.level.root=warn"})
@Timeout(30)
class TimeoutPrecedenceTest {

  private static final Duration ANNOTATION = Duration.ofMillis(40);
  private static final Duration CONFIGURED = Duration.ofMillis(55);
  private static final Duration DEFAULT = Duration.ofMillis(70);

  @Autowired
  private TimedService timed;

  @Autowired
  private PrimitiveRegistry registry;

  @Test
  void aLockWaitTakesTheAnnotationTimeoutOverTheConfiguredOne() {
    try (Permit held = Waits.joined(registry.lock("configured-lock").acquire())) {
      assertTimesOutAfter(ANNOTATION, timed::lockWithAnnotationTimeout);
    }
  }

  /**
   * A timeout without a unit is in milliseconds, as in a Spring Boot duration property (and
   * unlike {@code @Transactional}'s seconds).
   */
  @Test
  void anAnnotationTimeoutWithoutAUnitIsInMilliseconds() {
    try (Permit held = Waits.joined(registry.lock("configured-lock").acquire())) {
      assertTimesOutAfter(ANNOTATION, timed::lockWithAnnotationTimeoutWithoutAUnit);
    }
  }

  @Test
  void aLockWaitTakesTheConfiguredTimeoutOverTheDefault() {
    try (Permit held = Waits.joined(registry.lock("configured-lock").acquire())) {
      assertTimesOutAfter(CONFIGURED, timed::lockWithConfiguredTimeout);
    }
  }

  @Test
  void aLockWaitTakesTheDefaultTimeoutWhenNothingElseIsGiven() {
    try (Permit held = Waits.joined(registry.lock("unconfigured-lock").acquire())) {
      assertTimesOutAfter(DEFAULT, timed::lockWithDefaultTimeout);
    }
  }

  @Test
  void aPermitWaitTakesTheAnnotationTimeoutOverTheConfiguredOne() {
    try (Permit held = Waits.joined(registry.semaphore("configured-permits").acquire())) {
      assertTimesOutAfter(ANNOTATION, timed::permitWithAnnotationTimeout);
    }
  }

  @Test
  void aSemaphoreConfiguredWithATimeoutOnlyTakesItsPermitsFromTheAnnotation() {
    Permit held = Waits.joined(registry.semaphore("timeout-only").acquire());
    try (held) {
      assertThat(registry.semaphore("timeout-only").maxPermits()).isEqualTo(1);
      assertTimesOutAfter(CONFIGURED, timed::permitsInTheAnnotationTimeoutConfigured);
    }
  }

  @Test
  void aPermitWaitTakesTheConfiguredTimeoutOverTheDefault() {
    try (Permit held = Waits.joined(registry.semaphore("configured-permits").acquire())) {
      assertTimesOutAfter(CONFIGURED, timed::permitWithConfiguredTimeout);
    }
  }

  @Test
  void aPermitWaitTakesTheDefaultTimeoutWhenNothingElseIsGiven() {
    try (Permit held = Waits.joined(registry.semaphore("unconfigured-permits").acquire())) {
      assertTimesOutAfter(DEFAULT, timed::permitWithDefaultTimeout);
    }
  }

  @Test
  void anEventWaitTakesTheAnnotationTimeoutOverTheConfiguredOne() {
    assertTimesOutAfter(ANNOTATION, timed::eventWithAnnotationTimeout);
  }

  @Test
  void anEventWaitTakesTheConfiguredTimeoutOverTheDefault() {
    assertTimesOutAfter(CONFIGURED, timed::eventWithConfiguredTimeout);
  }

  @Test
  void anEventWaitTakesTheDefaultTimeoutWhenNothingElseIsGiven() {
    assertTimesOutAfter(DEFAULT, timed::eventWithDefaultTimeout);
  }

  @Test
  void aPerKeyLockWaitTakesTheAnnotationTimeoutOverTheConfiguredOne() {
    try (Permit held = Waits.joined(registry.lock("keyed-lock", "sku-1").acquire())) {
      assertTimesOutAfter(ANNOTATION, () -> timed.keyedLockWithAnnotationTimeout("sku-1"));
    }
  }

  /** "baton.locks.NAME.timeout: wait limit for this lock (or per-key family)". */
  @Test
  void aPerKeyLockWaitTakesItsFamilysConfiguredTimeoutOverTheDefault() {
    try (Permit held = Waits.joined(registry.lock("keyed-lock", "sku-1").acquire())) {
      assertTimesOutAfter(CONFIGURED, () -> timed.keyedLockWithConfiguredTimeout("sku-1"));
      timed.keyedLockWithConfiguredTimeout("sku-2");
    }
  }

  @Test
  void aPerKeyLockWaitOfAFamilyDeclaredWithItsKeyOrderTakesItsConfiguredTimeout() {
    try (Permit held = Waits.joined(registry.lock("ordered-lock", "sku-1").acquire())) {
      assertTimesOutAfter(CONFIGURED, () -> timed.orderedLockWithConfiguredTimeout("sku-1"));
    }
  }

  @Test
  void aPerKeyLockWaitTakesTheDefaultTimeoutWhenNothingElseIsGiven() {
    try (Permit held = Waits.joined(registry.lock("unconfigured-keyed", "sku-1").acquire())) {
      assertTimesOutAfter(DEFAULT, () -> timed.keyedLockWithDefaultTimeout("sku-1"));
    }
  }

  /** "0 fails at once unless the primitive is free", given in the annotation. */
  @Test
  void aZeroPermitTimeoutInTheAnnotationFailsAtOnceUnlessAPermitIsFree() {
    int before = timed.zeroTimeoutPermitRuns();
    timed.permitWithZeroAnnotationTimeout();
    assertThat(timed.zeroTimeoutPermitRuns()).isEqualTo(before + 1);
    try (Permit held = Waits.joined(registry.semaphore("configured-permits").acquire())) {
      assertTimesOutAfter(Duration.ZERO, timed::permitWithZeroAnnotationTimeout);
    }
    assertThat(timed.zeroTimeoutPermitRuns()).isEqualTo(before + 1);
  }

  /** "0 fails at once unless the primitive is free", given by the property. */
  @Test
  void aZeroPermitTimeoutFromTheConfigurationFailsAtOnceUnlessAPermitIsFree() {
    int before = timed.zeroTimeoutPermitRuns();
    timed.permitWithZeroConfiguredTimeout();
    assertThat(timed.zeroTimeoutPermitRuns()).isEqualTo(before + 1);
    try (Permit held = Waits.joined(registry.semaphore("zero-permits").acquire())) {
      assertTimesOutAfter(Duration.ZERO, timed::permitWithZeroConfiguredTimeout);
    }
    assertThat(timed.zeroTimeoutPermitRuns()).isEqualTo(before + 1);
  }

  @Test
  void aZeroEventTimeoutInTheAnnotationFailsAtOnceUnlessTheEventIsSet() {
    assertTimesOutAfter(Duration.ZERO, timed::eventWithZeroAnnotationTimeout);
    registry.event("zero-annotated-event").set();
    assertThat(timed.eventWithZeroAnnotationTimeout()).isEqualTo("ran");
  }

  @Test
  void aZeroEventTimeoutFromTheConfigurationFailsAtOnceUnlessTheEventIsSet() {
    assertTimesOutAfter(Duration.ZERO, timed::eventWithZeroConfiguredTimeout);
    registry.event("zero-event").set();
    assertThat(timed.eventWithZeroConfiguredTimeout()).isEqualTo("ran");
  }

  private static void assertTimesOutAfter(Duration timeout, Runnable call) {
    assertThatThrownBy(call::run).isInstanceOfSatisfying(AcquireTimeoutException.class,
        e -> assertThat(e.timeout()).isEqualTo(timeout));
  }

  @SpringBootConfiguration(proxyBeanMethods = false)
  @EnableAutoConfiguration
  static class App {

    @Bean
    TimedService timedService() {
      return new TimedService();
    }
  }

  /** One method per level, for a lock, a semaphore and an event. */
  public static class TimedService {

    @Guarded(value = "configured-lock", timeout = "40ms")
    public void lockWithAnnotationTimeout() {
    }

    @Guarded(value = "configured-lock", timeout = "40")
    public void lockWithAnnotationTimeoutWithoutAUnit() {
    }

    @Guarded("configured-lock")
    public void lockWithConfiguredTimeout() {
    }

    @Guarded("unconfigured-lock")
    public void lockWithDefaultTimeout() {
    }

    @Limited(value = "configured-permits", timeout = "40ms")
    public void permitWithAnnotationTimeout() {
    }

    @Limited("configured-permits")
    public void permitWithConfiguredTimeout() {
    }

    @Limited(value = "unconfigured-permits", permits = 1)
    public void permitWithDefaultTimeout() {
    }

    @Limited(value = "timeout-only", permits = 1)
    public void permitsInTheAnnotationTimeoutConfigured() {
    }

    @AwaitsEvent(value = "configured-event", timeout = "40ms")
    public void eventWithAnnotationTimeout() {
    }

    @AwaitsEvent("configured-event")
    public void eventWithConfiguredTimeout() {
    }

    @AwaitsEvent("unconfigured-event")
    public void eventWithDefaultTimeout() {
    }

    @Guarded(value = "keyed-lock", key = "#sku", timeout = "40ms")
    public void keyedLockWithAnnotationTimeout(String sku) {
    }

    @Guarded(value = "keyed-lock", key = "#sku")
    public void keyedLockWithConfiguredTimeout(String sku) {
    }

    @Guarded(value = "ordered-lock", key = "#sku")
    public void orderedLockWithConfiguredTimeout(String sku) {
    }

    @Guarded(value = "unconfigured-keyed", key = "#sku")
    public void keyedLockWithDefaultTimeout(String sku) {
    }

    private final AtomicInteger zeroTimeoutPermitRuns = new AtomicInteger();

    /** How many of the calls with a zero permit timeout ran their body. */
    public int zeroTimeoutPermitRuns() {
      return zeroTimeoutPermitRuns.get();
    }

    @Limited(value = "configured-permits", timeout = "0")
    public void permitWithZeroAnnotationTimeout() {
      zeroTimeoutPermitRuns.incrementAndGet();
    }

    @Limited("zero-permits")
    public void permitWithZeroConfiguredTimeout() {
      zeroTimeoutPermitRuns.incrementAndGet();
    }

    @AwaitsEvent(value = "zero-annotated-event", timeout = "0")
    public String eventWithZeroAnnotationTimeout() {
      return "ran";
    }

    @AwaitsEvent("zero-event")
    public String eventWithZeroConfiguredTimeout() {
      return "ran";
    }
  }
}
