package dev.baton.spring.stall;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.baton.AcquireTimeoutException;
import dev.baton.AsyncLock;
import dev.baton.Permit;
import dev.baton.spring.BatonAutoConfiguration;
import dev.baton.spring.BatonProperties;
import dev.baton.spring.PrimitiveRegistry;
import dev.baton.spring.TestProperties;
import dev.baton.spring.local.DefaultPrimitiveRegistry;
import dev.baton.spring.local.LocalPrimitives;
import dev.baton.spring.observation.CurrentCall;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * Several keys of one per-key family: {@code lockAll} takes them in ascending order, and a
 * family that declares that order ({@code baton.locks.NAME.key-order: ascending}) has only the
 * nestings against it reported as inversions.
 */
@Timeout(30)
class OrderedKeysTest {

  private final StallView view = new StallView(new BatonProperties.Stalls(
      BatonProperties.Stalls.Level.BASIC, Duration.ofSeconds(1), null, null, null));
  private final DefaultPrimitiveRegistry registry = new DefaultPrimitiveRegistry(
      TestProperties.withLocks(Map.of(
          "accounts", new BatonProperties.Lock(null, BatonProperties.KeyOrder.ASCENDING),
          "orders", new BatonProperties.Lock(null, BatonProperties.KeyOrder.ASCENDING))),
      new LocalPrimitives(), List.of(), false, view);

  @AfterEach
  void stopView() {
    view.destroy();
  }

