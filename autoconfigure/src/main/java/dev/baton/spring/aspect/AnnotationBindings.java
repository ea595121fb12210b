package dev.baton.spring.aspect;

import dev.baton.AsyncEvent;
import dev.baton.AsyncLock;
import dev.baton.AsyncSemaphore;
import dev.baton.annotation.AwaitsEvent;
import dev.baton.annotation.Guarded;
import dev.baton.annotation.Limited;
import dev.baton.annotation.SetsEvent;
import dev.baton.spring.BatonProperties;
import dev.baton.spring.PrimitiveRegistry;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.stream.Stream;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.core.MethodClassKey;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.annotation.AnnotationUtils;
import org.springframework.core.env.Environment;
import org.springframework.expression.ParseException;
import org.springframework.expression.spel.standard.SpelExpressionParser;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;
import org.springframework.util.StringUtils;

/**
 * Baton's annotations of each method, checked against the configuration and resolved to
 * primitives once: by {@link #check}, at start-up for every bean and as a bean is created after
 * it ({@link AnnotationValidator}), or, for a method neither met, at its first call. A method
 * annotation wins over the same annotation on its class, which applies to the public methods
 * that class declares (as with {@code @Transactional}).
 *
 * <p>Names and timeouts are resolved for property placeholders first. Every problem is an
 * {@link IllegalStateException} whose message names the annotation, the bean and method, and the
 * attribute: a blank name, a name or timeout with surrounding whitespace (as Spring Boot refuses
 * in a duration property), a placeholder that does not resolve, an unparsable duration or key, a
 * key that reads what is not there (a parameter, an argument past the last, a bean), no key on a
 * per-key family, permits that conflict with the configuration or another annotation, a method
 * the proxy cannot intercept, an asynchronous return type no adapter handles (see
 * {@link ReturnTypeAdapters}), or (with {@code baton.strict=true}) a name not declared under
 * {@code baton.*}.
 */
public final class AnnotationBindings {

  static final List<Class<? extends Annotation>> ANNOTATIONS =
      List.of(Guarded.class, Limited.class, AwaitsEvent.class, SetsEvent.class);

  private final BatonProperties properties;
  private final PrimitiveRegistry registry;
  private final BeanFactory beanFactory;
  private final Environment environment;
  private final SpelExpressionParser parser = new SpelExpressionParser();
  private final Map<MethodClassKey, Guard> guards = new ConcurrentHashMap<>();
  private final Map<MethodClassKey, Limit> limits = new ConcurrentHashMap<>();
  private final Map<MethodClassKey, Awaited> awaited = new ConcurrentHashMap<>();
  private final Map<MethodClassKey, AsyncEvent> setEvents = new ConcurrentHashMap<>();

  /**
   * @param environment resolves the property placeholders of names and timeouts
   */
  public AnnotationBindings(BatonProperties properties, PrimitiveRegistry registry,
      BeanFactory beanFactory, Environment environment) {
    this.properties = properties;
    this.registry = registry;
    this.beanFactory = beanFactory;
    this.environment = environment;
  }

  /** A resolved {@code @Guarded}: one lock, or a per-key family and its key. */
  record Guard(String name, AsyncLock lock, KeyExpression key, Duration timeout, String takenBy) {}

  /** A resolved {@code @Limited}. */
  record Limit(AsyncSemaphore semaphore, Duration timeout, String takenBy) {}

  /** A resolved {@code @AwaitsEvent}. */
  record Awaited(AsyncEvent event, Duration timeout) {}

  Guard guarded(Method method, Class<?> targetClass) {
    return resolve(guards, method, targetClass, Guarded.class, this::bindGuarded);
  }

  Limit limited(Method method, Class<?> targetClass) {
    return resolve(limits, method, targetClass, Limited.class, this::bindLimited);
  }

  Awaited awaits(Method method, Class<?> targetClass) {
    return resolve(awaited, method, targetClass, AwaitsEvent.class, this::bindAwaits);
  }

  AsyncEvent setsEvent(Method method, Class<?> targetClass) {
    return resolve(setEvents, method, targetClass, SetsEvent.class, this::bindSetsEvent);
  }

