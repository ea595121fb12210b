package dev.baton.spring.aspect;

import dev.baton.AsyncEvent;
import dev.baton.annotation.SetsEvent;
import java.lang.reflect.Method;
import org.aopalliance.intercept.MethodInvocation;
import org.springframework.beans.factory.ObjectProvider;

/**
 * Applies {@link SetsEvent}: the outermost Baton aspect, so the event is set only once every
 * other Baton annotation of the method has let go.
 */
public final class SetsEventAspect extends AnnotationAspect<SetsEventAspect.Prepared> {

  public SetsEventAspect(ObjectProvider<AnnotationBindings> bindings,
      ObjectProvider<ReturnTypeAdapters> adapters, int order,
      boolean tracksCalls) {
    super(SetsEvent.class, bindings, adapters, order, tracksCalls);
  }

  record Prepared(ReturnTypeAdapter adapter, Runnable setEvent) {}

  @Override
  Prepared prepare(Method method, Class<?> targetClass) {
    AsyncEvent event = bindings().setsEvent(method, targetClass);
    return new Prepared(adapterFor(method), event::set);
  }

  @Override
  Object advise(Prepared prepared, MethodInvocation invocation) throws Throwable {
    return prepared.adapter().afterSuccess(new ProxyCall(invocation), prepared.setEvent());
  }
}
