package dev.baton.spring.metrics;

import dev.baton.spring.BatonAutoConfiguration;
import dev.baton.spring.BatonSwitch;
import dev.baton.spring.PrimitiveRegistry;
import io.micrometer.observation.ObservationRegistry;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;

/**
 * Each wait on a registry's primitive as a Micrometer Observation, when an
 * {@link ObservationRegistry} bean exists (Spring Boot's actuator provides one). Off with
 * {@code baton.metrics.observations=false}.
 */
@AutoConfiguration(after = BatonAutoConfiguration.class, afterName =
    "org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration")
@ConditionalOnClass(ObservationRegistry.class)
@ConditionalOnBean({PrimitiveRegistry.class, ObservationRegistry.class})
@Conditional(BatonSwitch.Observations.class)
public final class BatonObservationAutoConfiguration {

  @Bean
  @ConditionalOnMissingBean
  BatonObservations batonObservations(ObservationRegistry observations) {
    return new BatonObservations(observations);
  }
}
