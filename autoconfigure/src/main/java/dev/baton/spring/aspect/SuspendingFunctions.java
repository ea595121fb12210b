package dev.baton.spring.aspect;

import java.lang.reflect.Method;
import org.springframework.core.KotlinDetector;
import org.springframework.core.MethodParameter;
import org.springframework.util.ClassUtils;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Kotlin {@code suspend} functions as Baton's advice sees them.
 *
 * <p>With kotlinx-coroutines-reactor on the class path, Spring's proxies turn a call of a
 * suspending method into a {@code Mono} (a {@code Flux} when it returns a {@code Flow}) that the
 * advice chain passes outward, and the proxy awaits what the outermost advice returns, in the
 * calling coroutine. The method's coroutine starts when that publisher is subscribed, in the
 * caller's coroutine context (its dispatcher and elements, not its {@code Job}); cancelling the
 * caller cancels the subscription. So Baton adapts a suspending method as it adapts a method
 * returning that publisher: the wait suspends, a cancelled caller withdraws it, and the permit or
 * lock is held until the coroutine completes, or until its caller is cancelled: the cancel of the
 * subscription is all the bridge reports, so code a cancelled coroutine still runs (its
 * {@code finally}, a {@code NonCancellable} block) runs without it.
 *
 * <p>Without kotlinx-coroutines-reactor, Spring calls the method directly and it returns as soon
 * as it first suspends: nothing could be held until it completes, so such a method is refused.
 */
final class SuspendingFunctions {

  private static final String COROUTINES_REACTOR = "kotlinx.coroutines.reactor.MonoKt";
  private static final String FLOW = "kotlinx.coroutines.flow.Flow";

  private SuspendingFunctions() {}

  static boolean isSuspending(Method method) {
    return KotlinDetector.isSuspendingFunction(method);
  }

  /**
   * What the advice chain of the suspending {@code method} carries: {@code Mono}, or
   * {@code Flux} for a function returning a {@code Flow}.
   *
   * @param classLoader the application's, where Spring's proxies look for
   *     kotlinx-coroutines-reactor
   * @throws IllegalStateException if kotlinx-coroutines-reactor is missing
   */
  static Class<?> adviceResultType(Method method, ClassLoader classLoader) {
    if (!ClassUtils.isPresent(COROUTINES_REACTOR, classLoader)) {
      throw new IllegalStateException(AnnotationBindings.signature(method) + " is a Kotlin"
          + " suspend function: Baton holds its lock or permit until the coroutine completes"
          + " through Spring's coroutine support, which needs"
          + " org.jetbrains.kotlinx:kotlinx-coroutines-reactor on the class path; without it the"
          + " method would return at its first suspension and be let go then");
    }
    Class<?> returned = new MethodParameter(method, -1).getParameterType();
    return FLOW.equals(returned.getName()) ? Flux.class : Mono.class;
  }
}
