package dev.baton.spring.aspect;

import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.aop.framework.autoproxy.AutoProxyUtils;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.util.ClassUtils;

/**
 * Checks the Baton annotations of every bean class, and the return types of the methods they
 * apply to, once the singletons exist, so that a misconfiguration stops start-up instead of
 * failing the first call.
 *
 * <p>Start-up knows a bean not created yet only by its declared type: a lazy bean, or one of
 * another scope than singleton, declared as an interface its class implements
 * ({@code @Bean @Lazy Orders orders()}) hides its class and the annotations on it. Such a bean is
 * checked as Spring creates it ({@link BeansCreatedLater}): its misuse fails its creation, with
 * the message start-up gives, before anyone gets the bean. A factory bean's product and an inner
 * bean made during start-up are checked with it, by the class they were made with. Each class is
 * checked once: one that passed, at start-up or for an earlier bean, is not checked again.
 */
public final class AnnotationValidator implements SmartInitializingSingleton {

  private final ConfigurableListableBeanFactory beanFactory;
  private final AnnotationBindings bindings;
  private final ReturnTypeAdapters adapters;

  /**
   * What passed the check: a bean's class twice, or a JDK proxy's class and the class it was
   * made for; only grows.
   */
  private final Set<List<Class<?>>> passed = ConcurrentHashMap.newKeySet();

  public AnnotationValidator(ConfigurableListableBeanFactory beanFactory,
      AnnotationBindings bindings, ReturnTypeAdapters adapters) {
    this.beanFactory = beanFactory;
    this.bindings = bindings;
    this.adapters = adapters;
  }

  @Override
  public void afterSingletonsInstantiated() {
    beanFactory.getBeanProvider(BeansCreatedLater.class)
        .ifAvailable(created -> created.checkWith(this));
    for (String name : beanFactory.getBeanDefinitionNames()) {
      Class<?> type = beanFactory.getType(name, false);
      if (type != null) {
        check(name, type);
      }
    }
  }

  /**
   * Checks bean {@code name} by {@code type}, the class Spring created it with (proxy included)
   * or, for a bean not created yet, its declared type, unless a bean of that class passed.
   *
   * @throws IllegalStateException naming the bean, the method and the problem
   */
  void check(String name, Class<?> type) {
    boolean jdkProxy = Proxy.isProxyClass(type);
    Class<?> target = jdkProxy ? AutoProxyUtils.determineTargetClass(beanFactory, name) : type;
    if (target == null) {
      return;
    }
    Class<?> beanClass = ClassUtils.getUserClass(target);
    List<Class<?>> checked = List.of(jdkProxy ? type : beanClass, beanClass);
    if (passed.contains(checked)) {
      return;
    }
    if (jdkProxy) {
      // A JDK proxy (spring.aop.proxy-target-class=false), whose methods are final and carry
      // no annotations: check the class it was made for, as the proxy's advice reads it.
      AnnotationBindings.checkOnInterfaces(name, beanClass, type.getInterfaces());
    }
    bindings.check(name, beanClass, adapters);
    passed.add(checked);
  }
}
