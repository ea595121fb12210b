package dev.baton.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Runs the method only once the named {@link dev.baton.AsyncEvent} is set: at once if it is set,
 * otherwise after waiting for it, up to the timeout.
 *
 * <pre>{@code
 * @AwaitsEvent(value = "catalog-loaded", timeout = "30s")
 * public Product product(String sku) { ... }
 * }</pre>
 *
 * <p>See the {@linkplain dev.baton.annotation package documentation} for return types, timeouts
 * and ordering.
 */
@Target({ElementType.METHOD, ElementType.TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface AwaitsEvent {

  /** The event's name. */
  String value();

  /** How long to wait for the event, as a duration string; empty: the configured timeout. */
  String timeout() default "";
}
