package dev.baton.spring.stall;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.jayway.jsonpath.JsonPath;
import dev.baton.AsyncLock;
import dev.baton.spring.BatonAutoConfiguration;
import dev.baton.spring.PrimitiveRegistry;
import dev.baton.spring.observation.CurrentCall;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.autoconfigure.contributor.HealthContributorAutoConfiguration;
import org.springframework.boot.health.autoconfigure.registry.HealthContributorRegistryAutoConfiguration;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.health.registry.HealthContributorRegistry;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * The {@code baton} health indicator in a real context: DOWN, naming the cycle, only for a
 * confirmed deadlock without timeouts, and for good once a permit is dropped unreleased; UP
 * without deadlocks, for a suspected one and for a timed one; present only with the stall view on
 * and Spring Boot's health support.
 */
@Timeout(30)
class BatonStallsHealthAutoConfigurationTests {

  /** A per-key lock's key: user data that must never be shown. */
  private static final String SENTINEL = "sku-SENTINEL-4711";

  private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(BatonStallsAutoConfiguration.class,
          BatonAutoConfiguration.class, BatonStallsHealthAutoConfiguration.class,
          HealthContributorAutoConfiguration.class,
          HealthContributorRegistryAutoConfiguration.class))
      .withPropertyValues("baton.stalls.level=basic", "baton.stalls.confirm-after=50ms");

  @Test
  void runShouldRegisterTheIndicatorAsBaton() {
    contextRunner.run(context -> assertThat(context.getBean(HealthContributorRegistry.class)
        .getContributor("baton")).isSameAs(context.getBean(BatonHealthIndicator.class)));
  }

  @Test
  void runWithoutDeadlocksShouldBeUp() {
    contextRunner.run(context -> assertThat(context.getBean(BatonHealthIndicator.class).health())
        .isEqualTo(Health.up().build()));
  }

  @Test
  void runWithAConfirmedDeadlockWithoutTimeoutsShouldBeDownNamingItsCycleAndNoKey() {
    contextRunner.run(context -> {
      HealthIndicator indicator = context.getBean(BatonHealthIndicator.class);
      try (TwoCallDeadlock deadlock = new TwoCallDeadlock(context.getBean(PrimitiveRegistry.class),
          SENTINEL, AsyncLock::acquire)) {

        Health health = await().until(indicator::health,
            h -> h.getStatus().equals(Status.DOWN));

        assertThat(health.getDetails()).containsOnlyKeys(BatonHealthIndicator.DEADLOCKS);
        assertThat((List<?>) health.getDetails().get(BatonHealthIndicator.DEADLOCKS))
            .singleElement().asString().contains(TwoCallDeadlock.PLACE)
            .contains("LedgerService.post holds lock 'ledger' and waits for lock 'inventory'");
        assertThat(health.toString()).doesNotContain("SENTINEL");
      }
      assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);
    });
  }

  @Test
  void runWithAPermitDroppedUnreleasedShouldStayDownNamingItAndNoKey() {
    // A hold is watched for a leak once it has lasted half its held-too-long.
    contextRunner.withPropertyValues("baton.stalls.held-too-long=100ms").run(context -> {
      HealthIndicator indicator = context.getBean(BatonHealthIndicator.class);
      PrimitiveRegistry registry = context.getBean(PrimitiveRegistry.class);
      takeAndDrop(registry);

      Health health = await().until(() -> {
        System.gc(); // the leak is found once the collector has cleared the permit
        return indicator.health();
      }, h -> h.getStatus().equals(Status.DOWN));

      assertThat(health.getDetails()).containsOnlyKeys(BatonHealthIndicator.LEAKED_PERMITS);
      assertThat((List<?>) health.getDetails().get(BatonHealthIndicator.LEAKED_PERMITS))
          .singleElement().asString().startsWith(
              "a permit of lock 'inventory' taken by Inventory.reserve was dropped unreleased");
      assertThat(health.toString()).doesNotContain("SENTINEL");
      assertThat(registry.lock("inventory", SENTINEL).isLocked()).isTrue();
      assertThat(indicator.health().getStatus()).isEqualTo(Status.DOWN);
    });
  }

  /**
   * Strict mode keeps the health UP only for deadlocks, which its check breaks: a permit dropped
   * unreleased stays held there too, so the health goes DOWN for it.
   */
  @Test
  void runInStrictModeWithAPermitDroppedUnreleasedShouldBeDown() {
    contextRunner.withPropertyValues("baton.stalls.level=strict",
        "baton.stalls.held-too-long=100ms").run(context -> {
          HealthIndicator indicator = context.getBean(BatonHealthIndicator.class);
          takeAndDrop(context.getBean(PrimitiveRegistry.class));

          Health health = await().until(() -> {
            System.gc(); // the leak is found once the collector has cleared the permit
            return indicator.health();
          }, h -> h.getStatus().equals(Status.DOWN));

          assertThat(health.getDetails()).containsOnlyKeys(BatonHealthIndicator.LEAKED_PERMITS);
        });
  }

  /** Takes the {@code inventory} lock of {@link #SENTINEL} and keeps no reference to its permit. */
  private static void takeAndDrop(PrimitiveRegistry registry) {
    try (CurrentCall.Scope call = CurrentCall.open("Inventory.reserve")) {
      registry.lock("inventory", SENTINEL).acquire().join();
    }
  }

  @Test
  void runWithADeadlockOnlySuspectedShouldBeUp() {
    contextRunner.withPropertyValues("baton.stalls.confirm-after=1h").run(context -> {
      StallView view = context.getBean(StallView.class);
      try (TwoCallDeadlock deadlock = new TwoCallDeadlock(context.getBean(PrimitiveRegistry.class),
          SENTINEL, AsyncLock::acquire)) {
        assertThat(view.check().deadlocks()).singleElement()
            .satisfies(suspected -> assertThat(suspected.confirmed()).isFalse());

        assertThat(context.getBean(BatonHealthIndicator.class).health())
            .isEqualTo(Health.up().build());
      }
    });
  }

  @Test
  void runWithAConfirmedDeadlockThatATimeoutWillEndShouldBeUp() {
    contextRunner.run(context -> {
      StallView view = context.getBean(StallView.class);
      try (TwoCallDeadlock deadlock = new TwoCallDeadlock(context.getBean(PrimitiveRegistry.class),
          SENTINEL, lock -> lock.acquire(Duration.ofSeconds(60)))) {
        await().until(() -> view.check().deadlocks().stream().anyMatch(Deadlock::confirmed));

        assertThat(context.getBean(BatonHealthIndicator.class).health())
            .isEqualTo(Health.up().build());
      }
    });
  }

  /**
   * DOWN is for a deadlock none of whose waits has a timeout: one timed wait of the cycle ends it,
   * so a cycle with one timed and one untimed wait keeps the health UP.
   */
  @Test
  void runWithAConfirmedDeadlockOneOfWhoseWaitsHasATimeoutShouldBeUp() {
    contextRunner.run(context -> {
      StallView view = context.getBean(StallView.class);
      PrimitiveRegistry registry = context.getBean(PrimitiveRegistry.class);
      try (TwoCallDeadlock deadlock = new TwoCallDeadlock(registry, registry, SENTINEL,
          AsyncLock::acquire, lock -> lock.acquire(Duration.ofSeconds(60)))) {
        await().until(() -> view.check().deadlocks().stream().anyMatch(Deadlock::confirmed));

        assertThat(context.getBean(BatonHealthIndicator.class).health())
            .isEqualTo(Health.up().build());
      }
    });
  }

  @Test
  void runWhenTheLevelIsOffShouldNotHaveTheIndicator() {
    contextRunner.withPropertyValues("baton.stalls.level=off").run(context -> {
      assertThat(context).doesNotHaveBean(BatonHealthIndicator.class);
      assertThat(context.getBean(HealthContributorRegistry.class).getContributor("baton"))
          .isNull();
    });
  }

  @Test
  void runWhenTheIndicatorIsDisabledShouldNotHaveIt() {
    contextRunner.withPropertyValues("management.health.baton.enabled=false")
        .run(context -> assertThat(context).hasSingleBean(StallView.class)
            .doesNotHaveBean(BatonHealthIndicator.class));
  }

  @Test
  void theSwitchIsInTheIdeMetadata() throws IOException {
    List<String> described = new ArrayList<>();
    for (URL url : Collections.list(getClass().getClassLoader()
        .getResources("META-INF/spring-configuration-metadata.json"))) {
      try (InputStream in = url.openStream()) {
        described.addAll(JsonPath.read(in,
            "$.properties[?(@.name == 'management.health.baton.enabled')].description"));
      }
    }

    assertThat(described).singleElement().asString().contains("deadlock");
  }

  @Test
  void runWithoutSpringBootHealthShouldNotHaveTheIndicator() {
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(BatonStallsAutoConfiguration.class,
            BatonAutoConfiguration.class, BatonStallsHealthAutoConfiguration.class))
        .withPropertyValues("baton.stalls.level=basic")
        .withClassLoader(new FilteredClassLoader(HealthIndicator.class))
        .run(context -> assertThat(context).hasNotFailed().hasSingleBean(StallView.class)
            .doesNotHaveBean(BatonHealthIndicator.class));
  }
}
