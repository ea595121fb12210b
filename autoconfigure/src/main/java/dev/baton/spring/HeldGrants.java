package dev.baton.spring;

import dev.baton.Permit;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The grants of one lock or semaphore of the registry: each wait is reported to the listeners.
 * When holds are tracked, or listeners want to know how long they lasted, each permit handed out
 * is wrapped: a tracked hold is in {@link #holders} from grant to release, and at release its
 * duration is reported. Otherwise permits are handed out as the primitive made them, at no cost.
 */
final class HeldGrants {

  private final WaitSite site;
  private final WaitListeners listeners;
  private final Holders holders = new Holders();
  private final boolean trackHolders;
  private final boolean wrap;

  HeldGrants(WaitSite site, WaitListeners listeners, boolean trackHolders) {
    this.site = site;
    this.listeners = listeners;
    this.trackHolders = trackHolders;
    this.wrap = trackHolders || !listeners.isEmpty();
  }

  Holders holders() {
    return holders;
  }

  /** Reports the wait {@code acquire} and tracks the hold it grants. */
  CompletableFuture<Permit> hold(CompletableFuture<Permit> acquire, String takenBy) {
    listeners.observe(site, acquire);
    if (!wrap) {
      return acquire;
    }
    if (acquire.isDone() && !acquire.isCompletedExceptionally()) {
      // Granted at once, the common case: no relay, and no lambda to capture takenBy.
      return CompletableFuture.completedFuture(new HeldPermit(acquire.join(), takenBy));
    }
    return RelayedGrant.relay(acquire, permit -> new HeldPermit(permit, takenBy), () -> { });
  }

  /** Tracks the hold of a permit taken without waiting. */
  Optional<Permit> hold(Optional<Permit> taken) {
    return wrap ? taken.map(permit -> new HeldPermit(permit, null)) : taken;
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
    return permit instanceof HeldPermit held && held.owner() == this ? held.takenBy() : null;
  }

  /** A permit handed out, and its hold: ends the hold on the first release. */
  private final class HeldPermit extends Hold implements Permit {
    private static final VarHandle ENDED;

    static {
      try {
        ENDED = MethodHandles.lookup().findVarHandle(HeldPermit.class, "ended", boolean.class);
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }

    private final Permit inner;
    /** Set once, by the first release or hand-over. */
    private volatile boolean ended;

    HeldPermit(Permit inner, String takenBy) {
      super(takenBy);
      this.inner = inner;
      if (trackHolders) {
        holders.add(this);
      }
    }

    HeldGrants owner() {
      return HeldGrants.this;
    }

    /** Ends the hold; false if it had ended already. */
    boolean end() {
      if (!ENDED.compareAndSet(this, false, true)) {
        return false;
      }
      if (trackHolders) {
        holders.remove(this);
      }
      if (!listeners.isEmpty()) {
        listeners.released(site, System.nanoTime() - sinceNanos());
      }
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
