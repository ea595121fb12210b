package dev.baton.spring.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.AcquireTimeoutException;
import dev.baton.AsyncCondition;
import dev.baton.AsyncQueue;
import dev.baton.Permit;
import dev.baton.spring.BatonProperties;
import dev.baton.spring.observation.WaitListener;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A registry's timeout says what timed out: the kind and name of the primitive (for a per-key
 * lock, its family, never the key) and the timeout. Naming does not depend on the registry having
 * wait listeners or tracking holds.
 */
class NamedTimeoutsTests {

  private static final Duration SHORT = Duration.ofMillis(10);

  /** One registry without listeners or hold tracking, one with both. */
  static Stream<DefaultPrimitiveRegistry> registries() {
    BatonProperties properties = new BatonProperties(true, BatonProperties.Backend.LOCAL,
        Duration.ofSeconds(30), false, BatonProperties.DEFAULT_ASPECT_ORDER, null, null, null,
        Map.of("slots",
            new BatonProperties.Queue(1, BatonProperties.QueueOrder.FIFO, null, null, null)),
        null, null, null, null, null, null);
    WaitListener listener = site -> outcome -> { };
    return Stream.of(new DefaultPrimitiveRegistry(properties, List.of(), false),
        new DefaultPrimitiveRegistry(properties, List.of(listener), true));
  }

  @ParameterizedTest
  @MethodSource("registries")
  void aLockTimeoutNamesTheLock(DefaultPrimitiveRegistry registry) {
    Permit held = registry.lock("ledger").acquire().join();

    assertTimedOut(registry.lock("ledger").acquire(SHORT), "lock 'ledger'", SHORT);
    assertTimedOut(registry.lock("ledger").acquire(Duration.ZERO), "lock 'ledger'", Duration.ZERO);
    held.release();
  }

  @ParameterizedTest
  @MethodSource("registries")
  void aPerKeyLockTimeoutNamesTheFamilyAndNeverTheKey(DefaultPrimitiveRegistry registry) {
    Permit held = registry.lock("accounts", "alice@example.com").acquire().join();

    AcquireTimeoutException timeout = assertTimedOut(
        registry.lock("accounts", "alice@example.com").acquire(SHORT), "lock 'accounts'", SHORT);
    assertThat(timeout.getMessage()).doesNotContain("alice");
    assertTimedOut(registry.lock("accounts", "alice@example.com").acquire(Duration.ZERO),
        "lock 'accounts'", Duration.ZERO);
    held.release();
    assertThat(registry.activeKeys("accounts")).isZero();
  }

  @ParameterizedTest
  @MethodSource("registries")
  void aSemaphoreTimeoutNamesTheSemaphore(DefaultPrimitiveRegistry registry) {
    Permit held = registry.semaphore("payments", 1).acquire().join();

    assertTimedOut(registry.semaphore("payments").acquire(SHORT), "semaphore 'payments'", SHORT);
    assertTimedOut(registry.semaphore("payments").withPermit(Duration.ZERO,
        () -> CompletableFuture.completedFuture("never")), "semaphore 'payments'", Duration.ZERO);
    held.release();
  }

  @ParameterizedTest
  @MethodSource("registries")
  void anEventTimeoutNamesTheEvent(DefaultPrimitiveRegistry registry) {
    assertTimedOut(registry.event("catalog-loaded").await(SHORT), "event 'catalog-loaded'", SHORT);
    assertTimedOut(registry.event("catalog-loaded").await(Duration.ZERO),
        "event 'catalog-loaded'", Duration.ZERO);
  }

  @ParameterizedTest
  @MethodSource("registries")
  void aConditionTimeoutNamesTheCondition(DefaultPrimitiveRegistry registry) {
    AsyncCondition condition = registry.condition("ready");
    Permit held = condition.acquire().join();

    assertTimedOut(condition.await(held, SHORT), "condition 'ready'", SHORT);
    assertThat(condition.lock().isLocked()).isFalse();
  }

  @ParameterizedTest
  @MethodSource("registries")
  void aQueueTimeoutNamesTheQueueForTakesAndPuts(DefaultPrimitiveRegistry registry) {
    AsyncQueue<String> jobs = registry.queue("jobs");

    assertTimedOut(jobs.take(SHORT), "queue 'jobs'", SHORT);
    assertTimedOut(jobs.take(Duration.ZERO), "queue 'jobs'", Duration.ZERO);
    assertThat(jobs.takers()).isZero();

    AsyncQueue<String> slots = registry.queue("slots");
    assertThat(slots.offer("first")).isTrue();
    assertTimedOut(slots.put("second", SHORT), "queue 'slots'", SHORT);
    assertTimedOut(slots.put("second", Duration.ZERO), "queue 'slots'", Duration.ZERO);
    assertThat(slots.putters()).isZero();
    assertThat(slots.poll()).isEqualTo("first");
    assertThat(slots.poll()).isNull();
  }

  private static AcquireTimeoutException assertTimedOut(CompletableFuture<?> wait, String what,
      Duration timeout) {
    Throwable failure = wait.handle((value, f) -> f).join();
    if (failure instanceof CompletionException && failure.getCause() != null) {
      failure = failure.getCause();
    }
    assertThat(failure).isInstanceOf(AcquireTimeoutException.class)
        .hasMessage("timed out after " + timeout + " waiting for " + what);
    AcquireTimeoutException timedOut = (AcquireTimeoutException) failure;
    int quote = what.indexOf(" '");
    assertThat(timedOut.primitive()).isEqualTo(what.substring(0, quote));
    assertThat(timedOut.name()).isEqualTo(what.substring(quote + 2, what.length() - 1));
    assertThat(timedOut.timeout()).isEqualTo(timeout);
    return timedOut;
  }
}
