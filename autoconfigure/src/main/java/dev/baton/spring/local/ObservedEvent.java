package dev.baton.spring.local;

import dev.baton.AsyncEvent;
import dev.baton.spring.observation.RelayedGrant;
import dev.baton.spring.observation.WaitListeners;
import dev.baton.spring.observation.WaitSite;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * A registry's event: {@code event} with its waits reported and its timeouts naming it. Only a
 * timed wait still pending is relayed; the others are the event's own futures.
 */
final class ObservedEvent implements AsyncEvent {

  private final AsyncEvent event;
  private final WaitSite site;
  private final WaitListeners listeners;

  ObservedEvent(AsyncEvent event, WaitSite site, WaitListeners listeners) {
    this.event = event;
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
  public String toString() {
    return event.toString();
  }
}
