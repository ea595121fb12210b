package dev.baton.spring.local;

import dev.baton.AsyncBarrier;
import dev.baton.spring.PrimitiveSource;
import dev.baton.spring.observation.SharedLevels;
import dev.baton.spring.observation.WaitListeners;
import dev.baton.spring.observation.WaitSite;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A registry's barrier: {@code barrier}, made by {@code source}, with its waits reported and its
 * levels read from the source's snapshot when it keeps one.
 */
final class ObservedBarrier implements AsyncBarrier, SharedLevels {

  private final AsyncBarrier barrier;
  private final WaitSite site;
  private final WaitListeners listeners;
  /** The source that made {@code barrier}, which reads its shared levels. */
  private final PrimitiveSource source;

  ObservedBarrier(AsyncBarrier barrier, WaitSite site, WaitListeners listeners,
      PrimitiveSource source) {
    this.barrier = barrier;
    this.site = site;
    this.listeners = listeners;
    this.source = source;
  }

  @Override
  public CompletableFuture<Integer> await() {
    return listeners.observe(site, barrier.await());
  }

  @Override
  public void reset() {
    barrier.reset();
  }

  @Override
  public void abort() {
    barrier.abort();
  }

  @Override
  public boolean isBroken() {
    return barrier.isBroken();
  }

  @Override
  public int parties() {
    return barrier.parties();
  }

  @Override
  public int waiting() {
    return barrier.waiting();
  }

  @Override
  public Optional<Levels> sharedLevels() {
    return source.levels(barrier);
  }

  @Override
  public String toString() {
    return barrier.toString();
  }
}
