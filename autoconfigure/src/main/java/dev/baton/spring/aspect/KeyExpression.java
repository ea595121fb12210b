package dev.baton.spring.aspect;

import java.lang.reflect.Method;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.context.expression.BeanFactoryResolver;
import org.springframework.context.expression.MethodBasedEvaluationContext;
import org.springframework.core.DefaultParameterNameDiscoverer;
import org.springframework.core.ParameterNameDiscoverer;
import org.springframework.expression.Expression;
import org.springframework.expression.spel.SpelNode;
import org.springframework.expression.spel.ast.BeanReference;
import org.springframework.expression.spel.ast.VariableReference;
import org.springframework.expression.spel.standard.SpelExpression;

/**
 * The parsed {@code key} of a {@code @Guarded}, evaluated per invocation with the arguments by
 * name ({@code #sku}, which needs {@code -parameters}, as Spring Boot builds set), as {@code #p0}
 * or {@code #root.args[0]}, {@code #root.method}, {@code #root.target} and beans as {@code @name}.
 */
final class KeyExpression {

  private static final ParameterNameDiscoverer PARAMETER_NAMES =
      new DefaultParameterNameDiscoverer();
  /** Variables every key may read: the root, the current object, arguments by position. */
  private static final Pattern ALWAYS_THERE = Pattern.compile("root|this|[pa]\\d+");
  /** An argument by position: {@code #p0}, {@code #a1}. */
  private static final Pattern POSITION = Pattern.compile("[pa](\\d+)");

  /** Why a key that is, or holds, a result still to come is refused. */
  private static final String EQUALS_ONLY_ITSELF = ", which equals only itself, so no two calls"
      + " would share a lock; key on the value it brings (take the request body as a value, or"
      + " guard a method called with it once it has come)";
  private static final String STILL_TO_COME = ", a result still to come" + EQUALS_ONLY_ITSELF;
  private static final String HOLDING = ", holding a result still to come" + EQUALS_ONLY_ITSELF;
  /** How many levels of collections in a key are looked through for a result still to come. */
  private static final int HELD_DEPTH = 4;

  private final Expression expression;
  private final String origin;
  private final BeanFactory beanFactory;
  private final BeanFactoryResolver beans;

  KeyExpression(Expression expression, String origin, BeanFactory beanFactory) {
    this.expression = expression;
    this.origin = origin;
    this.beanFactory = beanFactory;
    this.beans = new BeanFactoryResolver(beanFactory);
  }

  /**
   * Checks, at start-up, that every variable the expression reads ({@code #sku}) is a parameter
   * of {@code method}, whose names {@code names} discovers, and that every argument it reads by
   * position ({@code #p1}, {@code #a1}, unless a parameter has that name) is one of the method's.
   *
   * @throws IllegalStateException naming the method, the expression and the variable, if it is
   *     not a parameter, or if the method's parameter names were not compiled in
   */
  void checkVariables(Method method, ParameterNameDiscoverer names) {
    Set<String> variables = new LinkedHashSet<>();
    if (expression instanceof SpelExpression spel) {
      collectVariables(spel.getAST(), variables);
    }
    String[] parameters = names.getParameterNames(method);
    List<String> declared = parameters == null ? List.of() : Arrays.asList(parameters);
    variables.removeAll(declared);
    for (String variable : variables) {
      Matcher position = POSITION.matcher(variable);
      if (position.matches() && !isArgument(position.group(1), method)) {
        throw new IllegalStateException(origin + ": attribute key: '"
            + expression.getExpressionString() + "' reads #" + variable + ", but "
            + method.getName() + " has " + method.getParameterCount()
            + (method.getParameterCount() == 1 ? " parameter" : " parameters"));
      }
    }
    variables.removeIf(variable -> ALWAYS_THERE.matcher(variable).matches());
    if (variables.isEmpty()) {
      return;
    }
    if (parameters == null) {
      throw new IllegalStateException(origin + ": attribute key: '"
          + expression.getExpressionString() + "' reads #" + variables.iterator().next()
          + ", but " + method.getDeclaringClass().getName() + " was compiled without parameter"
          + " names: compile with -parameters (Spring Boot's Maven and Gradle plugins do), or"
          + " name arguments by position, #p0 or #a0");
    }
    throw new IllegalStateException(origin + ": attribute key: '"
        + expression.getExpressionString() + "' reads #" + variables.iterator().next()
        + ", which is not a parameter of " + method.getName() + " " + declared);
  }

  /** Whether {@code index}, the digits of {@code #p1}, is the position of an argument. */
  private static boolean isArgument(String index, Method method) {
    return index.length() < 10 && Integer.parseInt(index) < method.getParameterCount();
  }

