package dev.baton.spring.aspect;

import dev.baton.spring.aspect.TestServices.AsyncService;
import dev.baton.spring.aspect.TestServices.ClassLevelService;
import dev.baton.spring.aspect.TestServices.EventService;
import dev.baton.spring.aspect.TestServices.GuardedService;
import dev.baton.spring.aspect.TestServices.LimitedService;
import dev.baton.spring.aspect.TestServices.OrderingService;
import dev.baton.spring.aspect.TestServices.RetriedService;
import dev.baton.spring.aspect.TestServices.SkuKeys;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.resilience.annotation.EnableResilientMethods;
import org.springframework.scheduling.annotation.EnableAsync;
import org.springframework.transaction.annotation.EnableTransactionManagement;

/**
 * The application behind {@link BatonAspectsTest}: Baton's auto-configuration with annotated
 * services, {@code @Async} and {@code @Retryable} on, and a recording transaction manager
 * ({@link TransactionTestConfiguration}) with {@code @Transactional} at its default order
 * ({@code Ordered.LOWEST_PRECEDENCE}, as Spring Boot's own transaction auto-configuration would
 * set it; that auto-configuration is not on this module's class path).
 */
@SpringBootConfiguration(proxyBeanMethods = false)
@EnableAutoConfiguration
@EnableAsync
@EnableResilientMethods
@EnableTransactionManagement(proxyTargetClass = true)
@Import(TransactionTestConfiguration.class)
class AspectTestApplication {

  @Bean
  LimitedService limitedService() {
    return new LimitedService();
  }

  @Bean
  GuardedService guardedService() {
    return new GuardedService();
  }

  @Bean
  SkuKeys skuKeys() {
    return new SkuKeys();
  }

  @Bean
  EventService eventService() {
    return new EventService();
  }

  @Bean
  OrderingService orderingService() {
    return new OrderingService();
  }

  @Bean
  ClassLevelService classLevelService() {
    return new ClassLevelService();
  }

  @Bean
  AsyncService asyncService() {
    return new AsyncService();
  }

  @Bean
  RetriedService retriedService() {
    return new RetriedService();
  }
}
