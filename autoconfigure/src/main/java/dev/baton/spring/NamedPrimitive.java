package dev.baton.spring;

/**
 * A primitive of a {@link PrimitiveRegistry} with its kind and name, as announced to
 * {@link PrimitiveRegistry#onPrimitive} listeners.
 *
 * @param kind what the primitive is
 * @param name its name in the registry
 * @param primitive the instance: an {@link dev.baton.AsyncLock}, {@link LockFamily},
 *     {@link dev.baton.AsyncSemaphore}, {@link dev.baton.AsyncEvent},
 *     {@link dev.baton.AsyncCondition}, {@link dev.baton.AsyncQueue} or
 *     {@link dev.baton.AsyncBarrier}, according to {@code kind}
 */
public record NamedPrimitive(Kind kind, String name, Object primitive) {

  /** The kinds of primitive a registry holds. */
  public enum Kind {
    LOCK, LOCK_FAMILY, SEMAPHORE, EVENT, CONDITION, QUEUE, BARRIER
  }
}