  @Test
  void lockAllTakesEachKeyOnceInAscendingOrderAndGivesThemAllBack() {
    Permit all = registry.lockAll("accounts", List.of(30, 7, 30, 12), Duration.ofSeconds(1))
        .join();

    assertThat(List.of(7, 12, 30)).allSatisfy(key ->
        assertThat(registry.lock("accounts", key).isLocked()).isTrue());
    all.release();
    assertThat(List.of(7, 12, 30)).allSatisfy(key ->
        assertThat(registry.lock("accounts", key).isLocked()).isFalse());
    assertThatThrownBy(all::release).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void lockAllWaitsForAHeldKeyAndCancellingItGivesBackWhatItTook() {
    AsyncLock twelve = registry.lock("accounts", 12);
    Permit held = twelve.acquire().join();

    CompletableFuture<Permit> all =
        registry.lockAll("accounts", List.of(30, 7, 12), Duration.ofSeconds(10));

    assertThat(all).isNotDone();
    assertThat(registry.lock("accounts", 7).isLocked()).isTrue();
    assertThat(registry.lock("accounts", 30).isLocked()).isFalse();
    all.cancel(false);
    assertThat(registry.lock("accounts", 7).isLocked()).isFalse();
    assertThat(twelve.waiters()).isZero();
    held.release();
    assertThat(twelve.isLocked()).isFalse();
  }

  @Test
  void lockAllTimesOutNamingTheFamilyWhatHeldItUpAndHoldingNothing() {
    Permit held;
    try (CurrentCall.Scope holder = CurrentCall.open("Accounts.audit")) {
      held = registry.lock("accounts", 12).acquire().join();
    }
    CompletableFuture<Permit> all;
    try (CurrentCall.Scope batch = CurrentCall.open("Accounts.batch")) {
      all = registry.lockAll("accounts", List.of(7, 12), Duration.ofMillis(30));
    }

    assertThatThrownBy(all::join).cause().isInstanceOf(AcquireTimeoutException.class)
        .hasMessageStartingWith("timed out after PT0.03S waiting for lock 'accounts': held for ")
        .hasMessageContaining(" by Accounts.audit")
        .satisfies(timeout -> assertThat(((AcquireTimeoutException) timeout).blockers())
            .contains("Accounts.audit"));
    assertThat(registry.lock("accounts", 7).isLocked()).isFalse();
    held.release();
  }

  @Test
  void lockAllCompletedFromOutsideWhileWaitingGivesBackWhatItTook() {
    Permit held = registry.lock("accounts", 12).acquire().join();

    CompletableFuture<Permit> all = registry.lockAll("accounts", List.of(7, 12),
        Duration.ofSeconds(10)).orTimeout(20, TimeUnit.MILLISECONDS);

    assertThatThrownBy(all::join).hasCauseInstanceOf(TimeoutException.class);
    // join() returns once the future has failed; the timeout's thread withdraws right after.
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
      assertThat(registry.lock("accounts", 7).isLocked()).as("the key taken went back")
          .isFalse();
      assertThat(registry.lock("accounts", 12).waiters()).as("the wait was withdrawn").isZero();
    });
    held.release();
  }

  /**
   * A cancel that lands while a grant moves {@code lockAll} on to its next key: the next wait is
   * withdrawn and the key taken given back, whichever of the two sees the other. Regression: the
   * cancel could withdraw the wait just granted and miss the next, which kept the key taken.
   */
  @Test
  void aCancelRacingTheStepToTheNextKeyNeverKeepsAKey() throws Exception {
    AsyncLock one = registry.lock("accounts", 1);
    AsyncLock two = registry.lock("accounts", 2);
    Permit twoHeld = two.acquire().join();
    ExecutorService threads = Executors.newFixedThreadPool(2);
    try {
      for (int i = 0; i < 10_000; i++) {
        Permit oneHeld = one.acquire().join();
        CompletableFuture<Permit> all =
            registry.lockAll("accounts", List.of(1, 2), Duration.ofMinutes(5));
        CyclicBarrier start = new CyclicBarrier(2);
        Future<?> release = threads.submit(() -> {
          start.await();
          oneHeld.release(); // grants key 1 to lockAll, which moves on to key 2
          return null;
        });
        Future<?> cancel = threads.submit(() -> {
          start.await();
          return all.cancel(false);
        });
        release.get();
        cancel.get();

        int round = i;
        assertThat(one.isLocked()).as("round %d: key 1 kept by a cancelled lockAll", round)
            .isFalse();
        assertThat(two.waiters()).as("round %d: key 2 still waited for", round).isZero();
      }
    } finally {
      threads.shutdownNow();
      twoHeld.release();
    }
  }

  @Test
  void twoFamiliesDeclaringAscendingKeysTakenInOppositeOrdersAreAnInversion() {
    try (CurrentCall.Scope transfer = CurrentCall.open("Accounts.transfer");
        Permit account = registry.lock("accounts", 1).acquire().join()) {
      registry.lock("orders", 2).acquire().join().release();
    }
    try (CurrentCall.Scope refund = CurrentCall.open("Orders.refund");
        Permit order = registry.lock("orders", 2).acquire().join()) {
      registry.lock("accounts", 1).acquire().join().release();
    }

    assertThat(view.check().inversions()).singleElement().satisfies(inversion -> assertThat(
        inversion.describe()).isEqualTo("Orders.refund takes lock 'orders', then lock"
            + " 'accounts'; Accounts.transfer takes lock 'accounts', then lock 'orders'"));
  }

  @Test
  void keysThatDoNotCompareAreRefusedNamingTheirClassNotThemselves() {
    assertThatThrownBy(() -> registry.lockAll("accounts", List.of(7, "SENTINEL"),
        Duration.ofSeconds(1))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("per-key lock 'accounts'").hasMessageContaining("java.lang.")
        .message().doesNotContain("SENTINEL");
    assertThatThrownBy(() -> registry.lock("accounts", new Object()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("declares key-order ascending");
  }

  @Test
  void aFamilyDeclaringAscendingKeysHasOnlyNestingsAgainstThatOrderReported() {
    try (CurrentCall.Scope transfer = CurrentCall.open("Accounts.transfer")) {
      registry.lockAll("accounts", List.of(2, 1), Duration.ofSeconds(1)).join().release();
      try (Permit one = registry.lock("accounts", 3).acquire().join()) {
        registry.lock("accounts", 4).acquire().join().release();
      }
    }
    assertThat(view.check().inversions()).isEmpty();

    try (CurrentCall.Scope refund = CurrentCall.open("Accounts.refund");
        Permit four = registry.lock("accounts", 4).acquire().join()) {
      registry.lock("accounts", 3).acquire().join().release();
    }

    assertThat(view.check().inversions()).singleElement().satisfies(inversion -> assertThat(
        inversion.describe()).isEqualTo("Accounts.refund takes lock 'accounts', then lock"
            + " 'accounts'"));
  }

  /**
   * A key's acquire that throws rather than returning a failed future (a Redis backend closed
   * meanwhile does) fails the whole call and gives back the keys taken before it, instead of
   * leaving them held and the call pending for good.
   */
  @Test
  void aKeysAcquireThatThrowsFailsTheCallAndGivesBackTheKeysTaken() {
    IllegalStateException refused = new IllegalStateException("backend closed");
    PrimitiveRegistry refusingKeyTwo = (PrimitiveRegistry) Proxy.newProxyInstance(
        getClass().getClassLoader(), new Class<?>[] {PrimitiveRegistry.class},
        (proxy, method, args) -> {
          if (method.isDefault()) {
            return InvocationHandler.invokeDefault(proxy, method, args);
          }
          Object made = method.invoke(registry, args);
          if (method.getName().equals("lock") && args.length == 2 && args[1].equals(2)) {
            return refusingAcquires((AsyncLock) made, refused);
          }
          return made;
        });

    CompletableFuture<Permit> all =
        refusingKeyTwo.lockAll("orders", List.of(1, 2), Duration.ofSeconds(1));

    assertThat(all).failsWithin(Duration.ofSeconds(5)).withThrowableThat()
        .havingRootCause().isSameAs(refused);
    assertThat(registry.lock("orders", 1).isLocked()).as("the key taken first").isFalse();
  }

  /** {@code lock}, whose timed acquires throw {@code refused}. */
  private static AsyncLock refusingAcquires(AsyncLock lock, RuntimeException refused) {
    return (AsyncLock) Proxy.newProxyInstance(AsyncLock.class.getClassLoader(),
        new Class<?>[] {AsyncLock.class}, (proxy, method, args) -> {
          if (method.getName().equals("acquire")) {
            throw refused;
          }
          return method.invoke(lock, args);
        });
  }

  @Test
  void theKeyOrderIsDeclaredInTheConfiguration() {
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(BatonAutoConfiguration.class,
            BatonStallsAutoConfiguration.class))
        .withPropertyValues("baton.stalls.level=basic", "baton.locks.accounts.key-order=ascending")
        .run(context -> {
          assertThat(context.getBean(BatonProperties.class).keyOrder("accounts"))
              .isEqualTo(BatonProperties.KeyOrder.ASCENDING);
          PrimitiveRegistry fromContext = context.getBean(PrimitiveRegistry.class);
          assertThatThrownBy(() -> fromContext.lock("accounts", new Object()))
              .hasMessageContaining("declares key-order ascending");
        });
  }
}
