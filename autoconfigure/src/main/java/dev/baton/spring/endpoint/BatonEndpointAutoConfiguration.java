package dev.baton.spring.endpoint;

import dev.baton.spring.BatonAutoConfiguration;
import dev.baton.spring.BatonProperties;
import dev.baton.spring.PrimitiveRegistry;
import dev.baton.spring.PrimitiveSource;
import dev.baton.spring.observation.HoldTrackingRequest;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * The {@code baton} actuator endpoint, when Spring Boot's actuator is on the class path and the
 * endpoint is available (not disabled; HTTP exposure is the user's choice, as for every
 * endpoint).
 */
@AutoConfiguration(after = BatonAutoConfiguration.class)
@ConditionalOnClass(Endpoint.class)
@ConditionalOnBean(PrimitiveRegistry.class)
@ConditionalOnAvailableEndpoint(BatonEndpoint.class)
public final class BatonEndpointAutoConfiguration {

  /** The endpoint shows each lock's and semaphore's oldest hold. */
  @Bean
  static HoldTrackingRequest batonEndpointHoldTracking() {
    return new HoldTrackingRequest();
  }

  @Bean
  @ConditionalOnMissingBean
  BatonEndpoint batonEndpoint(PrimitiveRegistry registry, PrimitiveSource source,
      BatonProperties properties) {
    return new BatonEndpoint(registry, source, properties.endpoint().showKeys());
  }

  @Bean
  @ConditionalOnMissingBean
  BatonEndpointWebExtension batonEndpointWebExtension(BatonEndpoint endpoint) {
    return new BatonEndpointWebExtension(endpoint);
  }
}
