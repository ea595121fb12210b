package dev.baton.spring.stall;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.autoconfigure.contributor.HealthContributorAutoConfiguration;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;

/**
 * The {@code baton} health indicator ({@link BatonHealthIndicator}), when Spring Boot's health
 * support is on the class path, the stall view is on (a {@link StallView} bean, which
 * {@link BatonStallsAutoConfiguration} declares for {@code baton.stalls.level} basic or strict)
 * and {@code management.health.baton.enabled} is not false. The bean's name makes it
 * {@code baton} under {@code /actuator/health}. Before Spring Boot's health contributors, as its
 * own indicators are.
 */
@AutoConfiguration(after = BatonStallsAutoConfiguration.class,
    before = HealthContributorAutoConfiguration.class)
@ConditionalOnClass(HealthIndicator.class)
@ConditionalOnBean(StallView.class)
@ConditionalOnEnabledHealthIndicator("baton")
public final class BatonStallsHealthAutoConfiguration {

  @Bean
  @ConditionalOnMissingBean(name = "batonHealthIndicator")
  BatonHealthIndicator batonHealthIndicator(StallView view) {
    return new BatonHealthIndicator(view);
  }
}
