package dev.baton.spring.stall;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.spring.BatonAutoConfiguration;
import dev.baton.spring.PrimitiveRegistry;
import org.junit.jupiter.api.Test;
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

  @Test
  void basicAndStrictHaveTheViewItsWatchdogAndTheEndpoint() {
    for (String level : new String[] {"basic", "strict"}) {
      contextRunner.withPropertyValues("baton.stalls.level=" + level).run(context ->
          assertThat(context).hasNotFailed().hasSingleBean(StallView.class)
              .hasSingleBean(StallWatchdog.class).hasSingleBean(StallsEndpoint.class));
    }
  }
}
