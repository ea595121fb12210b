package dev.baton.spring.aspect;

import dev.baton.AsyncEvent;
import dev.baton.annotation.SetsEvent;
import dev.baton.spring.observation.EventSetters;
import dev.baton.spring.observation.SetterTracking;
import java.lang.reflect.Method;
import java.util.concurrent.CompletableFuture;
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

  /** @param setters the event's setters when the stall view watches them, else null */
  record Prepared(ReturnTypeAdapter adapter, Runnable setEvent, EventSetters setters) {}

  @Override
  Prepared prepare(Method method, Class<?> targetClass) {
    AsyncEvent event = bindings().setsEvent(method, targetClass);
    EventSetters setters = event instanceof SetterTracking tracking ? tracking.setters() : null;
    return new Prepared(adapterFor(method), event::set, setters);
  }

  /**
   * Sets the event once the call's result completes normally; with the stall view on, the call
   * also promises to set it from its start until its result completes, however it does.
   */
  @Override
  Object advise(Prepared prepared, MethodInvocation invocation) throws Throwable {
    Invocation call = new ProxyCall(invocation);
    EventSetters setters = prepared.setters();
    if (setters == null) {
      return prepared.adapter().afterSuccess(call, prepared.setEvent());
    }
    Gate<EventSetters.Promise> promising = new Gate<>(
        () -> CompletableFuture.completedFuture(setters.promise()), EventSetters.Promise::close);
    return prepared.adapter().around(promising, new SettingCall(call, prepared));
  }

  /** The call, setting the event when its result completes normally; copied with the call. */
  private record SettingCall(Invocation call, Prepared prepared) implements ExposedCall {

    @Override
    public Object proceed() throws Throwable {
      return prepared.adapter().afterSuccess(call, prepared.setEvent());
    }

    @Override
    public Object proceedExposed() throws Throwable {
      return prepared.adapter().afterSuccess(() -> ExposedCall.proceedExposed(call),
          prepared.setEvent());
    }

    @Override
    public Invocation copy() {
      return new SettingCall(call.copy(), prepared);
    }
  }
}
