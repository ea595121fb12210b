package dev.baton.spring.local;

import dev.baton.AsyncBarrier;
import dev.baton.spring.PrimitiveSource;
import dev.baton.spring.observation.CurrentCall;
import dev.baton.spring.observation.RelayedGrant;
import dev.baton.spring.observation.SharedLevels;
import dev.baton.spring.observation.WaitListeners;
import dev.baton.spring.observation.WaitSite;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A registry's barrier: {@code barrier}, made by {@code source}, with its waits reported and its
 * levels read from the source's snapshot when it keeps one. A wait still pending is relayed when
 * it is reported to listeners: an outside completion of its future then withdraws it, which the
 * listeners hear as a cancel ({@link RelayedGrant}), never as a trip or a broken barrier. When
 * the stall view follows calls, a wait still pending settles with the call that waited (or none)
 * current again, wherever it ends ({@link RelayedGrant#relayAs}).
 */
final class ObservedBarrier implements AsyncBarrier, SharedLevels {

  private final AsyncBarrier barrier;
  private final WaitSite site;
  private final WaitListeners listeners;
  /** The source that made {@code barrier}, which reads its shared levels. */
  private final PrimitiveSource source;
  /** Whether the stall view is on, and waits settle as the call that made them. */
  private final boolean followsCalls;

  ObservedBarrier(AsyncBarrier barrier, WaitSite site, WaitListeners listeners,
      PrimitiveSource source, boolean followsCalls) {
    this.barrier = barrier;
    this.site = site;
    this.listeners = listeners;
    this.source = source;
    this.followsCalls = followsCalls;
  }

  @Override
  public CompletableFuture<Integer> await() {
    CompletableFuture<Integer> wait = listeners.observe(site, barrier.await());
    return followsCalls ? RelayedGrant.relayAs(CurrentCall.get(), site, wait)
        : listeners.isEmpty() ? wait : RelayedGrant.relay(site, wait);
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
