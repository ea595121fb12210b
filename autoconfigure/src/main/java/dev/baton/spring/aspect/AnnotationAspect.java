package dev.baton.spring.aspect;

import dev.baton.spring.observation.CurrentCall;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.aopalliance.aop.Advice;
import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
import org.springframework.aop.Pointcut;
import org.springframework.aop.support.AbstractPointcutAdvisor;
import org.springframework.aop.support.AopUtils;
import org.springframework.aop.support.StaticMethodMatcherPointcut;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.util.ClassUtils;

/**
 * The advisor of one Baton annotation: applies {@link #advise} to every method annotated with it
 * and to the public methods of classes annotated with it (as {@code @Transactional} does), at a
 * fixed order. What a call needs to know of its method (the bound primitive, the return-type
 * adapter) is resolved on the method's first call and then looked up without allocating.
 *
 * @param <P> what {@link #prepare} resolves for a method
 */
public abstract class AnnotationAspect<P> extends AbstractPointcutAdvisor {

  private final ObjectProvider<AnnotationBindings> bindings;
  private final ObjectProvider<ReturnTypeAdapters> adapters;
  private final Pointcut pointcut;
  private final MethodInterceptor interceptor = this::advise;
  /** Whether each invocation runs as a call of its own ({@link CurrentCall}): the stall view. */
  private final boolean tracksCalls;
  /** Per class of target object, per invoked method: what {@link #prepare} resolved. */
  private final ClassValue<ConcurrentMap<Method, Prepared<P>>> prepared = new ClassValue<>() {
    @Override
    protected ConcurrentMap<Method, Prepared<P>> computeValue(Class<?> type) {
      return new ConcurrentHashMap<>();
    }
  };

  /**
   * @param bindings resolved on a method's first call, so that creating the advisor, which
   *     happens early, creates no primitive
   */
  AnnotationAspect(Class<? extends Annotation> annotation,
      ObjectProvider<AnnotationBindings> bindings, ObjectProvider<ReturnTypeAdapters> adapters,
      int order, boolean tracksCalls) {
    this.bindings = bindings;
    this.adapters = adapters;
    this.tracksCalls = tracksCalls;
    setOrder(order);
    this.pointcut = new StaticMethodMatcherPointcut() {
      @Override
      public boolean matches(Method method, Class<?> targetClass) {
        return AnnotationBindings.isAnnotated(
            AopUtils.getMostSpecificMethod(method, targetClass), annotation);
      }
    };
  }

  AnnotationBindings bindings() {
    return bindings.getObject();
  }

  /** The adapter for the return type of {@code method}. */
  ReturnTypeAdapter adapterFor(Method method) {
    return adapters.getObject().forMethod(method);
  }

  /** Resolves what calls of {@code method} (the most specific one) on {@code targetClass} need. */
  abstract P prepare(Method method, Class<?> targetClass);

  /** Runs one intercepted call. */
  abstract Object advise(P prepared, MethodInvocation invocation) throws Throwable;

  @Override
  public Pointcut getPointcut() {
    return pointcut;
  }

  @Override
  public Advice getAdvice() {
    return interceptor;
  }

  private Object advise(MethodInvocation invocation) throws Throwable {
    Object target = invocation.getThis();
    ConcurrentMap<Method, Prepared<P>> methods = prepared.get(target.getClass());
    Method method = invocation.getMethod();
    Prepared<P> forMethod = methods.get(method);
    if (forMethod == null) {
      Class<?> targetClass = AopUtils.getTargetClass(target);
      forMethod = methods.computeIfAbsent(method, m -> {
        Method specific = AopUtils.getMostSpecificMethod(m, targetClass);
        return new Prepared<>(prepare(specific, targetClass),
            ClassUtils.getUserClass(targetClass).getSimpleName() + "." + m.getName());
      });
    }
    if (!tracksCalls) {
      return advise(forMethod.prepared(), invocation);
    }
    try (CurrentCall.Scope call = CurrentCall.enter(forMethod.site(), invocation)) {
      return advise(forMethod.prepared(), invocation);
    }
  }

  /**
   * What a method's calls need, and its site: how the stall view names its calls.
   *
   * @param site {@code Type.method}
   */
  private record Prepared<P>(P prepared, String site) {}
}
