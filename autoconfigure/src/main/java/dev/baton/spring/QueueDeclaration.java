package dev.baton.spring;

import dev.baton.spring.BatonProperties.QueueOrder;
import java.util.Objects;
import java.util.function.ToDoubleFunction;

/**
 * What a registry asks a {@link PrimitiveSource} for when it makes a queue: everything
 * {@code baton.queues.NAME.*} and the caller said of it.
 *
 * @param name the queue's name
 * @param order the order in which items leave it
 * @param capacity the most items it holds; {@link Integer#MAX_VALUE} for no limit
 * @param itemType the class of its items; {@code null} when neither configuration nor the caller
 *     named one
 * @param score for a priority queue, the score of an item, lowest first; {@code null} for the
 *     items' natural order, and for other orders
 * @param maxItemBytes the largest encoded item a backend that encodes items accepts
 * @param <T> the type of items
 */
public record QueueDeclaration<T>(String name, QueueOrder order, int capacity, Class<T> itemType,
    ToDoubleFunction<? super T> score, int maxItemBytes) {

  public QueueDeclaration {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(order, "order");
  }
}
