package dev.baton.spring.stall;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
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
      TestProperties.withLocks(Map.of("accounts",
          new BatonProperties.Lock(null, BatonProperties.KeyOrder.ASCENDING))),
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
  void lockAllTimesOutNamingTheFamilyAndHoldingNothing() {
    Permit held = registry.lock("accounts", 12).acquire().join();

    CompletableFuture<Permit> all =
        registry.lockAll("accounts", List.of(7, 12), Duration.ofMillis(30));

    assertThatThrownBy(all::join).cause().isInstanceOf(AcquireTimeoutException.class)
        .hasMessage("timed out after PT0.03S waiting for lock 'accounts'");
    assertThat(registry.lock("accounts", 7).isLocked()).isFalse();
    held.release();
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
