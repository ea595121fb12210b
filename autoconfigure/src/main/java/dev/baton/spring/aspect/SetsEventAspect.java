package dev.baton.spring.aspect;

import dev.baton.AsyncEvent;
import org.aspectj.lang.ProceedingJoinPoint;
import org.aspectj.lang.annotation.Around;
import org.aspectj.lang.annotation.Aspect;
import org.springframework.core.Ordered;

/**
 * Applies {@link dev.baton.annotation.SetsEvent}: the outermost Baton aspect, so the event is set
 * only once every other Baton annotation of the method has let go.
 */
@Aspect
public final class SetsEventAspect implements Ordered {

  private final AnnotationBindings bindings;
  private final ReturnTypeAdapters adapters;
  private final int order;

  public SetsEventAspect(AnnotationBindings bindings, ReturnTypeAdapters adapters, int order) {
    this.bindings = bindings;
    this.adapters = adapters;
    this.order = order;
  }

  @Around("@annotation(dev.baton.annotation.SetsEvent)"
      + " || (@within(dev.baton.annotation.SetsEvent) && execution(public * *(..)))")
  public Object setEvent(ProceedingJoinPoint pjp) throws Throwable {
    JoinPoints call = JoinPoints.of(pjp);
    AsyncEvent event = bindings.setsEvent(call.method(), call.targetClass());
    return adapters.forMethod(call.method()).afterSuccess(pjp::proceed, event::set);
  }

  @Override
  public int getOrder() {
    return order;
  }
}
