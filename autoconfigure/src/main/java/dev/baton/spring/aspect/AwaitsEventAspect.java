package dev.baton.spring.aspect;

import dev.baton.annotation.AwaitsEvent;
import java.lang.reflect.Method;
import org.aopalliance.intercept.MethodInvocation;
import org.springframework.beans.factory.ObjectProvider;

/**
 * Applies {@link AwaitsEvent}: inside {@code @SetsEvent}, outside {@code @Limited}.
 */
public final class AwaitsEventAspect extends AnnotationAspect<GatedCall<Void>> {

  public AwaitsEventAspect(ObjectProvider<AnnotationBindings> bindings,
      ObjectProvider<ReturnTypeAdapters> adapters, int order,
      boolean tracksCalls) {
    super(AwaitsEvent.class, bindings, adapters, order, tracksCalls);
  }

  @Override
  GatedCall<Void> prepare(Method method, Class<?> targetClass) {
    AnnotationBindings.Awaited awaited = bindings().awaits(method, targetClass);
    return new GatedCall<>(adapterFor(method),
        Gate.after(awaited.event(), awaited.timeout()));
  }

  @Override
  Object advise(GatedCall<Void> call, MethodInvocation invocation) throws Throwable {
    return call.proceed(invocation);
  }
}
