package dev.baton.spring.local;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Set;
import java.util.function.ToDoubleFunction;

/**
 * The score of a priority queue's items from {@code baton.queues.NAME.score-property}: the value of
 * a public numeric accessor of the item type, a record component {@code priority()} or a getter
 * {@code getPriority()}. Found when the queue is made, so a wrong name fails start-up; an item
 * whose property is {@code null} fails its put.
 */
final class ScoreProperty {

  private static final Set<Class<?>> PRIMITIVE_NUMBERS = Set.of(int.class, long.class,
      double.class, float.class, short.class, byte.class);

  private ScoreProperty() {}

  /**
   * The score function reading {@code property} of {@code itemType}'s items.
   *
   * @throws IllegalStateException naming the queue, type and property, if there is no item type
   *     or no public numeric accessor of that name
   */
  static <T> ToDoubleFunction<T> of(String queue, Class<T> itemType, String property) {
    String key = "baton.queues." + queue + ".score-property";
    if (itemType == null) {
      throw new IllegalStateException(key + " needs baton.queues." + queue + ".item-type, the"
          + " class whose property '" + property + "' it reads");
    }
    String getter = "get" + Character.toUpperCase(property.charAt(0)) + property.substring(1);
    Method accessor = find(itemType, property);
    accessor = accessor != null ? accessor : find(itemType, getter);
    if (accessor == null) {
      throw new IllegalStateException(key + "=" + property + " names no public numeric accessor"
          + " of " + itemType.getName() + ": looked for " + property + "() and " + getter
          + "() returning a number");
    }
    MethodHandle handle = handle(accessor).asType(MethodType.methodType(Object.class,
        Object.class));
    return item -> score(queue, property, invoke(handle, item));
  }

  private static Method find(Class<?> type, String name) {
    try {
      Method method = type.getMethod(name);
      boolean numeric = PRIMITIVE_NUMBERS.contains(method.getReturnType())
          || Number.class.isAssignableFrom(method.getReturnType());
      return numeric && !Modifier.isStatic(method.getModifiers()) ? method : null;
    } catch (NoSuchMethodException e) {
      return null;
    }
  }

  private static MethodHandle handle(Method accessor) {
    try {
      accessor.setAccessible(true);
      return MethodHandles.lookup().unreflect(accessor);
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw new IllegalStateException("cannot read " + accessor + " for a queue's score", e);
    }
  }

  private static Object invoke(MethodHandle handle, Object item) {
    try {
      return handle.invoke(item);
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable e) {
      throw new IllegalStateException(e);
    }
  }

  private static double score(String queue, String property, Object value) {
    if (value == null) {
      throw new IllegalArgumentException("priority queue '" + queue + "': the item's " + property
          + " is null, and a score must be a number");
    }
    return ((Number) value).doubleValue();
  }
}