  /** The lock {@code guard} takes for one invocation: its lock, or its key's lock. */
  AsyncLock lockFor(Guard guard, Method method, Object[] args, Object target) {
    if (guard.key() == null) {
      return guard.lock();
    }
    Object key = guard.key().evaluate(method, args, target);
    try {
      return registry.lock(guard.name(), key);
    } catch (IllegalArgumentException refused) {
      throw guard.key().refused("gave a key that the lock refused: " + refused.getMessage(),
          refused);
    }
  }

  /**
   * Checks and resolves every Baton annotation of a bean's class, and the adapter each annotated
   * method's return type needs.
   *
   * @throws IllegalStateException describing the first problem found
   */
  public void check(String beanName, Class<?> beanClass, ReturnTypeAdapters adapters) {
    forEachFound(beanClass, (found, type) -> {
      checkInterceptable(found, beanName, beanClass);
      try {
        resolveFound(found.method(), beanClass, type);
        adapters.forMethod(found.method());
      } catch (IllegalStateException | IllegalArgumentException e) {
        throw new IllegalStateException("bean '" + beanName + "': " + e.getMessage(), e);
      }
    });
  }

  /** Calls {@code action} with every Baton annotation of {@code beanClass} and its type. */
  private static void forEachFound(Class<?> beanClass,
      BiConsumer<Found<?>, Class<? extends Annotation>> action) {
    if (!AnnotationUtils.isCandidateClass(beanClass, ANNOTATIONS)) {
      return;
    }
    // Synthetic methods carry copies of annotations (Kotlin's static $suspendImpl of an open
    // suspend function) but are only ever called through the method they implement.
    for (Method method : ReflectionUtils.getUniqueDeclaredMethods(beanClass,
        m -> !m.isBridge() && !m.isSynthetic())) {
      for (Class<? extends Annotation> type : ANNOTATIONS) {
        Found<?> found = find(method, type);
        if (found != null) {
          action.accept(found, type);
        }
      }
    }
  }

  private void resolveFound(Method method, Class<?> beanClass, Class<? extends Annotation> type) {
    if (type == Guarded.class) {
      guarded(method, beanClass);
    } else if (type == Limited.class) {
      limited(method, beanClass);
    } else if (type == AwaitsEvent.class) {
      awaits(method, beanClass);
    } else {
      setsEvent(method, beanClass);
    }
  }

  /** An annotation and where it was found. */
  private record Found<A extends Annotation>(A annotation, Method method, boolean onClass) {
    String describe() {
      return "@" + annotation.annotationType().getSimpleName() + " on " + signature(method)
          + (onClass ? " (from its class)" : "");
    }

    /** How the endpoint names the method as a holder: {@code Type.method}. */
    String takenBy() {
      return method.getDeclaringClass().getSimpleName() + "." + method.getName();
    }
  }

  /** How messages name a method: {@code com.example.Shop.reserve(String,int)}. */
  static String signature(Method method) {
    return method.getDeclaringClass().getName() + "." + method.getName() + "("
        + StringUtils.arrayToCommaDelimitedString(
            Arrays.stream(method.getParameterTypes()).map(Class::getSimpleName).toArray())
        + ")";
  }

  private <A extends Annotation, B> B resolve(Map<MethodClassKey, B> cache, Method method,
      Class<?> targetClass, Class<A> type, Function<Found<A>, B> bind) {
    return cache.computeIfAbsent(new MethodClassKey(method, targetClass), key -> {
      Found<A> found = find(method, type);
      if (found == null) {
        throw new IllegalStateException("no @" + type.getSimpleName() + " on " + method);
      }
      return bind.apply(found);
    });
  }

  /**
   * Whether {@code method} carries {@code type}, or is a public instance method of a class that
   * does: where Baton's aspects apply.
   */
  static boolean isAnnotated(Method method, Class<? extends Annotation> type) {
    return find(method, type) != null;
  }

  private static <A extends Annotation> Found<A> find(Method method, Class<A> type) {
    A onMethod = AnnotatedElementUtils.findMergedAnnotation(method, type);
    if (onMethod != null) {
      return new Found<>(onMethod, method, false);
    }
    if (Modifier.isPublic(method.getModifiers()) && !Modifier.isStatic(method.getModifiers())
        && method.getDeclaringClass() != Object.class) {
      // The class that declares the method carries the annotation, or a superclass of it does
      // (as @Transactional on a class covers its subclasses); one inherited from a class without
      // it is left alone.
      A onClass = AnnotatedElementUtils.findMergedAnnotation(method.getDeclaringClass(), type);
      if (onClass != null) {
        return new Found<>(onClass, method, true);
      }
    }
    return null;
  }