  /**
   * Checks, at start-up, what a key can be checked for before it is evaluated: that every
   * variable it reads is a parameter of {@code method}
   * ({@link #checkVariables(Method, ParameterNameDiscoverer)}, with the names Spring finds), that
   * a key that is just one parameter ({@code #cart}, {@code #p0}) is not declared as a result
   * still to come (a {@code Mono}, a future, a {@code Stream}: see {@link #evaluate}) nor as a
   * type holding one ({@code List<Mono<T>>}), and that every bean it reads ({@code @skuKeys})
   * exists. A key that reaches such a value otherwise ({@code #order.cart}, a parameter declared
   * {@code Object}) is refused only when called.
   *
   * @throws IllegalStateException naming the method, the expression and what it reads
   */
  void check(Method method) {
    checkVariables(method, PARAMETER_NAMES);
    checkNotStillToCome(method);
    if (expression instanceof SpelExpression spel) {
      Set<String> beanNames = new LinkedHashSet<>();
      collect(spel.getAST(), BeanReference.class, beanNames);
      for (String reference : beanNames) {
        String bean = reference.startsWith("@") ? reference.substring(1) : reference;
        bean = bean.startsWith("'") ? bean.substring(1, bean.length() - 1) : bean;
        if (!beanFactory.containsBean(bean)) {
          throw new IllegalStateException(origin + ": attribute key: '"
              + expression.getExpressionString() + "' reads " + reference + ", but there is no"
              + " bean named '" + bean + "'");
        }
      }
    }
  }

  /** Refuses a key that is one parameter declared as a result still to come. */
  private void checkNotStillToCome(Method method) {
    if (!(expression instanceof SpelExpression spel)
        || !(spel.getAST() instanceof VariableReference variable)) {
      return;
    }
    String name = variable.toStringAST().substring(1);
    String[] parameters = PARAMETER_NAMES.getParameterNames(method);
    int index = parameters == null ? -1 : Arrays.asList(parameters).indexOf(name);
    Matcher position = POSITION.matcher(name);
    if (index < 0 && position.matches() && isArgument(position.group(1), method)) {
      index = Integer.parseInt(position.group(1));
    }
    if (index < 0) {
      return;
    }
    Class<?> type = method.getParameterTypes()[index];
    if (ReturnTypeAdapters.isStillToCome(type)) {
      throw new IllegalStateException(origin + ": attribute key: '"
          + expression.getExpressionString() + "' reads #" + name + ", declared "
          + type.getName() + STILL_TO_COME);
    }
    Type declared = method.getGenericParameterTypes()[index];
    if (ReturnTypeAdapters.holdsStillToCome(declared)) {
      throw new IllegalStateException(origin + ": attribute key: '"
          + expression.getExpressionString() + "' reads #" + name + ", declared "
          + declared.getTypeName() + HOLDING);
    }
  }

  private static void collectVariables(SpelNode node, Set<String> variables) {
    Set<String> references = new LinkedHashSet<>();
    collect(node, VariableReference.class, references);
    references.forEach(reference -> variables.add(reference.substring(1)));
  }

  /** Adds how every node of {@code type} under {@code node} reads, in order, to {@code found}. */
  private static void collect(SpelNode node, Class<? extends SpelNode> type, Set<String> found) {
    if (type.isInstance(node)) {
      found.add(node.toStringAST());
    }
    for (int i = 0; i < node.getChildCount(); i++) {
      collect(node.getChild(i), type, found);
    }
  }

  /**
   * The key for one invocation. The messages of the exceptions it throws name the method and the
   * expression, never an argument or a key, which often carry user data.
   *
   * @throws IllegalArgumentException if the expression yields null, an array or a result still
   *     to come (a future, a publisher such as WebFlux's {@code @RequestBody Mono<T>}, a
   *     {@code Stream}) or a collection, map or {@code Optional} holding one, none of which would
   *     equal another call's key, or fails (its exception is the cause: a SpEL
   *     {@code EvaluationException} or what a method it calls threw), as does reading such a
   *     collection
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
    if (ReturnTypeAdapters.isStillToCome(key)) {
      throw refused("evaluated to a " + key.getClass().getName() + STILL_TO_COME, null);
    }
    Object held;
    try {
      held = stillToComeIn(key, HELD_DEPTH);
    } catch (RuntimeException e) {
      throw refused("could not be read (" + e.getClass().getName() + ", the cause)", e);
    }
    if (held != null) {
      throw refused("evaluated to a " + key.getClass().getName() + " holding a "
          + held.getClass().getName() + STILL_TO_COME, null);
    }
    if (key.getClass().isArray()) {
      throw refused("evaluated to a " + key.getClass().getTypeName() + ", and an array equals"
          + " only itself, so no two calls would share a lock; key on a List or on a value", null);
    }
    return key;
  }

  /**
   * A result still to come among the elements of {@code key}, a collection, map (keys and
   * values) or {@code Optional}, and theirs, at most {@code depth} levels down (a collection may
   * hold itself); null if there is none.
   */
  private static Object stillToComeIn(Object key, int depth) {
    Collection<?> elements = key instanceof Collection<?> collection ? collection
        : key instanceof Map<?, ?> map ? mapElements(map)
        : key instanceof Optional<?> optional ? optional.stream().toList() : null;
    if (elements == null || depth == 0) {
      return null;
    }
    for (Object element : elements) {
      Object held = ReturnTypeAdapters.isStillToCome(element) ? element
          : element == null ? null : stillToComeIn(element, depth - 1);
      if (held != null) {
        return held;
      }
    }
    return null;
  }

  private static Collection<?> mapElements(Map<?, ?> map) {
    List<Object> elements = new ArrayList<>(map.keySet());
    elements.addAll(map.values());
    return elements;
  }

  /**
   * An exception naming the method and the expression and saying {@code problem}, never an
   * argument or a key.
   */
  IllegalArgumentException refused(String problem, Throwable cause) {
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
