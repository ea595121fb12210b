/**
 * Annotations that coordinate Spring bean methods through named Baton primitives.
 *
 * <p>Each annotation may be put on a method or on a class (then it applies to every public method
 * the class declares, not to inherited ones; an annotation on the method wins). Names refer to the
 * primitives of the {@code PrimitiveRegistry}, declared under {@code baton.*} or created on first
 * use.
 *
 * <p>How the wait happens depends on the method's return type:
 * <ul>
 * <li>{@link java.util.concurrent.CompletionStage} or
 * {@link java.util.concurrent.CompletableFuture}: the method returns at once with a future; no
 * thread waits. The method body runs once the wait is over, and the lock or permit is held until
 * the stage it returns completes. Cancelling the returned future while it waits withdraws the
 * wait.</li>
 * <li>{@code Mono} or {@code Flux} (with Reactor on the class path): the wait starts on
 * subscription, without blocking; the lock or permit is held until the publisher terminates or
 * the subscription is cancelled; cancelling while waiting withdraws the wait.</li>
 * <li>Anything else, {@code void} included: the calling thread waits, up to the timeout. A
 * {@code CompletionStage} that a method declaring {@code Object} returns at run time is held until
 * it completes; anything else still to come (a publisher, a {@code Stream}, a plain
 * {@code Future}) fails the call, once let go.</li>
 * </ul>
 * A timeout surfaces as {@link dev.baton.AcquireTimeoutException}, thrown or as a failed future
 * or error signal, and the method body is not run.
 *
 * <p>Timeouts are Spring Boot duration strings ({@code "500ms"}, {@code "5s"}, {@code "PT1M"});
 * an empty string means the timeout configured for the name ({@code baton.locks.NAME.timeout} and
 * so on), else {@code baton.default-timeout}. Names and timeouts may be property placeholders
 * ({@code "${app.lock}"}), resolved at start-up; one that does not resolve fails it, as does a
 * name or timeout with leading or trailing whitespace.
 *
 * <p>Several annotations on one method apply in the order {@link dev.baton.annotation.SetsEvent}
 * (outermost), {@link dev.baton.annotation.AwaitsEvent}, {@link dev.baton.annotation.Limited},
 * {@link dev.baton.annotation.Guarded} (innermost). Misconfigurations fail application start-up
 * with a message naming the bean, the method and the attribute.
 */
package dev.baton.annotation;
