package dev.baton.spring.local;

import dev.baton.AsyncEvent;
import dev.baton.AsyncLock;
import dev.baton.AsyncSemaphore;
import dev.baton.spring.BatonProperties;
import dev.baton.spring.PrimitiveSource;
import dev.baton.spring.observation.SharedLevels;
import java.util.Map;
import java.util.Optional;

/**
 * The {@link PrimitiveSource} of {@code baton.backend=local}: Baton's core primitives, in this
 * JVM. Every call makes a new primitive, so the registry's one instance per name is the primitive;
 * a per-key lock made again after its key was idle starts its tokens afresh, so the registry fences
 * idle keys itself.
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
  public AsyncLock lock(String name, String key) {
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
  public Optional<SharedLevels.Levels> levels(Object primitive) {
    return Optional.empty();
  }

  @Override
  public Map<String, Object> status() {
    return Map.of();
  }
}
