package dev.baton.spring.aspect;

import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.util.ClassUtils;

/**
 * Checks the Baton annotations of every bean class once the singletons exist, so that a
 * misconfiguration stops start-up instead of failing the first call.
 */
public final class AnnotationValidator implements SmartInitializingSingleton {

  private final ConfigurableListableBeanFactory beanFactory;
  private final AnnotationBindings bindings;

  public AnnotationValidator(ConfigurableListableBeanFactory beanFactory,
      AnnotationBindings bindings) {
    this.beanFactory = beanFactory;
    this.bindings = bindings;
  }

  @Override
  public void afterSingletonsInstantiated() {
    for (String name : beanFactory.getBeanDefinitionNames()) {
      Class<?> type = beanFactory.getType(name, false);
      if (type != null) {
        bindings.check(name, ClassUtils.getUserClass(type));
      }
    }
  }
}
