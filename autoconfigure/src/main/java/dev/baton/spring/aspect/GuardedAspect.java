package dev.baton.spring.aspect;

import dev.baton.AsyncLock;
import dev.baton.Permit;
import dev.baton.annotation.Guarded;
import java.lang.reflect.Method;
import org.aopalliance.intercept.MethodInvocation;
import org.springframework.beans.factory.ObjectProvider;

/**
 * Applies {@link Guarded}: the innermost Baton aspect.
 */
public final class GuardedAspect extends AnnotationAspect<GuardedAspect.Prepared> {

  public GuardedAspect(ObjectProvider<AnnotationBindings> bindings,
      ObjectProvider<ReturnTypeAdapters> adapters, int order,
      boolean tracksCalls) {
    super(Guarded.class, bindings, adapters, order, tracksCalls);
  }

  /**
   * @param bindings resolved here once, so that a per-key call does not look the bean up
   * @param gate the gate of a single lock; null for a per-key lock, chosen per call
   */
  record Prepared(Method method, ReturnTypeAdapter adapter, AnnotationBindings bindings,
      AnnotationBindings.Guard guard, Gate<Permit> gate) {}

  @Override
  Prepared prepare(Method method, Class<?> targetClass) {
    AnnotationBindings bindings = bindings();
    AnnotationBindings.Guard guard = bindings.guarded(method, targetClass);
    Gate<Permit> gate = guard.key() == null
        ? Gate.holding(guard.lock(), guard.timeout(), guard.takenBy()) : null;
    return new Prepared(method, adapterFor(method), bindings, guard, gate);
  }

  @Override
  Object advise(Prepared prepared, MethodInvocation invocation) throws Throwable {
    Gate<Permit> gate = prepared.gate();
    if (gate == null) {
      gate = perKeyGate(prepared, invocation);
    }
    return prepared.adapter().around(gate, new ProxyCall(invocation));
  }

  /**
   * The gate of the key's lock; if the lock cannot be resolved (the key evaluates to null or
   * fails), a gate that has failed already, so that the call fails as its return type reports
   * failures (a failed future or error signal rather than a throw from a method returning one).
   */
  private static Gate<Permit> perKeyGate(Prepared prepared, MethodInvocation invocation) {
    AnnotationBindings.Guard guard = prepared.guard();
    AsyncLock lock;
    try {
      lock = prepared.bindings().lockFor(guard, prepared.method(), invocation.getArguments(),
          invocation.getThis());
    } catch (RuntimeException e) {
      return Gate.failed(e);
    }
    return Gate.holding(lock, guard.timeout(), guard.takenBy());
  }
}
