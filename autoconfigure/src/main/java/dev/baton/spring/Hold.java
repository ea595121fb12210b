package dev.baton.spring;

import java.time.Duration;

/**
 * One live hold of a lock or semaphore permit of the registry: since when, and which method took
 * it when an annotation did. Holds are distinct by identity. Only the registry creates them.
 */
public class Hold {

  private final long sinceNanos;
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
