package dev.baton.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Runs the method holding the named {@link dev.baton.AsyncLock}: one invocation at a time, in
 * arrival order. With a {@link #key()}, one lock per key value instead, so invocations for
 * different keys run concurrently; per-key locks exist only while in use.
 *
 * <pre>{@code
 * @Guarded(value = "inventory", key = "#sku", timeout = "5s")
 * public CompletableFuture<Reservation> reserve(String sku, int quantity) { ... }
 * }</pre>
 *
 * <p>See the {@linkplain dev.baton.annotation package documentation} for return types, timeouts
 * and ordering.
 */
@Target({ElementType.METHOD, ElementType.TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface Guarded {

  /** The lock's name. */
  String value();

  /**
   * A SpEL expression giving the key, evaluated against the invocation: arguments by name
   * ({@code #sku}) or position ({@code #root.args[0]}), {@code #root.method},
   * {@code #root.target}, and beans as {@code @beanName}. Empty: one lock for the name.
   */
  String key() default "";

  /** How long to wait for the lock, as a duration string; empty: the configured timeout. */
  String timeout() default "";
}
