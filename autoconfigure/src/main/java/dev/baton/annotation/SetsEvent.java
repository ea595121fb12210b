package dev.baton.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Sets the named {@link dev.baton.AsyncEvent} once the method completes normally: when it returns,
 * or for asynchronous results when the stage completes normally, the {@code Mono} succeeds
 * (empty included) or the {@code Flux} completes. Never on failure or cancellation.
 *
 * <pre>{@code
 * @SetsEvent("catalog-loaded")
 * public CompletableFuture<Void> loadCatalog() { ... }
 * }</pre>
 */
@Target({ElementType.METHOD, ElementType.TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface SetsEvent {

  /** The event's name. */
  String value();
}
