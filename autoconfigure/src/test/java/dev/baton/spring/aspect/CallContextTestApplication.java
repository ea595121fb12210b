package dev.baton.spring.aspect;

import dev.baton.spring.PrimitiveRegistry;
import dev.baton.spring.aspect.CallContextServices.ResubscribedService;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.transaction.annotation.EnableTransactionManagement;

/**
 * The application behind {@link CallContextTest}: Baton's auto-configuration with the services
 * of {@link CallContextServices} and a recording transaction manager
 * ({@link TransactionTestConfiguration}) with {@code @Transactional} at its default order, inside
 * Baton's aspects.
 */
@SpringBootConfiguration(proxyBeanMethods = false)
@EnableAutoConfiguration
@EnableTransactionManagement(proxyTargetClass = true)
@Import(TransactionTestConfiguration.class)
class CallContextTestApplication {

  @Bean
  ResubscribedService resubscribedService(PrimitiveRegistry registry) {
    return new ResubscribedService(registry);
  }
}