  /**
   * Checks that the proxy can apply every Baton annotation of a bean's class: before the proxy is
   * made, so that a final class is named here rather than by the proxy's failure.
   *
   * @throws IllegalStateException naming the bean, the method and why, for the first that it
   *     cannot intercept
   */
  static void checkInterceptable(String beanName, Class<?> beanClass) {
    forEachFound(beanClass, (found, type) -> checkInterceptable(found, beanName, beanClass));
  }

  /**
   * Checks that a JDK proxy of {@code interfaces} can apply every Baton annotation of the bean's
   * class: it implements their methods (and {@code Object}'s) only, and ignores one that none of
   * them declares.
   *
   * @throws IllegalStateException naming the bean and the first such method
   */
  static void checkOnInterfaces(String beanName, Class<?> beanClass, Class<?>[] interfaces) {
    forEachFound(beanClass, (found, type) -> {
      Method method = found.method();
      if (Stream.concat(Stream.of(Object.class), Arrays.stream(interfaces)).noneMatch(
          declaring -> ClassUtils.hasMethod(declaring, method.getName(),
              method.getParameterTypes()))) {
        throw new IllegalStateException(found.describe() + " in bean '" + beanName
            + "' would be ignored: the bean is a JDK proxy (spring.aop.proxy-target-class=false)"
            + ", which has only its interfaces' methods, and none of its interfaces declares it;"
            + " declare it in one, or let the proxy be a subclass");
      }
    });
  }

  private static void checkInterceptable(Found<?> found, String beanName, Class<?> beanClass) {
    int modifiers = found.method().getModifiers();
    String problem = Modifier.isStatic(modifiers) ? "it is static"
        : !Modifier.isPublic(modifiers) ? "it is not public"
        : Modifier.isFinal(modifiers) ? "it is final"
        : Modifier.isFinal(beanClass.getModifiers()) ? "its class is final"
        : null;
    if (problem != null) {
      throw new IllegalStateException(found.describe() + " in bean '" + beanName
          + "' would be ignored: the proxy cannot intercept the method because " + problem
          + "; make it a public, non-final instance method of a non-final class (in Kotlin:"
          + " declare them open, or apply the kotlin-spring compiler plugin)");
    }
  }

  private Guard bindGuarded(Found<Guarded> found) {
    Guarded guarded = found.annotation();
    String name = requireName(found, guarded.value(), properties.locks().keySet(), "locks");
    Duration timeout = timeout(found, guarded.timeout(), properties.lockTimeout(name));
    if (guarded.key().isEmpty()) {
      if (properties.keyOrder(name) != BatonProperties.KeyOrder.NONE) {
        throw new IllegalStateException(found.describe() + ": attribute key: not given, but"
            + " baton.locks." + name + ".key-order declares '" + name + "' a per-key family,"
            + " which has no lock of its own; give a key, or drop the key-order");
      }
      return new Guard(name, registry.lock(name), null, timeout, found.takenBy());
    }
    if (!StringUtils.hasText(guarded.key())) {
      throw new IllegalStateException(found.describe() + ": attribute key: '" + guarded.key()
          + "' is blank; leave it out for one lock of the name, or give an expression such as"
          + " #sku");
    }
    KeyExpression key;
    try {
      key = new KeyExpression(parser.parseExpression(guarded.key()), found.describe(),
          beanFactory);
    } catch (ParseException e) {
      throw new IllegalStateException(found.describe() + ": attribute key: '" + guarded.key()
          + "' is not a valid SpEL expression: " + e.getMessage(), e);
    }
    key.check(found.method());
    return new Guard(name, null, key, timeout, found.takenBy());
  }

