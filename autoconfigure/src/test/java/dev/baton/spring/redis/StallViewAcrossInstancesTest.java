package dev.baton.spring.redis;

import static dev.baton.spring.observation.TestCalls.as;
import static dev.baton.spring.observation.TestCalls.call;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import dev.baton.AcquireTimeoutException;
import dev.baton.AsyncLock;
import dev.baton.Permit;
import dev.baton.spring.PrimitiveRegistry;
import dev.baton.spring.observation.Call;
import dev.baton.spring.stall.Stall;
import dev.baton.spring.stall.StallReport;
import dev.baton.spring.stall.StallView;
import dev.baton.spring.stall.StuckCall;
import dev.baton.spring.stall.TwoCallDeadlock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The stall view of two instances sharing their primitives through one real {@code redis-server}:
 * each sees its own calls only. A deadlock across the instances is claimed by neither (each
 * sees a wait for a lock that no call of its own holds), its waits are stalls once they pass
 * their threshold, and their timeouts say that no call of the instance held them up. A deadlock
 * among the calls of one instance is found and confirmed, and a timeout held up within one
 * instance explained, as with the local backend; a timeout of an event says that no call of the
 * instance was to set it.
 */
class StallViewAcrossInstancesTest {

  private static final Duration PATIENCE = Duration.ofSeconds(10);
  /** How long the waits of these tests wait: well past the stall threshold below. */
  private static final Duration WAIT = Duration.ofSeconds(2);

  private static TwoRedisInstances instances;

  @BeforeAll
  static void start() {
    instances = new TwoRedisInstances(
        "spring.main.web-application-type=none",
        "baton.redis.lease=2s",
        "baton.semaphores.payments.permits=2",
        "baton.stalls.level=basic",
        "baton.stalls.waited-too-long=300ms",
        "baton.stalls.confirm-after=100ms");
  }

  @AfterAll
  static void stop() {
    instances.close();
  }

  @AfterEach
  void nothingIsLeftInRedis() {
    await().atMost(PATIENCE).untilAsserted(() -> assertThat(instances.server.keys()).isEmpty());
  }

  @Test
  void aDeadlockAcrossInstancesIsClaimedByNeitherItsWaitsAreStallsAndItsTimeoutsSaySo() {
    try (TwoCallDeadlock deadlock = new TwoCallDeadlock(registry(one()), registry(two()), "sku-1",
        ledger -> ledger.acquire(WAIT), inventory -> inventory.acquire(WAIT))) {
      await().atMost(PATIENCE).untilAsserted(() -> {
        assertThat(view(one()).stalls()).extracting(Stall::kind, Stall::name, Stall::site)
            .contains(tuple("waited", "ledger", "OrderService.place"));
        assertThat(view(two()).stalls()).extracting(Stall::kind, Stall::name, Stall::site)
            .contains(tuple("waited", "inventory", "LedgerService.post"));
      });
      for (StallView view : new StallView[] {view(one()), view(two())}) {
        StallReport report = view.check();
        assertThat(report.pendingWaits()).isEqualTo(1);
        assertThat(report.deadlocks()).isEmpty();
      }

      assertThat(timeoutOf(deadlock.placeWaits()).getMessage()).isEqualTo("timed out after "
          + WAIT + " waiting for lock 'ledger': held by no call of this instance (calls of other"
          + " instances are not seen)");
      assertThat(timeoutOf(deadlock.postWaits()).blockers())
          .startsWith("held by no call of this instance");
    }
  }

