package dev.baton.spring.observation;

import dev.baton.Permit;
import java.time.Duration;
import java.util.function.BiFunction;

/**
 * One hold of a lock or semaphore permit of a registry, from grant to release: since when, which
 * method took it when an annotation did, and for which {@link Call} when the stall view is on.
 * Holds are distinct by identity. Only {@link ObservedGrants} creates them (and
 * {@link EventSetters}, whose promises to set an event are read as its holds); a primitive's live
 * ones are its {@link LiveHolds}.
 */
public abstract class Hold extends Slotted {

  /** {@code Type.method} of the annotated method that took it, or null. */
  private final String takenBy;

  Hold(String takenBy) {
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

  /**
   * The call that requested it, or null when unknown (or the stall view is off). Kept by the
   * holds that know one, so that a hold without a call is no bigger than before calls existed.
   */
  public Call call() {
    return null;
  }

  /**
   * Whether it still lasts: false from the moment its release begins, before the stall view
   * hears of the release.
   */
  public abstract boolean lasts();

  /**
   * Ends this hold if its permit holds nothing any more though nobody released it: a shared
   * backend lost the permit's lease. True if it ended so, now or by another look (a scan, the
   * leak watch) before, so that two looks at once never report such a hold.
   */
  public boolean endIfLost() {
    return false;
  }

  /** Where it was granted: the primitive's kind and name (a per-key lock's family). */
  public abstract WaitSite site();

  /** The live holds that list it while it lasts: its primitive's, or its event's promises. */
  public abstract LiveHolds listedIn();

  /**
   * The key, for a hold of a key of a per-key family that declares an ascending key order (and
   * the stall view on); else null. Compared, never shown.
   */
  public Object orderedKey() {
    return null;
  }

  /**
   * Hands this hold and the permit its taker was given to {@code watch}, once, if the taker was
   * given one that nothing else of the view reaches (see {@link WaitWatch#held}): from then on the
   * hold keeps what {@code watch} returns instead of that permit, so that only the taker keeps it
   * reachable. Until then the hold keeps it, so a permit dropped before it is watched is found
   * all the same. Does nothing for a hold whose taker cannot drop it (an annotation's), for one
   * already watched, or while the grant is still being handed out.
   */
  public void watchTaker(BiFunction<Hold, Permit, Object> watch) {
  }

  /**
   * The hold of {@code permit}, a permit a registry's lock or semaphore handed out while it tracks
   * holds ({@link HoldTrackingRequest}); null for any other permit.
   */
  public static Hold of(Permit permit) {
    return permit instanceof Hold hold ? hold
        : permit instanceof HandedPermit handed ? handed.hold() : null;
  }

  /** {@link System#nanoTime()} at the grant: for comparing many holds against one reading. */
  public long sinceNanos() {
    return sinceNanos;
  }
}
