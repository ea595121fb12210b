package dev.baton.spring.aspect;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.beans.factory.config.BeanPostProcessor;

/**
 * Has {@link AnnotationValidator} check the beans Spring creates by the class they were created
 * with, proxy included (it runs after the auto-proxy creator), where the start-up check knows
 * only a declared type:
 * <ul>
 *   <li>a bean created once that check has begun (a lazy bean, or one of another scope than
 *   singleton, whose declared type hid its class) is checked as it is created: its misuse fails
 *   its creation with the message start-up gives, before anyone gets the bean, rather than its
 *   first call;
 *   <li>a bean created before, which a factory bean made (the check reads the type its factory
 *   declares) or an inner bean (the check does not list it), is checked with start-up: its
 *   misuse stops it.
 * </ul>
 * A class that passed, at start-up or for an earlier bean, costs a look-up.
 *
 * <p>Depends on nothing, so it is made with the other post-processors without making any other
 * bean early; the validator hands itself over as its start-up check begins.
 */
final class BeansCreatedLater implements BeanPostProcessor {

  /** Null until the start-up check begins, then the validator doing it; set once. */
  private volatile AnnotationValidator validator;
  /** Beans created before the start-up check began, by name and class; guarded by this. */
  private List<Map.Entry<String, Class<?>>> createdBefore = new ArrayList<>();

  @Override
  public Object postProcessAfterInitialization(Object bean, String beanName) {
    AnnotationValidator checking = validator;
    if (checking == null) {
      synchronized (this) {
        checking = validator;
        if (checking == null) {
          createdBefore.add(Map.entry(beanName, bean.getClass()));
          return bean;
        }
      }
    }
    checking.check(beanName, bean.getClass());
    return bean;
  }

  /**
   * Has {@code starting}, whose start-up check begins, check the beans created before, and every
   * bean created from now.
   *
   * @throws IllegalStateException naming a bean created before, the method and the problem
   */
  void checkWith(AnnotationValidator starting) {
    List<Map.Entry<String, Class<?>>> before;
    synchronized (this) {
      validator = starting;
      before = createdBefore;
      createdBefore = List.of();
    }
    before.forEach(created -> starting.check(created.getKey(), created.getValue()));
  }
}
