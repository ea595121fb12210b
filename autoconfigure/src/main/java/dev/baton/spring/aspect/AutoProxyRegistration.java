package dev.baton.spring.aspect;

import org.springframework.aop.config.AopConfigUtils;
import org.springframework.aop.framework.autoproxy.AbstractAdvisorAutoProxyCreator;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.context.EnvironmentAware;
import org.springframework.context.annotation.ImportBeanDefinitionRegistrar;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotationMetadata;

/**
 * Registers an auto-proxy creator where none is, so that Baton's advisors proxy the annotated
 * beans even with Spring Boot's AOP auto-configuration off ({@code spring.aop.auto=false}), as
 * {@code @EnableTransactionManagement} does for {@code @Transactional}: otherwise every
 * annotation would be ignored without a word. The creator it registers proxies classes unless
 * {@code spring.aop.proxy-target-class=false}, as Spring Boot's would. Where one that applies
 * advisors is already declared (Spring Boot's, or an application's own under any name), it
 * registers none.
 */
final class AutoProxyRegistration implements ImportBeanDefinitionRegistrar, EnvironmentAware {

  private Environment environment;

  @Override
  public void setEnvironment(Environment environment) {
    this.environment = environment;
  }

  @Override
  public void registerBeanDefinitions(AnnotationMetadata metadata,
      BeanDefinitionRegistry registry) {
    if (registry.containsBeanDefinition(AopConfigUtils.AUTO_PROXY_CREATOR_BEAN_NAME)
        || registry instanceof ListableBeanFactory beans && beans.getBeanNamesForType(
            AbstractAdvisorAutoProxyCreator.class, true, false).length > 0) {
      return; // a second one would proxy each bean twice, and its advice would run twice
    }
    AopConfigUtils.registerAutoProxyCreatorIfNecessary(registry);
    if (environment.getProperty("spring.aop.proxy-target-class", Boolean.class, true)) {
      AopConfigUtils.forceAutoProxyCreatorToUseClassProxying(registry);
    }
  }
}
