package dev.baton.spring.stall;

import dev.baton.spring.BatonAutoConfiguration;
import dev.baton.spring.PrimitiveRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * The stall view's meters ({@link StallMeters}), when the view is on (a {@link StallView} bean,
 * which {@link BatonStallsAutoConfiguration} declares for {@code baton.stalls.level} basic or
 * strict) and a {@link MeterRegistry} bean exists: the oldest wait of every kind is kept by
 * {@link OldestWaits}, a wait listener the registry tells about each wait, which would cost every
 * wait for nothing without one. After Spring Boot's composite meter registry, which comes after
 * every registry it composes.
 */
@AutoConfiguration(after = {BatonStallsAutoConfiguration.class, BatonAutoConfiguration.class},
    afterName = "org.springframework.boot.micrometer.metrics.autoconfigure"
        + ".CompositeMeterRegistryAutoConfiguration")
@ConditionalOnClass(MeterBinder.class)
@ConditionalOnBean({StallView.class, PrimitiveRegistry.class, MeterRegistry.class})
public final class BatonStallsMetricsAutoConfiguration {

  @Bean
  @ConditionalOnMissingBean
  OldestWaits batonOldestWaits() {
    return new OldestWaits();
  }

  @Bean
  @ConditionalOnMissingBean
  StallMeters batonStallMeters(PrimitiveRegistry primitives, StallView view,
      OldestWaits waits) {
    return new StallMeters(primitives, view, waits);
  }
}
