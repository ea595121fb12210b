package dev.baton.spring.local;

import dev.baton.AsyncEvent;
import dev.baton.spring.PrimitiveSource;
import dev.baton.spring.observation.RelayedGrant;
import dev.baton.spring.observation.SharedLevels;
import dev.baton.spring.observation.WaitListeners;
import dev.baton.spring.observation.WaitSite;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A registry's event: {@code event}, made by {@code source}, with its waits reported, its timeouts
 * naming it and its levels read from the source's snapshot when it keeps one. Only a timed wait
 * still pending is relayed; the others are the event's own futures.
 */
final class ObservedEvent implements AsyncEvent, SharedLevels {

  private final AsyncEvent event;
  /** The source that made {@code event}, which reads its shared levels. */
  private final PrimitiveSource source;
  private final WaitSite site;
  private final WaitListeners listeners;

  ObservedEvent(AsyncEvent event, PrimitiveSource source, WaitSite site,
      WaitListeners listeners) {
    this.event = event;
    this.source = source;
    this.site = site;
    this.listeners = listeners;
  }

  @Override
  public void set() {
    event.set();
  }

  @Override
  public void clear() {
    event.clear();
  }

  @Override
  public boolean isSet() {
    return event.isSet();
  }

  @Override
  public CompletableFuture<Void> await() {
    return listeners.observe(site, event.await());
  }

  @Override
  public CompletableFuture<Void> await(Duration timeout) {
    return RelayedGrant.relay(site, listeners.observe(site, event.await(timeout)));
  }

  @Override
  public int waiters() {
    return event.waiters();
  }

  @Override
  public Optional<Levels> sharedLevels() {
    return source.levels(event);
  }

  @Override
  public String toString() {
    return event.toString();
  }
}
