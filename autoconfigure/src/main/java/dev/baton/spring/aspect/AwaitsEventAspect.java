package dev.baton.spring.aspect;

import dev.baton.annotation.AwaitsEvent;
import java.lang.reflect.Method;
import org.aopalliance.intercept.MethodInvocation;
import org.springframework.beans.factory.ObjectProvider;

/**
 * Applies {@link AwaitsEvent}: inside {@code @SetsEvent}, outside {@code @Limited}.
 */
public final class AwaitsEventAspect extends AnnotationAspect<AwaitsEventAspect.Prepared> {

  public AwaitsEventAspect(ObjectProvider<AnnotationBindings> bindings,
      ObjectProvider<ReturnTypeAdapters> adapters, int order) {
    super(AwaitsEvent.class, bindings, adapters, order);
  }

  record Prepared(ReturnTypeAdapter adapter, Gate<Void> gate) {}

  @Override
  Prepared prepare(Method method, Class<?> targetClass) {
    AnnotationBindings.Awaited awaited = bindings().awaits(method, targetClass);
    return new Prepared(adapterFor(method),
        Gate.after(awaited.event(), awaited.timeout()));
  }

  @Override
  Object advise(Prepared prepared, MethodInvocation invocation) throws Throwable {
    return prepared.adapter().around(prepared.gate(), invocation::proceed);
  }
}
