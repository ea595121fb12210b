package dev.baton.spring.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.spring.BatonAutoConfiguration;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

class BatonMetricsAutoConfigurationTests {

  private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(BatonAutoConfiguration.class,
          BatonMetricsAutoConfiguration.class));

  @Test
  void runShouldProvideTheGaugesAndWithAMeterRegistryTheTimers() {
    contextRunner.run(context -> assertThat(context).hasSingleBean(BatonGauges.class)
        .doesNotHaveBean(BatonTimers.class));
    contextRunner.withBean(SimpleMeterRegistry.class)
        .run(context -> assertThat(context).hasSingleBean(BatonTimers.class));
  }

  @Test
  void runWhenDisabledShouldNotProvideTheGaugeBinder() {
    contextRunner.withPropertyValues("baton.enabled=false")
        .run(context -> assertThat(context).doesNotHaveBean(BatonGauges.class));
  }

  @Test
  void runWithAUserBinderShouldBackOff() {
    contextRunner.withBean("userGauges", BatonGauges.class,
        () -> new BatonGauges(null)).run(context -> {
          assertThat(context).hasSingleBean(BatonGauges.class);
          assertThat(context).hasBean("userGauges");
        });
  }
}
