package dev.baton.spring.metrics;

import dev.baton.spring.BatonAutoConfiguration;
import dev.baton.spring.BatonProperties;
import dev.baton.spring.PrimitiveRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Micrometer gauges and timers for the primitives of the {@link PrimitiveRegistry}, when
 * Micrometer is on the class path. Spring Boot binds each {@link MeterBinder} to the meter
 * registries it configures; the registry reports its waits to {@link BatonTimers}.
 */
@AutoConfiguration(after = BatonAutoConfiguration.class, afterName =
    "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration")
@ConditionalOnClass(MeterBinder.class)
@ConditionalOnBean(PrimitiveRegistry.class)
public final class BatonMetricsAutoConfiguration {

  @Bean
  @ConditionalOnMissingBean
  BatonGauges batonGauges(PrimitiveRegistry primitives) {
    return new BatonGauges(primitives);
  }

  /** Only with a meter registry: otherwise timing waits would cost every wait for nothing. */
  @Bean
  @ConditionalOnBean(MeterRegistry.class)
  @ConditionalOnMissingBean
  BatonTimers batonTimers(BatonProperties properties) {
    return new BatonTimers(properties.metrics());
  }
}
