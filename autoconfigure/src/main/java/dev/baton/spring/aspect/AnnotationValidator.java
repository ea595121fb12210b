package dev.baton.spring.aspect;

import java.lang.reflect.Proxy;
import org.springframework.aop.framework.autoproxy.AutoProxyUtils;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.util.ClassUtils;

/**
 * Checks the Baton annotations of every bean class, and the return types of the methods they
 * apply to, once the singletons exist, so that a misconfiguration stops start-up instead of
 * failing the first call.
 */
public final class AnnotationValidator implements SmartInitializingSingleton {

  private final ConfigurableListableBeanFactory beanFactory;
  private final AnnotationBindings bindings;
  private final ReturnTypeAdapters adapters;

  public AnnotationValidator(ConfigurableListableBeanFactory beanFactory,
      AnnotationBindings bindings, ReturnTypeAdapters adapters) {
    this.beanFactory = beanFactory;
    this.bindings = bindings;
    this.adapters = adapters;
  }

  @Override
  public void afterSingletonsInstantiated() {
    for (String name : beanFactory.getBeanDefinitionNames()) {
      Class<?> type = beanFactory.getType(name, false);
      if (type != null && Proxy.isProxyClass(type)) {
        // A JDK proxy (spring.aop.proxy-target-class=false), whose methods are final and carry
        // no annotations: check the class it was made for, as the proxy's advice reads it.
        Class<?>[] interfaces = type.getInterfaces();
        type = AutoProxyUtils.determineTargetClass(beanFactory, name);
        if (type != null) {
          AnnotationBindings.checkOnInterfaces(name, ClassUtils.getUserClass(type), interfaces);
        }
      }
      if (type != null) {
        bindings.check(name, ClassUtils.getUserClass(type), adapters);
      }
    }
  }
}
