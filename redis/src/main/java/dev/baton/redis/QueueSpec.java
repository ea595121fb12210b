package dev.baton.redis;

import java.util.Objects;
import java.util.function.ToDoubleFunction;

/**
 * The shape of a queue on Redis: its order, its capacity and the largest item it accepts. Every
 * JVM must declare the same order and capacity while the queue exists in Redis; a call that
 * declares others fails with {@link IllegalStateException} saying both.
 *
 * @param order first-in-first-out, last-in-first-out, or by score
 * @param capacity the most items queued, not counting items given back by takes cancelled on
 *     their way ({@link RedisBackend#queue}); {@link Integer#MAX_VALUE} for no limit
 * @param score for a {@link Order#PRIORITY} queue only: an item's score, lowest taken first,
 *     items of equal score in arrival order; must be finite. Redis cannot run a Java
 *     {@code Comparator}, so a priority queue on Redis needs this instead.
 * @param maxItemBytes the largest encoded item (UTF-8 bytes) a put or offer accepts; a larger
 *     one fails with {@link IllegalArgumentException} naming the queue and both sizes
 * @param <T> the type of items
 */
public record QueueSpec<T>(Order order, int capacity, ToDoubleFunction<? super T> score,
    int maxItemBytes) {

  /** The default {@link #maxItemBytes()}: 512 KiB. */
  public static final int DEFAULT_MAX_ITEM_BYTES = 512 * 1024;

  /** The order in which items are taken. */
  public enum Order { FIFO, LIFO, PRIORITY }

  public QueueSpec {
    Objects.requireNonNull(order, "order");
    if (capacity <= 0) {
      throw new IllegalArgumentException("capacity must be positive, was " + capacity);
    }
    if (maxItemBytes <= 0) {
      throw new IllegalArgumentException("maxItemBytes must be positive, was " + maxItemBytes);
    }
    if (order == Order.PRIORITY && score == null) {
      throw new IllegalArgumentException("a priority queue on Redis needs a score function"
          + " (lowest first), since Redis cannot run a Java Comparator: use"
          + " QueueSpec.priority(capacity, item -> score)");
    }
    if (order != Order.PRIORITY && score != null) {
      throw new IllegalArgumentException("only a priority queue takes a score function");
    }
  }

  /** A first-in-first-out queue; {@link Integer#MAX_VALUE} for no limit. */
  public static <T> QueueSpec<T> fifo(int capacity) {
    return new QueueSpec<>(Order.FIFO, capacity, null, DEFAULT_MAX_ITEM_BYTES);
  }

  /** A last-in-first-out queue (a stack); {@link Integer#MAX_VALUE} for no limit. */
  public static <T> QueueSpec<T> lifo(int capacity) {
    return new QueueSpec<>(Order.LIFO, capacity, null, DEFAULT_MAX_ITEM_BYTES);
  }

  /** A queue taken lowest {@code score} first, equal scores in arrival order. */
  public static <T> QueueSpec<T> priority(int capacity, ToDoubleFunction<? super T> score) {
    return new QueueSpec<>(Order.PRIORITY, capacity, score, DEFAULT_MAX_ITEM_BYTES);
  }

  /** This spec with {@code maxItemBytes}. */
  public QueueSpec<T> withMaxItemBytes(int maxItemBytes) {
    return new QueueSpec<>(order, capacity, score, maxItemBytes);
  }

  /** The score an item is stored with: its score for a priority queue, else unused. */
  String scoreOf(T item) {
    if (score == null) {
      return "0";
    }
    double value = score.applyAsDouble(item);
    if (!Double.isFinite(value)) {
      throw new IllegalArgumentException("an item's score must be finite, was " + value);
    }
    return Double.toString(value);
  }
}
