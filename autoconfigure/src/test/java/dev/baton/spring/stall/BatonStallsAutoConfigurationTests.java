package dev.baton.spring.stall;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.spring.BatonAutoConfiguration;
import dev.baton.spring.BatonProperties;
import dev.baton.spring.PrimitiveRegistry;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * Which stall view a context gets from {@code baton.stalls.level}: none at {@code off}, the
 * default, not even its endpoint when it is exposed; the view, its watchdog and the
 * {@code batonstalls} endpoint at {@code basic} and {@code strict}.
 */
class BatonStallsAutoConfigurationTests {

  private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(BatonStallsAutoConfiguration.class,
          BatonAutoConfiguration.class))
      .withPropertyValues("management.endpoints.web.exposure.include=batonstalls");

  @Test
  void offByDefaultThereIsNoViewNoWatchdogAndNoEndpoint() {
    contextRunner.run(context -> assertThat(context).hasNotFailed()
        .hasSingleBean(PrimitiveRegistry.class).doesNotHaveBean(StallView.class)
        .doesNotHaveBean(StallWatchdog.class).doesNotHaveBean(StallsEndpoint.class));
  }

  @Test
  void offWhenSetSoThereIsNoViewEither() {
    contextRunner.withPropertyValues("baton.stalls.level=off").run(context -> assertThat(context)
        .hasNotFailed().doesNotHaveBean(StallView.class).doesNotHaveBean(StallsEndpoint.class));
  }

  /**
   * The README's defaults: off; once on, a deadlock is confirmed after 1 s unchanged, and a hold
   * or a wait is a stall after 30 s.
   */
  @Test
  void theSettingsDefaultToOffConfirmingAfterOneSecondAndStallsAfterThirtySeconds() {
    contextRunner.run(context -> assertThat(context.getBean(BatonProperties.class).stalls()
        .level()).isEqualTo(BatonProperties.Stalls.Level.OFF));
    contextRunner.withPropertyValues("baton.stalls.level=basic").run(context -> {
      BatonProperties.Stalls stalls = context.getBean(BatonProperties.class).stalls();
      assertThat(stalls.confirmAfter()).isEqualTo(Duration.ofSeconds(1));
      assertThat(stalls.heldTooLong()).isEqualTo(Duration.ofSeconds(30));
      assertThat(stalls.waitedTooLong()).isEqualTo(Duration.ofSeconds(30));
      assertThat(stalls.primitives()).isEqualTo(Map.of());
    });
  }

  @Test
  void basicAndStrictHaveTheViewItsWatchdogAndTheEndpoint() {
    for (String level : new String[] {"basic", "strict"}) {
      contextRunner.withPropertyValues("baton.stalls.level=" + level).run(context ->
          assertThat(context).hasNotFailed().hasSingleBean(StallView.class)
              .hasSingleBean(StallWatchdog.class).hasSingleBean(StallsEndpoint.class));
    }
  }

  /**
   * The view is on exactly when the bound level is: a spelling that binding reads as off
   * ({@code o-f-f}, as Spring reads enum values leniently) starts no view, no watchdog thread and
   * no endpoint, while the bound properties say off.
   */
  @ParameterizedTest
  @ValueSource(strings = {"o-f-f", "O_F_F"})
  void aLevelThatBindsAsOffStartsNoView(String level) {
    contextRunner.withPropertyValues("baton.stalls.level=" + level).run(context -> {
      assertThat(context).hasNotFailed();
      assertThat(context.getBean(BatonProperties.class).stalls().level())
          .isEqualTo(BatonProperties.Stalls.Level.OFF);
      assertThat(context).doesNotHaveBean(StallView.class).doesNotHaveBean(StallWatchdog.class)
          .doesNotHaveBean(StallsEndpoint.class);
    });
  }

  /**
   * A threshold longer than nanoseconds can count (about 292 years), written to mean "never",
   * starts the view and counts as that longest duration, as a wait's timeout does; it failed
   * start-up with a bare ArithmeticException naming no property.
   */
  @Test
  void aThresholdBeyondWhatNanosecondsCountStartsTheViewCountingTheLongest() {
    Duration longest = Duration.ofNanos(Long.MAX_VALUE);
    contextRunner.withPropertyValues("baton.stalls.level=basic",
        "baton.stalls.confirm-after=999999d", "baton.stalls.held-too-long=999999d",
        "baton.stalls.waited-too-long=999999d",
        "baton.stalls.primitives.ledger.held-too-long=999999d").run(context -> {
          assertThat(context).hasNotFailed().hasSingleBean(StallView.class);
          BatonProperties.Stalls stalls = context.getBean(BatonProperties.class).stalls();
          assertThat(stalls.confirmAfter()).isEqualTo(longest);
          assertThat(stalls.waitedTooLong()).isEqualTo(longest);
          assertThat(stalls.heldTooLong("ledger")).isEqualTo(longest);
        });
  }
}
