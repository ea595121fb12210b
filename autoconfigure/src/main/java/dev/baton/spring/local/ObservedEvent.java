package dev.baton.spring.local;

import dev.baton.AsyncEvent;
import dev.baton.Withdrawals;
import dev.baton.spring.PrimitiveSource;
import dev.baton.spring.observation.EventSetters;
import dev.baton.spring.observation.RelayedGrant;
import dev.baton.spring.observation.SetterTracking;
import dev.baton.spring.observation.SharedLevels;
import dev.baton.spring.observation.WaitListeners;
import dev.baton.spring.observation.WaitSite;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A registry's event: {@code event}, made by {@code source}, with its waits reported, its timeouts
 * naming it and its levels read from the source's snapshot when it keeps one. A wait still pending
 * is relayed when it is timed or reported to listeners: an outside completion of its future then
 * withdraws it, which the listeners hear as a cancel ({@link RelayedGrant}), and never as a grant
 * or a failure of the event. The others are the event's own futures, unless the stall view
 * watches the event's setters and waits. None is left pending once the application shuts down
 * ({@link Closing}).
 */
final class ObservedEvent implements AsyncEvent, SharedLevels, SetterTracking {

  private final AsyncEvent event;
  /** The source that made {@code event}, which reads its shared levels. */
  private final PrimitiveSource source;
  private final WaitSite site;
  private final WaitListeners listeners;
  /** Its setters and watched waits, for the stall view; null when it is off. */
  private final EventSetters setters;
  /** Fails its pending waits, and refuses new ones, once the application shuts down. */
  private final Closing.Site closing;

  ObservedEvent(AsyncEvent event, PrimitiveSource source, WaitSite site,
      WaitListeners listeners, EventSetters setters, Closing.Site closing) {
    this.event = event;
    this.closing = closing;
    this.source = source;
    this.site = site;
    this.listeners = listeners;
    this.setters = setters;
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
    RuntimeException refused = closing.refusal();
    if (refused != null) {
      return CompletableFuture.failedFuture(refused);
    }
    CompletableFuture<Void> waiting = listeners.observe(site, closing.recheck(event.await()));
    return setters != null ? setters.watch(waiting, false)
        : listeners.isEmpty() ? waiting : RelayedGrant.relay(site, waiting);
  }

  @Override
  public CompletableFuture<Void> await(Duration timeout) {
    RuntimeException refused = closing.refusal();
    if (refused != null) {
      return CompletableFuture.failedFuture(refused);
    }
    CompletableFuture<Void> waiting =
        listeners.observe(site, closing.recheck(event.await(timeout)));
    return setters == null ? RelayedGrant.relay(site, waiting) : setters.watch(waiting, true);
  }

  /** Fails the waits pending now, as the application shuts down ({@link Closing}). */
  void failPending() {
    Withdrawals.failPending(event, closing.withdrawal());
  }

  @Override
  public EventSetters setters() {
    return setters;
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
