package dev.baton.spring;

import dev.baton.spring.local.DefaultPrimitiveRegistry;
import dev.baton.spring.local.LocalPrimitives;
import dev.baton.spring.observation.HoldTrackingRequest;
import dev.baton.spring.observation.WaitWatch;
import dev.baton.spring.observation.WaitListener;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;

/**
 * The {@link PrimitiveRegistry} of named primitives declared under {@code baton.*}, reporting
 * its waits to every {@link WaitListener} bean and tracking holds when a
 * {@link HoldTrackingRequest} bean asks for it. Its primitives come from the
 * {@link PrimitiveSource} bean: this JVM's unless a backend's auto-configuration (such as
 * {@code baton.backend=redis}) provides another. Every declared primitive is also a bean of its
 * interface type ({@link PrimitiveBeans}). Off with {@code baton.enabled=false}; a
 * {@code PrimitiveRegistry} bean of your own replaces it.
 */
@AutoConfiguration
@Conditional(BatonSwitch.Enabled.class)
@EnableConfigurationProperties(BatonProperties.class)
public final class BatonAutoConfiguration {

  @Bean
  @ConditionalOnMissingBean
  PrimitiveSource batonPrimitiveSource() {
    return new LocalPrimitives();
  }

  @Bean
  @ConditionalOnMissingBean
  PrimitiveRegistry batonPrimitiveRegistry(BatonProperties properties, PrimitiveSource source,
      ObjectProvider<WaitListener> waitListeners,
      ObjectProvider<HoldTrackingRequest> holdTracking, ObjectProvider<WaitWatch> watch) {
    return new DefaultPrimitiveRegistry(properties, source, waitListeners.orderedStream().toList(),
        holdTracking.getIfAvailable() != null, watch.getIfAvailable());
  }

  /** Every declared primitive as a bean of its interface type, qualified by its name. */
  @Bean
  static PrimitiveBeans batonPrimitiveBeans() {
    return new PrimitiveBeans();
  }
}
