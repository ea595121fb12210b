package dev.baton.spring.aspect;

import org.springframework.beans.factory.config.BeanPostProcessor;

/**
 * Has {@link AnnotationValidator} check every bean Spring creates once the start-up check has
 * begun, proxy included (it runs after the auto-proxy creator), as that check sees a singleton:
 * a lazy bean, or one of another scope than singleton, whose declared type hid its class from
 * start-up. Its misuse then fails its creation with the message start-up gives, before anyone
 * gets the bean, rather than its first call. A class that passed, at start-up or for an earlier
 * bean, costs a look-up.
 *
 * <p>A bean created before needs nothing of it: a singleton the start-up check reads as it was
 * made, and any bean Baton's advice applies to is proxied, the auto-proxy creator then reporting
 * the proxy's class as its bean's type (a prototype made for a singleton included).
 *
 * <p>Depends on nothing, so it is made with the other post-processors without making any other
 * bean early; the validator hands itself over as its start-up check begins.
 */
final class BeansCreatedLater implements BeanPostProcessor {

  /** Null until the start-up check begins, then the validator doing it; set once. */
  private volatile AnnotationValidator validator;

  @Override
  public Object postProcessAfterInitialization(Object bean, String beanName) {
    AnnotationValidator checking = validator;
    if (checking != null) {
      checking.checkCreated(beanName, bean);
    }
    return bean;
  }

  /** Has {@code starting}, whose start-up check begins, check every bean created from now. */
  void checkWith(AnnotationValidator starting) {
    validator = starting;
  }
}
