package dev.baton.spring.aspect;

import dev.baton.spring.PrimitiveRegistry;
import dev.baton.spring.aspect.CallContextServices.ContextService;
import dev.baton.spring.aspect.CallContextServices.CrowdedService;
import dev.baton.spring.aspect.CallContextServices.JoinPointAspect;
import dev.baton.spring.aspect.CallContextServices.ResubscribedService;
import io.micrometer.tracing.handler.DefaultTracingObservationHandler;
import io.micrometer.tracing.test.simple.SimpleTracer;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.transaction.annotation.EnableTransactionManagement;

/**
 * The application behind {@link CallContextTest}: Baton's auto-configuration with the services
 * of {@link CallContextServices}, an application aspect inside Baton's, a recording transaction
 * manager ({@link TransactionTestConfiguration}) with {@code @Transactional} at its default order,
 * inside Baton's aspects, and tracing: every Observation is a span of a {@link SimpleTracer}.
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

  @Bean
  ContextService contextService() {
    return new ContextService();
  }

  @Bean
  CrowdedService crowdedService() {
    return new CrowdedService();
  }

  @Bean
  JoinPointAspect joinPointAspect() {
    return new JoinPointAspect();
  }

  @Bean
  SimpleTracer tracer() {
    return new SimpleTracer();
  }

  @Bean
  DefaultTracingObservationHandler tracingObservationHandler(SimpleTracer tracer) {
    return new DefaultTracingObservationHandler(tracer);
  }
}