  private Limit bindLimited(Found<Limited> found) {
    Limited limited = found.annotation();
    String name = requireName(found, limited.value(), properties.semaphores().keySet(),
        "semaphores");
    BatonProperties.Semaphore spec = properties.semaphores().get(name);
    Integer declared = spec == null ? null : spec.permits();
    int permits = limited.permits();
    if (permits > 0 && declared != null && declared != permits) {
      throw new IllegalStateException(found.describe() + ": attribute permits: " + permits
          + " conflicts with baton.semaphores." + name + ".permits=" + declared
          + "; remove one of them");
    }
    if (permits <= 0) {
      if (declared == null) {
        throw new IllegalStateException(found.describe() + ": attribute permits: not given and"
            + " baton.semaphores." + name + ".permits is not set; set one of them");
      }
      permits = declared;
    }
    Duration timeout = timeout(found, limited.timeout(), properties.semaphoreTimeout(name));
    try {
      return new Limit(registry.semaphore(name, permits), timeout, found.takenBy());
    } catch (IllegalStateException e) {
      throw new IllegalStateException(found.describe() + ": attribute permits: " + e.getMessage()
          + " (another @Limited or the configuration gave it); use one number per name", e);
    }
  }

  private Awaited bindAwaits(Found<AwaitsEvent> found) {
    AwaitsEvent awaits = found.annotation();
    String name = requireName(found, awaits.value(), properties.events().keySet(), "events");
    return new Awaited(registry.event(name),
        timeout(found, awaits.timeout(), properties.eventTimeout(name)));
  }

  private AsyncEvent bindSetsEvent(Found<SetsEvent> found) {
    String name = requireName(found, found.annotation().value(), properties.events().keySet(),
        "events");
    return registry.event(name);
  }

  private String requireName(Found<?> found, String value, Set<String> declared,
      String kind) {
    String name = resolve(found, "value", value);
    if (!StringUtils.hasText(name)) {
      throw new IllegalStateException(found.describe() + ": attribute value: '" + name
          + "' is blank; give the name of a primitive");
    }
    if (!name.equals(name.strip())) {
      throw new IllegalStateException(found.describe() + ": attribute value: '" + name
          + "' has leading or trailing whitespace, so it would name another primitive than '"
          + name.strip() + "'; remove it");
    }
    if (properties.strict() && !declared.contains(name)) {
      throw new IllegalStateException(found.describe() + ": attribute value: '" + name
          + "' is not declared under baton." + kind + " and baton.strict=true"
          + declaredElsewhere(name, kind) + "; declare it or fix the name");
    }
    return name;
  }

  /** Where else than under {@code baton.KIND} the name is declared, if anywhere. */
  private String declaredElsewhere(String name, String kind) {
    Map<String, Set<String>> kinds = Map.of("locks", properties.locks().keySet(),
        "semaphores", properties.semaphores().keySet(), "events", properties.events().keySet(),
        "queues", properties.queues().keySet(), "barriers", properties.barriers().keySet());
    return kinds.entrySet().stream()
        .filter(other -> !other.getKey().equals(kind) && other.getValue().contains(name))
        .map(other -> "; it is declared under baton." + other.getKey())
        .sorted().findFirst().orElse("");
  }

  /**
   * {@code value} with its property placeholders ({@code ${app.lock}}) resolved.
   *
   * @throws IllegalStateException naming the attribute, if a placeholder does not resolve
   */
  private String resolve(Found<?> found, String attribute, String value) {
    try {
      return environment.resolveRequiredPlaceholders(value);
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException(found.describe() + ": attribute " + attribute + ": '"
          + value + "' could not be resolved: " + e.getMessage(), e);
    }
  }

  private Duration timeout(Found<?> found, String given, Duration configured) {
    if (given.isEmpty()) {
      return configured;
    }
    String value = resolve(found, "timeout", given);
    if (value.isEmpty()) {
      return configured; // ${app.wait:}, a placeholder whose default is empty
    }
    if (!value.isBlank() && !value.equals(value.strip())) {
      throw new IllegalStateException(found.describe() + ": attribute timeout: '" + value
          + "' has leading or trailing whitespace, which Spring Boot refuses in a duration"
          + " property too; write '" + value.strip() + "'");
    }
    Duration timeout;
    try {
      timeout = DurationStyle.detectAndParse(value);
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException(found.describe() + ": attribute timeout: '" + value
          + "' is not a duration; write it like 500ms, 5s or PT1M", e);
    }
    if (timeout.isNegative()) {
      throw new IllegalStateException(BatonProperties.negativeTimeout(
          found.describe() + ": attribute timeout", "'" + value + "'"));
    }
    return timeout;
  }
}
