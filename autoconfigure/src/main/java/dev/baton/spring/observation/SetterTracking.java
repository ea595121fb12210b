package dev.baton.spring.observation;

/**
 * An event of a registry whose setters can be known to the stall view: every event a registry
 * hands out implements this beside {@link dev.baton.AsyncEvent}.
 */
public interface SetterTracking {

  /** The event's setters and watched waits; null when the stall view is off. */
  EventSetters setters();
}
