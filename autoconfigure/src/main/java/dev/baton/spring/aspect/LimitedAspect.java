package dev.baton.spring.aspect;

import org.aspectj.lang.ProceedingJoinPoint;
import org.aspectj.lang.annotation.Around;
import org.aspectj.lang.annotation.Aspect;
import org.springframework.core.Ordered;

/**
 * Applies {@link dev.baton.annotation.Limited}: inside {@code @AwaitsEvent}, outside {@code @Guarded}.
 */
@Aspect
public final class LimitedAspect implements Ordered {

  private final AnnotationBindings bindings;
  private final ReturnTypeAdapters adapters;
  private final int order;

  public LimitedAspect(AnnotationBindings bindings, ReturnTypeAdapters adapters, int order) {
    this.bindings = bindings;
    this.adapters = adapters;
    this.order = order;
  }

  @Around("@annotation(dev.baton.annotation.Limited)"
      + " || (@within(dev.baton.annotation.Limited) && execution(public * *(..)))")
  public Object limit(ProceedingJoinPoint pjp) throws Throwable {
    JoinPoints call = JoinPoints.of(pjp);
    AnnotationBindings.Limit limit = bindings.limited(call.method(), call.targetClass());
    return adapters.forMethod(call.method())
        .around(Gate.holding(limit.semaphore(), limit.timeout(), limit.takenBy()), pjp::proceed);
  }

  @Override
  public int getOrder() {
    return order;
  }
}
