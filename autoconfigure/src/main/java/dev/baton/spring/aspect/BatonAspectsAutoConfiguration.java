package dev.baton.spring.aspect;

import dev.baton.spring.BatonAutoConfiguration;
import dev.baton.spring.BatonProperties;
import dev.baton.spring.BatonSwitch;
import dev.baton.spring.PrimitiveRegistry;
import org.aspectj.weaver.Advice;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Role;
import org.springframework.core.annotation.Order;
import org.springframework.core.env.Environment;
import org.springframework.util.ClassUtils;
import reactor.core.publisher.Mono;

/**
 * The advisors behind {@code @Guarded}, {@code @Limited}, {@code @AwaitsEvent} and
 * {@code @SetsEvent}, when AspectJ is on the class path (Spring Boot then proxies beans with
 * every advisor; with its AOP auto-configuration off, {@link AutoProxyRegistration} does). Their
 * order starts at {@code baton.aspect-order}: {@code @SetsEvent} outermost, then
 * {@code @AwaitsEvent}, {@code @Limited}, {@code @Guarded}. The advisors are made before every
 * other bean, while post-processors are still being set up, so they read that order from the
 * environment rather than depend on {@link BatonProperties}, which would then miss
 * post-processing.
 */
@AutoConfiguration(after = {BatonAutoConfiguration.class, AopAutoConfiguration.class})
@ConditionalOnClass(Advice.class)
@Conditional(BatonSwitch.Enabled.class)
@ConditionalOnBean(PrimitiveRegistry.class)
@Import(AutoProxyRegistration.class)
public final class BatonAspectsAutoConfiguration {

  @Bean
  @ConditionalOnMissingBean
  AnnotationBindings batonAnnotationBindings(BatonProperties properties,
      PrimitiveRegistry registry, ConfigurableListableBeanFactory beanFactory,
      Environment environment) {
    return new AnnotationBindings(properties, registry, beanFactory, environment);
  }

  @Bean
  @ConditionalOnMissingBean
  AnnotationValidator batonAnnotationValidator(ConfigurableListableBeanFactory beanFactory,
      AnnotationBindings bindings, ReturnTypeAdapters adapters) {
    return new AnnotationValidator(beanFactory, bindings, adapters);
  }

  @Bean
  @Order(0)
  @ConditionalOnMissingBean
  CompletionStageAdapter batonCompletionStageAdapter() {
    return new CompletionStageAdapter();
  }

  @Bean
  @ConditionalOnMissingBean
  ReturnTypeAdapters batonReturnTypeAdapters(ObjectProvider<ReturnTypeAdapter> adapters,
      ConfigurableListableBeanFactory beanFactory) {
    return new ReturnTypeAdapters(adapters.orderedStream().toList(),
        beanFactory.getBeanClassLoader());
  }

  /** Names an annotated method the proxy cannot intercept, before the proxy is tried. */
  @Bean
  @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
  static InterceptableBeans batonInterceptableBeans() {
    return new InterceptableBeans();
  }

  /** Checks beans by the class they were created with, which start-up may not have seen. */
  @Bean
  @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
  static BeansCreatedLater batonBeansCreatedLater() {
    return new BeansCreatedLater();
  }

  @Bean
  @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
  @ConditionalOnMissingBean
  static SetsEventAspect batonSetsEventAspect(ObjectProvider<AnnotationBindings> bindings,
      ObjectProvider<ReturnTypeAdapters> adapters, Environment environment) {
    return new SetsEventAspect(bindings, adapters, AspectOrder.outermost(environment),
        AspectOrder.tracksCalls(environment));
  }

  @Bean
  @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
  @ConditionalOnMissingBean
  static AwaitsEventAspect batonAwaitsEventAspect(ObjectProvider<AnnotationBindings> bindings,
      ObjectProvider<ReturnTypeAdapters> adapters, Environment environment) {
    return new AwaitsEventAspect(bindings, adapters, AspectOrder.outermost(environment) + 1,
        AspectOrder.tracksCalls(environment));
  }

  @Bean
  @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
  @ConditionalOnMissingBean
  static LimitedAspect batonLimitedAspect(ObjectProvider<AnnotationBindings> bindings,
      ObjectProvider<ReturnTypeAdapters> adapters, Environment environment) {
    return new LimitedAspect(bindings, adapters, AspectOrder.outermost(environment) + 2,
        AspectOrder.tracksCalls(environment));
  }

  @Bean
  @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
  @ConditionalOnMissingBean
  static GuardedAspect batonGuardedAspect(ObjectProvider<AnnotationBindings> bindings,
      ObjectProvider<ReturnTypeAdapters> adapters, Environment environment) {
    return new GuardedAspect(bindings, adapters, AspectOrder.outermost(environment) + 3,
        AspectOrder.tracksCalls(environment));
  }

  /** {@code Mono}, {@code Flux} and {@code Publisher}, when Reactor is on the class path. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(Mono.class)
  static final class ReactorAdapters {

    @Bean
    @Order(1)
    @ConditionalOnMissingBean
    MonoAdapter batonMonoAdapter() {
      return new MonoAdapter();
    }

    @Bean
    @Order(2)
    @ConditionalOnMissingBean
    FluxAdapter batonFluxAdapter() {
      return new FluxAdapter();
    }

    @Bean
    @Order(3)
    @ConditionalOnMissingBean
    PublisherAdapter batonPublisherAdapter() {
      return new PublisherAdapter();
    }
  }

  /**
   * Kotlin's {@code Flow} and {@code Deferred}, returned by functions that do not suspend, when
   * {@code kotlinx-coroutines-reactor} is on the class path: Spring's
   * {@code ReactiveAdapterRegistry} then converts them to and from publishers.
   */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = {"reactor.core.publisher.Mono", "kotlinx.coroutines.reactor.MonoKt"})
  static final class KotlinAdapters {

    @Bean
    @Order(4)
    @ConditionalOnMissingBean(name = "batonFlowAdapter")
    ReactiveTypeAdapter batonFlowAdapter(ConfigurableListableBeanFactory beanFactory) {
      return new ReactiveTypeAdapter(ClassUtils.resolveClassName(
          "kotlinx.coroutines.flow.Flow", beanFactory.getBeanClassLoader()));
    }

    @Bean
    @Order(5)
    @ConditionalOnMissingBean(name = "batonDeferredAdapter")
    ReactiveTypeAdapter batonDeferredAdapter(ConfigurableListableBeanFactory beanFactory) {
      return new ReactiveTypeAdapter(ClassUtils.resolveClassName(
          "kotlinx.coroutines.Deferred", beanFactory.getBeanClassLoader()));
    }
  }
}
