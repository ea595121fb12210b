package dev.baton.spring.local;

import dev.baton.AsyncBarrier;
import dev.baton.AsyncCondition;
import dev.baton.AsyncEvent;
import dev.baton.AsyncLock;
import dev.baton.AsyncQueue;
import dev.baton.AsyncSemaphore;
import dev.baton.spring.BatonProperties;
import dev.baton.spring.PrimitiveSource;
import dev.baton.spring.QueueDeclaration;
import dev.baton.spring.observation.SharedLevels;
import dev.baton.spring.observation.SharedQueueLevels;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.function.ToDoubleFunction;

/**
 * The {@link PrimitiveSource} of {@code baton.backend=local}: Baton's core primitives, in this
 * JVM. Every call makes a new primitive, so the registry's one instance per name is the primitive;
 * a per-key lock made again after its key was idle starts its tokens afresh, so the registry fences
 * idle keys itself. Queues hold the items themselves, of any type; a priority queue without a
 * score orders them by their natural order.
 */
public final class LocalPrimitives implements PrimitiveSource {

  @Override
  public BatonProperties.Backend backend() {
    return BatonProperties.Backend.LOCAL;
  }

  @Override
  public AsyncLock lock(String name) {
    return AsyncLock.create();
  }

  @Override
  public AsyncLock lock(String name, Object key) {
    return AsyncLock.create();
  }

  @Override
  public boolean fencesIdleKeys() {
    return false;
  }

  @Override
  public AsyncSemaphore semaphore(String name, int permits) {
    return AsyncSemaphore.create(permits);
  }

  @Override
  public AsyncEvent event(String name) {
    return AsyncEvent.create();
  }

  @Override
  public AsyncCondition condition(String name) {
    return AsyncCondition.create();
  }

  @Override
  public AsyncBarrier barrier(String name, int parties) {
    return AsyncBarrier.create(parties);
  }

  @Override
  public <T> AsyncQueue<T> queue(QueueDeclaration<T> declaration) {
    int capacity = declaration.capacity();
    return switch (declaration.order()) {
      case FIFO -> capacity == Integer.MAX_VALUE ? AsyncQueue.unbounded()
          : AsyncQueue.bounded(capacity);
      case LIFO -> AsyncQueue.lifo(capacity);
      case PRIORITY -> AsyncQueue.priority(capacity, priorityOrder(declaration.score()));
    };
  }

  /** Lowest score first; without a score, the items' natural order. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private static <T> Comparator<T> priorityOrder(ToDoubleFunction<? super T> score) {
    return score == null ? (Comparator) Comparator.naturalOrder()
        : Comparator.comparingDouble(score::applyAsDouble);
  }

  @Override
  public Optional<SharedLevels.Levels> levels(Object primitive) {
    return Optional.empty();
  }

  @Override
  public Optional<SharedQueueLevels.QueueLevels> queueLevels(AsyncQueue<?> queue) {
    return Optional.empty();
  }

  @Override
  public Map<String, Object> status() {
    return Map.of();
  }
}
