package dev.baton.spring.local;

import dev.baton.AsyncBarrier;
import dev.baton.spring.observation.WaitListeners;
import dev.baton.spring.observation.WaitSite;
import java.util.concurrent.CompletableFuture;

/** A registry's barrier: {@code barrier} with its waits reported. */
final class ObservedBarrier implements AsyncBarrier {

  private final AsyncBarrier barrier;
  private final WaitSite site;
  private final WaitListeners listeners;

  ObservedBarrier(AsyncBarrier barrier, WaitSite site, WaitListeners listeners) {
    this.barrier = barrier;
    this.site = site;
    this.listeners = listeners;
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
  public String toString() {
    return barrier.toString();
  }
}
