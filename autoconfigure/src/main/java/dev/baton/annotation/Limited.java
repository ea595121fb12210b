package dev.baton.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Runs the method holding one permit of the named {@link dev.baton.AsyncSemaphore}: at most
 * {@code permits} invocations in flight (for asynchronous results, until their result completes),
 * the rest waiting in arrival order.
 *
 * <pre>{@code
 * @Limited(value = "payments", permits = 10, timeout = "2s")
 * public CompletableFuture<Receipt> charge(Order order) { ... }
 * }</pre>
 *
 * <p>See the {@linkplain dev.baton.annotation package documentation} for return types, timeouts
 * and ordering.
 */
@Target({ElementType.METHOD, ElementType.TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface Limited {

  /** The semaphore's name. */
  String value();

  /**
   * The semaphore's permits. Zero or negative: take them from
   * {@code baton.semaphores.NAME.permits}. A positive value that differs from the configured one,
   * or from another annotation's for the same name, fails start-up.
   */
  int permits() default 0;

  /** How long to wait for a permit, as a duration string; empty: the configured timeout. */
  String timeout() default "";
}
