package dev.baton.spring.aspect;

import dev.baton.AsyncLock;
import org.aspectj.lang.ProceedingJoinPoint;
import org.aspectj.lang.annotation.Around;
import org.aspectj.lang.annotation.Aspect;
import org.springframework.core.Ordered;

/**
 * Applies {@link dev.baton.annotation.Guarded}: the innermost Baton aspect.
 */
@Aspect
public final class GuardedAspect implements Ordered {

  private final AnnotationBindings bindings;
  private final ReturnTypeAdapters adapters;
  private final int order;

  public GuardedAspect(AnnotationBindings bindings, ReturnTypeAdapters adapters, int order) {
    this.bindings = bindings;
    this.adapters = adapters;
    this.order = order;
  }

  @Around("@annotation(dev.baton.annotation.Guarded)"
      + " || (@within(dev.baton.annotation.Guarded) && execution(public * *(..)))")
  public Object guard(ProceedingJoinPoint pjp) throws Throwable {
    JoinPoints call = JoinPoints.of(pjp);
    AnnotationBindings.Guard guard = bindings.guarded(call.method(), call.targetClass());
    AsyncLock lock = bindings.lockFor(guard, call.method(), pjp.getArgs(), pjp.getTarget());
    return adapters.forMethod(call.method())
        .around(Gate.holding(lock, guard.timeout(), guard.takenBy()), pjp::proceed);
  }

  @Override
  public int getOrder() {
    return order;
  }
}
