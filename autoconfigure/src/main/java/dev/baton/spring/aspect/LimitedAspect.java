package dev.baton.spring.aspect;

import dev.baton.Permit;
import dev.baton.annotation.Limited;
import java.lang.reflect.Method;
import org.aopalliance.intercept.MethodInvocation;
import org.springframework.beans.factory.ObjectProvider;

/**
 * Applies {@link Limited}: inside {@code @AwaitsEvent}, outside {@code @Guarded}.
 */
public final class LimitedAspect extends AnnotationAspect<GatedCall<Permit>> {

  public LimitedAspect(ObjectProvider<AnnotationBindings> bindings,
      ObjectProvider<ReturnTypeAdapters> adapters, int order,
      boolean tracksCalls) {
    super(Limited.class, bindings, adapters, order, tracksCalls);
  }

  @Override
  GatedCall<Permit> prepare(Method method, Class<?> targetClass) {
    AnnotationBindings.Limit limit = bindings().limited(method, targetClass);
    return new GatedCall<>(adapterFor(method),
        Gate.holding(limit.semaphore(), limit.timeout(), limit.takenBy()));
  }

  @Override
  Object advise(GatedCall<Permit> call, MethodInvocation invocation) throws Throwable {
    return call.proceed(invocation);
  }
}
