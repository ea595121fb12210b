package dev.baton.spring.aspect;

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
  /** Per class of target object, per invoked method: what {@link #prepare} resolved. */
  private final ClassValue<ConcurrentMap<Method, P>> prepared = new ClassValue<>() {
    @Override
    protected ConcurrentMap<Method, P> computeValue(Class<?> type) {
      return new ConcurrentHashMap<>();
    }
  };

  /**
   * @param bindings resolved on a method's first call, so that creating the advisor, which
   *     happens early, creates no primitive
   */
  AnnotationAspect(Class<? extends Annotation> annotation,
      ObjectProvider<AnnotationBindings> bindings, ObjectProvider<ReturnTypeAdapters> adapters,
      int order) {
    this.bindings = bindings;
    this.adapters = adapters;
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
    ConcurrentMap<Method, P> methods = prepared.get(target.getClass());
    Method method = invocation.getMethod();
    P forMethod = methods.get(method);
    if (forMethod == null) {
      Class<?> targetClass = AopUtils.getTargetClass(target);
      forMethod = methods.computeIfAbsent(method,
          m -> prepare(AopUtils.getMostSpecificMethod(m, targetClass), targetClass));
    }
    return advise(forMethod, invocation);
  }
}
