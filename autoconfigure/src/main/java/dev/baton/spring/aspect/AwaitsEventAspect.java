package dev.baton.spring.aspect;

import org.aspectj.lang.ProceedingJoinPoint;
import org.aspectj.lang.annotation.Around;
import org.aspectj.lang.annotation.Aspect;
import org.springframework.core.Ordered;

/**
 * Applies {@link dev.baton.annotation.AwaitsEvent}: inside {@code @SetsEvent}, outside {@code @Limited}.
 */
@Aspect
public final class AwaitsEventAspect implements Ordered {

  private final AnnotationBindings bindings;
  private final ReturnTypeAdapters adapters;
  private final int order;

  public AwaitsEventAspect(AnnotationBindings bindings, ReturnTypeAdapters adapters, int order) {
    this.bindings = bindings;
    this.adapters = adapters;
    this.order = order;
  }

  @Around("@annotation(dev.baton.annotation.AwaitsEvent)"
      + " || (@within(dev.baton.annotation.AwaitsEvent) && execution(public * *(..)))")
  public Object awaitEvent(ProceedingJoinPoint pjp) throws Throwable {
    JoinPoints call = JoinPoints.of(pjp);
    AnnotationBindings.Awaited awaited = bindings.awaits(call.method(), call.targetClass());
    return adapters.forMethod(call.method())
        .around(Gate.after(awaited.event(), awaited.timeout()), pjp::proceed);
  }

  @Override
  public int getOrder() {
    return order;
  }
}
