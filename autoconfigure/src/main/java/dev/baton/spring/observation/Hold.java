package dev.baton.spring.observation;

import java.time.Duration;

/**
 * One hold of a lock or semaphore permit of a registry, from grant to release: since when, and
 * which method took it when an annotation did. Holds are distinct by identity. Only
 * {@link ObservedGrants} creates them; a primitive's live ones are its {@link LiveHolds}.
 */
public class Hold {

  /** {@link System#nanoTime()} at the grant. */
  private final long sinceNanos;
  /** {@code Type.method} of the annotated method that took it, or null. */
  private final String takenBy;

  Hold(String takenBy) {
    this.sinceNanos = System.nanoTime();
    this.takenBy = takenBy;
  }

  /** How long this hold has lasted so far. */
  public Duration heldFor() {
    return Duration.ofNanos(System.nanoTime() - sinceNanos);
  }

  /** The method that took it, as {@code Type.method}, or null when not taken by an annotation. */
  public String takenBy() {
    return takenBy;
  }

  long sinceNanos() {
    return sinceNanos;
  }
}
