package dev.baton.spring.aspect;

import dev.baton.spring.BatonProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;

/**
 * The order of the outermost Baton advisor, {@code baton.aspect-order}, read straight from the
 * environment: advisors are made while post-processors are set up, too early to depend on the
 * {@link BatonProperties} bean.
 */
final class AspectOrder {

  private AspectOrder() {}

  /** {@code baton.aspect-order}, capped as {@link BatonProperties#aspectOrder()} is. */
  static int outermost(Environment environment) {
    return BatonProperties.capAspectOrder(Binder.get(environment)
        .bind("baton.aspect-order", Integer.class)
        .orElse(BatonProperties.DEFAULT_ASPECT_ORDER));
  }
}