  @Test
  void aDeadlockAmongTheCallsOfOneInstanceIsFoundAndConfirmedAsWithTheLocalBackend() {
    try (TwoCallDeadlock deadlock = new TwoCallDeadlock(registry(one()), registry(one()), "sku-2",
        ledger -> ledger.acquire(WAIT), AsyncLock::acquire)) {
      await().atMost(PATIENCE).untilAsserted(() -> assertThat(view(one()).check().deadlocks())
          .singleElement().satisfies(found -> {
            assertThat(found.confirmed()).isTrue();
            assertThat(found.cycle()).extracting(StuckCall::site)
                .containsExactlyInAnyOrder("OrderService.place", "LedgerService.post");
          }));
      assertThat(view(two()).check().deadlocks()).isEmpty();

      assertThat(timeoutOf(deadlock.placeWaits()).blockers()).startsWith("held for ")
          .contains(" by LedgerService.post, which waits for lock 'inventory'");
    }
  }

  @Test
  void aTimeoutHeldUpInItsOwnInstanceNamesTheHolderAndThatOtherInstancesMayHoldPermitsToo() {
    Call first = call("Payments.first");
    Call elsewhere = call("Payments.elsewhere");
    Call late = call("Payments.late");
    Permit here = as(first, () -> registry(one()).semaphore("payments").acquire()).join();
    Permit there = as(elsewhere, () -> registry(two()).semaphore("payments").acquire()).join();
    try {
      CompletableFuture<Permit> waits =
          as(late, () -> registry(one()).semaphore("payments").acquire(WAIT));

      assertThat(timeoutOf(waits).blockers()).matches("held for \\d+(\\.\\d)? s by Payments.first;"
          + " calls of other instances, not seen here, may hold permits too");
    } finally {
      here.release();
      there.release();
    }
  }

  /**
   * A call holding one of two permits asks for another while a call of the other instance holds
   * the second: to this instance it looks like a call waiting for itself, but the other instance
   * may let go at any time. Regression: it was confirmed as a deadlock (and the health went
   * down), though the wait was granted as soon as the other instance released.
   */
  @Test
  void aSemaphoreWaitThatACallOfAnotherInstanceMayEndIsNoDeadlock() {
    Call batch = call("Payments.batch");
    Permit there = as(call("Payments.elsewhere"),
        () -> registry(two()).semaphore("payments").acquire()).join();
    Permit here = as(batch, () -> registry(one()).semaphore("payments").acquire()).join();
    CompletableFuture<Permit> more =
        as(batch, () -> registry(one()).semaphore("payments").acquire());
    try {
      await().atMost(PATIENCE).untilAsserted(() -> assertThat(view(one()).stalls())
          .extracting(Stall::kind, Stall::name, Stall::site)
          .contains(tuple("waited", "payments", "Payments.batch")));

      await().during(Duration.ofMillis(500)).atMost(PATIENCE)
          .until(() -> view(one()).check().deadlocks().isEmpty());
      there.release();
      assertThat(more).succeedsWithin(PATIENCE);
    } finally {
      more.cancel(false);
      here.release();
      if (!more.isCompletedExceptionally()) {
        more.join().release();
      }
    }
  }

  @Test
  void aTimedOutWaitForAnEventSaysThatNoCallOfItsInstanceWasToSetIt() {
    CompletableFuture<Void> waits =
        as(call("Catalog.browse"), () -> registry(one()).event("catalog-loaded").await(WAIT));

    assertThat(timeoutOf(waits).blockers())
        .isEqualTo("no running call of this instance is to set it");
  }

  /** {@code wait}'s timeout, once it has failed with one. */
  private static AcquireTimeoutException timeoutOf(CompletableFuture<?> wait) {
    Throwable failure = wait.handle((value, thrown) -> thrown).join();
    Throwable cause = failure instanceof CompletionException ? failure.getCause() : failure;
    assertThat(cause).isInstanceOf(AcquireTimeoutException.class);
    return (AcquireTimeoutException) cause;
  }

  private static ConfigurableApplicationContext one() {
    return instances.one;
  }

  private static ConfigurableApplicationContext two() {
    return instances.two;
  }

  private static PrimitiveRegistry registry(ConfigurableApplicationContext instance) {
    return instance.getBean(PrimitiveRegistry.class);
  }

  private static StallView view(ConfigurableApplicationContext instance) {
    return instance.getBean(StallView.class);
  }
}
