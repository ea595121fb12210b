package dev.baton.spring.stall;

import dev.baton.spring.BatonAutoConfiguration;
import dev.baton.spring.BatonProperties;
import dev.baton.spring.BatonSwitch;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;

/**
 * The stall view, when {@code baton.stalls.level} is {@code basic} or {@code strict}: the
 * {@link StallView} that the registry tells about every pending wait of its locks and
 * semaphores, its watchdog, and the {@code batonstalls} endpoint when the actuator is there.
 * Before {@link BatonAutoConfiguration}, whose registry takes the view.
 */
@AutoConfiguration(before = BatonAutoConfiguration.class)
@Conditional({BatonSwitch.Enabled.class, StallsOn.class})
@EnableConfigurationProperties(BatonProperties.class)
public final class BatonStallsAutoConfiguration {

  @Bean
  @ConditionalOnMissingBean
  StallView batonStallView(BatonProperties properties) {
    return new StallView(properties.stalls(), properties.backend());
  }

  @Bean
  StallWatchdog batonStallWatchdog(StallView view, BatonProperties properties) {
    return new StallWatchdog(view, properties.stalls().confirmAfter());
  }

  /** The endpoint, with the actuator. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(Endpoint.class)
  @ConditionalOnAvailableEndpoint(StallsEndpoint.class)
  static final class EndpointConfiguration {

    @Bean
    @ConditionalOnMissingBean
    StallsEndpoint batonStallsEndpoint(StallView view) {
      return new StallsEndpoint(view);
    }
  }
}
