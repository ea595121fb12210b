package dev.baton.spring;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.math.BigInteger;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.ToDoubleFunction;

/**
 * The score a priority queue orders its items by, lowest first: the value of
 * {@code baton.queues.NAME.score-property}, or, where a backend needs a score and the items are
 * numbers (Redis cannot run {@code compareTo}), the item's own value.
 *
 * <p>A score is a {@code double}, which holds every integer within ±2<sup>53</sup> exactly and
 * not every one beyond: there, neighbours such as 2<sup>53</sup> and 2<sup>53</sup> + 1 share one
 * score and could leave in either order. So an integer score ({@code Long}, {@code AtomicLong},
 * {@code LongAdder}, {@code LongAccumulator}, {@code BigInteger}) beyond ±2<sup>53</sup> fails
 * its put with an {@link IllegalArgumentException} naming the queue, whether or not its own
 * {@code double} happens to be exact, so that a put does not succeed or fail by rounding. Decimal
 * scores ({@code Double}, {@code Float}, {@code BigDecimal}) are taken at their nearest
 * {@code double}. A {@code null} score fails the put the same way.
 */
public final class QueueScore {

  /** 2^53: every integer within plus or minus this is a double of its own. */
  private static final long EXACT_INTEGERS = 1L << 53;

  private static final Set<Class<?>> PRIMITIVE_NUMBERS = Set.of(int.class, long.class,
      double.class, float.class, short.class, byte.class);

  private QueueScore() {}

  /**
   * The score function reading {@code property} of {@code itemType}'s items: a public numeric
   * accessor, a record component {@code priority()} or a getter {@code getPriority()}. Found at
   * once, so a wrong name fails start-up.
   *
   * @throws IllegalStateException naming the queue, type and property, if there is no item type
   *     or no public numeric accessor of that name
   */
  public static <T> ToDoubleFunction<T> property(String queue, Class<T> itemType,
      String property) {
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
    String what = "the item's " + property;
    return item -> scoreOf(queue, what, (Number) invoke(handle, item));
  }

  /** The score function of a queue whose items are numbers: each item's own value. */
  public static <T> ToDoubleFunction<T> itemValue(String queue) {
    return item -> scoreOf(queue, "the item", (Number) item);
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

  private static double scoreOf(String queue, String what, Number value) {
    if (value == null) {
      throw new IllegalArgumentException("priority queue '" + queue + "': " + what
          + " is null, and a score must be a number");
    }
    if (!withinExactIntegers(value)) {
      throw new IllegalArgumentException("priority queue '" + queue + "': " + what + " is "
          + value + ", beyond ±2^53, where a double score cannot tell neighbouring integers"
          + " apart; integer scores must lie within ±2^53");
    }
    return value.doubleValue();
  }

  /** Whether {@code value} is no integer wider than an int, or one within ±2^53. */
  private static boolean withinExactIntegers(Number value) {
    if (value instanceof BigInteger integer) {
      return integer.abs().compareTo(BigInteger.valueOf(EXACT_INTEGERS)) <= 0;
    }
    if (value instanceof Long || value instanceof AtomicLong || value instanceof LongAdder
        || value instanceof LongAccumulator) {
      long integer = value.longValue();
      return integer >= -EXACT_INTEGERS && integer <= EXACT_INTEGERS;
    }
    return true;
  }
}
