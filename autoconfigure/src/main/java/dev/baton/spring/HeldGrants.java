package dev.baton.spring;

import dev.baton.Permit;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The grants of one lock or semaphore of the registry: each wait is reported to the listeners,
 * and each permit handed out is wrapped so that its hold is tracked in {@link #holders} from
 * grant to release, when its duration is reported too.
 */
final class HeldGrants {

  private final WaitSite site;
  private final WaitListeners listeners;
  private final Holders holders = new Holders();

  HeldGrants(WaitSite site, WaitListeners listeners) {
    this.site = site;
    this.listeners = listeners;
  }

  Holders holders() {
    return holders;
  }

  /** Reports the wait {@code acquire} and tracks the hold it grants. */
  CompletableFuture<Permit> hold(CompletableFuture<Permit> acquire, String takenBy) {
    listeners.observe(site, acquire);
    return RelayedGrant.relay(acquire, permit -> new HeldPermit(permit, takenBy), () -> { });
  }

  /** Tracks the hold of a permit taken without waiting. */
  Optional<Permit> hold(Optional<Permit> taken) {
    return taken.map(permit -> new HeldPermit(permit, null));
  }

  /**
   * The primitive's own permit inside {@code permit}, whose hold ends now, for an operation that
   * releases it itself (a condition's await). Returns other permits unchanged.
   */
  Permit handOver(Permit permit) {
    if (permit instanceof HeldPermit held && held.owner() == this && !held.isReleased()) {
      held.end();
      return held.inner;
    }
    return permit;
  }

  /** The description of whoever holds {@code permit}, if it is one of this primitive's. */
  String takenBy(Permit permit) {
    return permit instanceof HeldPermit held && held.owner() == this ? held.hold.takenBy() : null;
  }

  /** A permit handed out: ends its hold on the first release. */
  private final class HeldPermit implements Permit {
    private final Permit inner;
    private final Hold hold;

    HeldPermit(Permit inner, String takenBy) {
      this.inner = inner;
      this.hold = holders.add(takenBy);
    }

    HeldGrants owner() {
      return HeldGrants.this;
    }

    /** Ends the hold; false if it had ended already. */
    boolean end() {
      if (!holders.remove(hold)) {
        return false;
      }
      listeners.released(site, System.nanoTime() - hold.sinceNanos());
      return true;
    }

    @Override
    public void release() {
      if (!end()) {
        throw new IllegalStateException("permit " + inner.token() + " of " + site.primitive()
            + " '" + site.name() + "' was already released: release each permit once, or use"
            + " close() where cleanup may run twice");
      }
      inner.release();
    }

    @Override
    public boolean isReleased() {
      return inner.isReleased();
    }

    @Override
    public long token() {
      return inner.token();
    }

    @Override
    public void close() {
      if (end()) {
        inner.close();
      }
    }

    @Override
    public String toString() {
      return "Permit[" + site.primitive() + " '" + site.name() + "', token=" + inner.token()
          + (isReleased() ? ", released]" : ", held]");
    }
  }
}
