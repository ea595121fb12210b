package dev.baton.spring.aspect;

import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.util.ClassUtils;

/**
 * Stops start-up, before any proxy is made, for a bean whose Baton annotations a proxy could not
 * apply: a method that is not public, is static or final, or in a final class. Without it, a
 * final class fails with the proxy's generic "Could not generate CGLIB subclass", and a final
 * method is silently not intercepted. Depends on nothing, so it is made with the other
 * post-processors without making any other bean early.
 */
final class InterceptableBeans implements BeanPostProcessor {

  @Override
  public Object postProcessBeforeInitialization(Object bean, String beanName) {
    AnnotationBindings.checkInterceptable(beanName, ClassUtils.getUserClass(bean));
    return bean;
  }
}
