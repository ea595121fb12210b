package dev.baton.spring.aspect;

import dev.baton.spring.BatonProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;

/**
 * What Baton's advisors read of their settings, straight from the environment: the order of the
 * outermost, {@code baton.aspect-order}, and whether they start a call per invocation for the
 * stall view. Advisors are made while post-processors are set up, too early to depend on the
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

  /** Whether {@code baton.stalls.level} turns the stall view on, so that calls are tracked. */
  static boolean tracksCalls(Environment environment) {
    return Binder.get(environment).bind(BatonProperties.Stalls.LEVEL_PROPERTY,
        BatonProperties.Stalls.Level.class).orElse(BatonProperties.Stalls.Level.OFF)
        != BatonProperties.Stalls.Level.OFF;
  }
}
