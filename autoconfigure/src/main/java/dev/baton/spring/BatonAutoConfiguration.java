package dev.baton.spring;

import dev.baton.spring.local.LocalPrimitiveRegistry;
import dev.baton.spring.observation.HoldTrackingRequest;
import dev.baton.spring.observation.WaitListener;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * The {@link PrimitiveRegistry} of named primitives declared under {@code baton.*}, reporting
 * its waits to every {@link WaitListener} bean and tracking holds when a
 * {@link HoldTrackingRequest} bean asks for it. Off with {@code baton.enabled=false}; a
 * {@code PrimitiveRegistry} bean of your own replaces it.
 */
@AutoConfiguration
@ConditionalOnBooleanProperty(name = "baton.enabled", matchIfMissing = true)
@EnableConfigurationProperties(BatonProperties.class)
public final class BatonAutoConfiguration {

  @Bean
  @ConditionalOnMissingBean
  PrimitiveRegistry batonPrimitiveRegistry(BatonProperties properties,
      ObjectProvider<WaitListener> waitListeners,
      ObjectProvider<HoldTrackingRequest> holdTracking) {
    return new LocalPrimitiveRegistry(properties, waitListeners.orderedStream().toList(),
        holdTracking.getIfAvailable() != null);
  }
}
