package dev.baton.spring.web;

import dev.baton.spring.BatonAutoConfiguration;
import dev.baton.spring.BatonProperties;
import dev.baton.spring.BatonSwitch;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.http.ProblemDetail;

/**
 * In a Spring MVC or WebFlux application, an {@link dev.baton.AcquireTimeoutException} that
 * escapes a controller answers {@code 503 Service Unavailable} ({@link AcquireTimeoutProblems}).
 * Off with {@code baton.web.enabled=false}.
 */
@AutoConfiguration(after = BatonAutoConfiguration.class)
@ConditionalOnWebApplication
@ConditionalOnClass(ProblemDetail.class)
@Conditional({BatonSwitch.Enabled.class, BatonSwitch.WebEnabled.class})
@EnableConfigurationProperties(BatonProperties.class)
public final class BatonWebAutoConfiguration {

  @Bean
  @ConditionalOnMissingBean
  AcquireTimeoutProblems batonAcquireTimeoutProblems(BatonProperties properties) {
    return new AcquireTimeoutProblems(properties.web().retryAfter());
  }
}
