package dev.baton.spring.aspect;

import java.lang.reflect.Method;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.context.expression.BeanFactoryResolver;
import org.springframework.context.expression.MethodBasedEvaluationContext;
import org.springframework.core.DefaultParameterNameDiscoverer;
import org.springframework.core.ParameterNameDiscoverer;
import org.springframework.expression.Expression;

/**
 * The parsed {@code key} of a {@code @Guarded}, evaluated per invocation with the arguments by
 * name ({@code #sku}, which needs {@code -parameters}, as Spring Boot builds set), as {@code #p0}
 * or {@code #root.args[0]}, {@code #root.method}, {@code #root.target} and beans as {@code @name}.
 */
final class KeyExpression {

  private static final ParameterNameDiscoverer PARAMETER_NAMES =
      new DefaultParameterNameDiscoverer();

  private final Expression expression;
  private final String origin;
  private final BeanFactoryResolver beans;

  KeyExpression(Expression expression, String origin, BeanFactory beanFactory) {
    this.expression = expression;
    this.origin = origin;
    this.beans = new BeanFactoryResolver(beanFactory);
  }

  /**
   * The key for one invocation. The messages of the exceptions it throws name the method and the
   * expression, never an argument or a key, which often carry user data.
   *
   * @throws IllegalArgumentException if the expression yields null, or fails (its exception is
   *     the cause: a SpEL {@code EvaluationException} or what a method it calls threw)
   */
  Object evaluate(Method method, Object[] args, Object target) {
    MethodBasedEvaluationContext context = new MethodBasedEvaluationContext(
        new Root(method, args, target), method, args, PARAMETER_NAMES);
    context.setBeanResolver(beans);
    Object key;
    try {
      key = expression.getValue(context);
    } catch (RuntimeException e) {
      throw refused("could not be evaluated (" + e.getClass().getName() + ", the cause)", e);
    }
    if (key == null) {
      throw refused("evaluated to null; a per-key lock needs a key", null);
    }
    return key;
  }

  private IllegalArgumentException refused(String problem, Throwable cause) {
    return new IllegalArgumentException(origin + ": attribute key: '"
        + expression.getExpressionString() + "' " + problem, cause);
  }

  /** The {@code #root} object of key expressions. */
  public static final class Root {
    private final Method method;
    private final Object[] args;
    private final Object target;

    Root(Method method, Object[] args, Object target) {
      this.method = method;
      this.args = args;
      this.target = target;
    }

    public Method getMethod() {
      return method;
    }

    public Object[] getArgs() {
      return args;
    }

    public Object getTarget() {
      return target;
    }
  }
}
