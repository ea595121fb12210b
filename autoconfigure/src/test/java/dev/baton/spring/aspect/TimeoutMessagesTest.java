package dev.baton.spring.aspect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.AcquireTimeoutException;
import dev.baton.Permit;
import dev.baton.spring.PrimitiveRegistry;
import dev.baton.spring.aspect.TestServices.EventService;
import dev.baton.spring.aspect.TestServices.GuardedService;
import dev.baton.spring.aspect.TestServices.LimitedService;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * An annotation's timeout says what timed out: the kind and name of the primitive (for a per-key
 * {@code @Guarded}, the family, never the key) and the timeout.
 */
@SuppressWarnings("try") // permits held by try-with-resources to keep a primitive busy
@BatonAspectsTest
@Timeout(60)
class TimeoutMessagesTest {

  @Autowired
  private GuardedService guarded;

  @Autowired
  private LimitedService limited;

  @Autowired
  private EventService events;

  @Autowired
  private PrimitiveRegistry registry;

  @Test
  void aGuardedCallWithAKeyTimesOutNamingTheFamilyAndNeverTheKey() {
    Probe probe = Probe.finishedByTest();
    try (Permit held = Waits.joined(registry.lock("evicted-async", 4242L).acquire())) {
      CompletableFuture<String> call = guarded.touchLaterOrGiveUp(4242L, probe);

      assertThat(call).failsWithin(Duration.ofSeconds(5))
          .withThrowableOfType(ExecutionException.class)
          .havingCause().isInstanceOf(AcquireTimeoutException.class)
          .withMessage("timed out after PT0.02S waiting for lock 'evicted-async'")
          .withMessageNotContaining("4242");
    }
    assertThat(probe.started()).isZero();
  }

  @Test
  void aGuardedCallTimesOutNamingItsLock() {
    Probe probe = Probe.finishedByTest();
    try (Permit held = Waits.joined(registry.lock("guarded-timed").acquire())) {
      assertThatThrownBy(() -> guarded.timedValue(probe))
          .isInstanceOf(AcquireTimeoutException.class)
          .hasMessage("timed out after PT0.05S waiting for lock 'guarded-timed'");
    }
  }

  @Test
  void aLimitedCallTimesOutNamingItsSemaphore() {
    Probe probe = Probe.finishedByTest();
    try (Permit held = Waits.joined(registry.semaphore("limited-timed").acquire())) {
      assertThatThrownBy(() -> limited.timedValue(probe))
          .isInstanceOf(AcquireTimeoutException.class)
          .hasMessage("timed out after PT0.05S waiting for semaphore 'limited-timed'");
    }
  }

  @Test
  void anAwaitsEventCallTimesOutNamingItsEvent() {
    registry.event("awaited-timed").clear();

    assertThatThrownBy(() -> events.awaitedOrTimeout(Probe.finishedByTest()))
        .isInstanceOf(AcquireTimeoutException.class)
        .hasMessage("timed out after PT0.05S waiting for event 'awaited-timed'");
  }
}
