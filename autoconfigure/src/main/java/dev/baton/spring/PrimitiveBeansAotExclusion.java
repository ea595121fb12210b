package dev.baton.spring;

import org.springframework.beans.factory.aot.BeanRegistrationExcludeFilter;
import org.springframework.beans.factory.support.RegisteredBean;

/**
 * Leaves the beans of the primitives declared under {@code baton.*} out of ahead-of-time
 * processing: {@link PrimitiveBeans} registers them again from the properties at run time.
 */
final class PrimitiveBeansAotExclusion implements BeanRegistrationExcludeFilter {

  @Override
  public boolean isExcludedFromAotProcessing(RegisteredBean bean) {
    return bean.getMergedBeanDefinition().getAttribute(PrimitiveBeans.DECLARED) != null;
  }
}
