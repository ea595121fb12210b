package dev.baton.spring.observation;

import dev.baton.Permit;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * The grants of one lock or semaphore of a registry, observed: each wait is reported to the
 * listeners, and a wait that times out fails with an {@link dev.baton.AcquireTimeoutException}
 * naming the site. When holds are tracked, or listeners want to know how long they lasted, each
 * permit handed out is wrapped: a tracked hold is in {@link #holds()} from grant to release, and
 * at release its duration is reported. Otherwise permits are handed out as the primitive made
 * them. A backend passes every acquire of one primitive through one instance.
 *
 * <p>With the stall view's {@link WaitWatch}, every hold is tracked and told to it with the
 * {@link Call} that asked, a request is first shown to it ({@link #checkRequest()}), and a wait
 * left pending is watched until it settles ({@link WatchedWait}). Without one, nothing of that
 * runs and a hold carries no call.
 */
public final class ObservedGrants {

  private final WaitSite site;
  private final WaitListeners listeners;
  /** The live holds; stays empty unless {@code trackHolds}. */
  private final LiveHolds holds = new LiveHolds();
  private final boolean trackHolds;
  /** Whether permits are wrapped: when holds are tracked or someone listens for releases. */
  private final boolean wrap;
  /** The stall view's watch over pending waits, or null when it is off. */
  private final WaitWatch watch;
  /** For a key of a family declaring an ascending key order, the key; else null. */
  private final Object orderedKey;

  /**
   * @param site where the primitive's waits are reported
   * @param trackHolds whether to keep the live holds (see {@link HoldTracking#holds()})
   */
  public ObservedGrants(WaitSite site, WaitListeners listeners, boolean trackHolds) {
    this(site, listeners, trackHolds, null);
  }

  /**
   * @param site where the primitive's waits are reported
   * @param trackHolds whether to keep the live holds (see {@link HoldTracking#holds()})
   * @param watch told about every wait left pending, which then records its {@link Call}, as
   *     holds do; null for none. Holds are tracked when there is one.
   */
  public ObservedGrants(WaitSite site, WaitListeners listeners, boolean trackHolds,
      WaitWatch watch) {
    this(site, listeners, trackHolds, watch, null);
  }

  /**
   * The grants of one key's lock of a per-key family that declares an ascending key order.
   *
   * @param orderedKey the key, {@code Comparable}, which the stall view compares with the keys of
   *     the family a call already holds; never shown
   */
  public ObservedGrants(WaitSite site, WaitListeners listeners, boolean trackHolds,
      WaitWatch watch, Object orderedKey) {
    this.orderedKey = orderedKey;
    this.site = site;
    this.listeners = listeners;
    this.trackHolds = trackHolds || watch != null;
    this.wrap = this.trackHolds || !listeners.isEmpty();
    this.watch = watch;
  }

  /** The live holds of the primitive; always empty when holds are not tracked. */
  public LiveHolds holds() {
    return holds;
  }

  /**
   * What the stall view says of the current call asking for this primitive now, before it is
   * acquired: null to go ahead (always, when the view is off or the call is unknown), or the
   * failure to refuse the request with.
   */
  public RuntimeException checkRequest() {
    if (watch == null) {
      return null;
    }
    Call call = CurrentCall.get();
    return call == null ? null : watch.requesting(call, site, holds, orderedKey);
  }

  /**
   * Reports the wait {@code acquire}, which has no timeout, and wraps the permit it grants (see
   * the class comment).
   */
  public CompletableFuture<Permit> observe(CompletableFuture<Permit> acquire, String takenBy) {
    return observe(acquire, takenBy, false);
  }

  /**
   * Reports the wait {@code acquire} and wraps the permit it grants (see the class comment).
   *
   * @param timed whether {@code acquire} ends by itself after a timeout
   */
  public CompletableFuture<Permit> observe(CompletableFuture<Permit> acquire, String takenBy,
      boolean timed) {
    listeners.observe(site, acquire);
    if (!wrap) {
      return RelayedGrant.relay(site, acquire);
    }
    Call call = watch == null ? null : CurrentCall.get();
    if (acquire.isDone() && !acquire.isCompletedExceptionally()) {
      // Granted at once, the common case: no relay, and no lambda to capture takenBy.
      return CompletableFuture.completedFuture(hold(acquire.join(), takenBy, call));
    }
    if (watch == null) {
      return RelayedGrant.relay(site, acquire, permit -> hold(permit, takenBy, null),
          () -> { });
    }
    return WatchedWait.relay(watch, site, holds, call, timed, acquire,
        permit -> hold(permit, takenBy, call));
  }

  /** Wraps a permit taken without waiting, which is not reported as a wait. */
  public Optional<Permit> observe(Optional<Permit> taken) {
    if (!wrap) {
      return taken;
    }
    Call call = watch == null ? null : CurrentCall.get();
    return taken.map(permit -> hold(permit, null, call));
  }

  /**
   * Reports a condition's wait {@code await}, which is given the primitive's own permit inside
   * {@code held} and may release it and re-acquire. If the wait released it, the hold of
   * {@code held} ends there and the permit re-acquired is held by the same taker; if it kept it
   * (an {@code awaitUntil} whose predicate already held), the future completes with
   * {@code held} itself, still live.
   *
   * @throws IllegalArgumentException from {@code await}, when {@code held} is not a live permit
   *     of the condition's lock; the hold of {@code held} is then untouched
   */
  public CompletableFuture<Permit> reacquire(Permit held,
      Function<Permit, CompletableFuture<Permit>> await) {
    if (!(held instanceof HeldPermit hold && hold.owner() == this)) {
      return observe(await.apply(held), null);
    }
    CompletableFuture<Permit> waiting = await.apply(hold.inner);
    listeners.observe(site, waiting);
    if (!hold.inner.isReleased()) {
      // Kept: a wait that keeps the lock completes with the very permit it was given; withdrawn
      // before that, the condition passes the lock on, which ends the hold.
      return RelayedGrant.relay(site, waiting, kept -> held, hold::end);
    }
    hold.end();
    return RelayedGrant.relay(site, waiting,
        permit -> hold(permit, hold.takenBy(), hold.call()), () -> { });
  }

  /**
   * {@code permit}, handed out as a hold: kept among the live holds if they are tracked, and
   * told to the stall view with its call if it watches.
   */
  private HeldPermit hold(Permit permit, String takenBy, Call call) {
    HeldPermit held = call == null ? new HeldPermit(permit, takenBy)
        : new CalledPermit(permit, takenBy, call);
    if (trackHolds) {
      holds.add(held);
    }
    if (watch != null) {
      watch.held(held, site, orderedKey);
    }
    return held;
  }

  /** A permit handed out, and its hold: ends the hold on the first release. */
  private class HeldPermit extends Hold implements Permit {
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
    }

    ObservedGrants owner() {
      return ObservedGrants.this;
    }

    /** Ends the hold; false if it had ended already. */
    boolean end() {
      if (!ENDED.compareAndSet(this, false, true)) {
        return false;
      }
      if (trackHolds) {
        holds.remove(this);
      }
      if (watch != null) {
        watch.released(this, site);
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

  /** A held permit whose call is known: only the stall view needs the call. */
  private final class CalledPermit extends HeldPermit {
    private final Call call;

    CalledPermit(Permit inner, String takenBy, Call call) {
      super(inner, takenBy);
      this.call = call;
    }

    @Override
    public Call call() {
      return call;
    }
  }
}
