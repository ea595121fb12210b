package dev.baton.spring.observation;

import dev.baton.Permit;
import dev.baton.SignalledWait;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiFunction;

/**
 * {@link ObservedGrants} under the stall view's {@link WaitWatch}: every hold is tracked and
 * carries the {@link Call} that asked (a lock's hold is also kept by that call, see
 * {@link Call#locksHeld()}); the watch hears of every request before it is acquired, of every
 * hold from grant to release, and of every wait left pending until it settles, each wait being
 * one {@link WatchedWait}. The call is the one current when the request is made. A condition's
 * wait, once signalled, is a pending wait for the lock too, until it has it back
 * ({@link #reacquiring}).
 *
 * <p>The permit a taker gets is not the hold the view tracks but a {@link HandedPermit} in front
 * of it, so that the view can learn from the collector that it was dropped unreleased, a hold
 * that can never end. The hold keeps its front until the view watches it
 * ({@link Hold#watchTaker}), once the hold has lasted half its {@code held-too-long}, and leaves
 * it to a weak reference from then on; a hold that ends before that, as most do, never costs
 * one. A permit taken by an annotation ({@code takenBy} set) is the hold itself: the
 * annotation's advice keeps it and releases it when the call's result completes, so it never
 * reaches a taker who could drop it.
 */
final class WatchedGrants extends ObservedGrants {

  private final WaitWatch watch;
  /** For a key of a family declaring an ascending key order, the key; else null. */
  private final Object orderedKey;
  /** Whether the primitive is a lock ({@link WaitSite#isLock()}), whose holds their calls keep. */
  private final boolean lock;

  WatchedGrants(WaitSite site, WaitListeners listeners, WaitWatch watch, Object orderedKey) {
    super(site, listeners, true);
    this.watch = watch;
    this.orderedKey = orderedKey;
    this.lock = site.isLock();
  }

  @Override
  public RuntimeException checkRequest() {
    Call call = CurrentCall.get();
    return call == null ? null : watch.requesting(call, site, holds, orderedKey);
  }

  @Override
  public CompletableFuture<Permit> observe(CompletableFuture<Permit> acquire, String takenBy,
      boolean timed) {
    listeners.observe(site, acquire);
    Call call = CurrentCall.get();
    if (acquire.isDone() && !acquire.isCompletedExceptionally()) {
      return CompletableFuture.completedFuture(hold(acquire.join(), takenBy, call));
    }
    return (timed ? new TimedGrantWait(this, call, takenBy) : new GrantWait(call, takenBy))
        .relay(acquire);
  }

  @Override
  public Optional<Permit> observe(Optional<Permit> taken) {
    return taken.isEmpty() ? taken : Optional.of(hold(taken.get(), null, CurrentCall.get()));
  }

  /**
   * Lists the wait, from its signal until it ends, as a pending wait of {@code call} for the
   * condition's lock, which it is then taking back: a wait for a signal is not one (any signal
   * may end it), a wait for the lock is. Only a wait that says when it is signalled
   * ({@link SignalledWait}: the local backend's {@code await}, not {@code awaitUntil}'s rounds)
   * is listed.
   */
  @Override
  void reacquiring(CompletableFuture<Permit> waiting, CompletableFuture<Permit> relayed,
      Call call, boolean timed) {
    if (!(waiting instanceof SignalledWait signalled)) {
      return;
    }
    ReacquireWait wait = new ReacquireWait(call, timed);
    wait.handedOut(relayed);
    relayed.whenComplete((permit, failure) -> {
      wait.end(); // ended before it is listed, it is never listed
      watch.settled(wait);
    });
    signalled.whenSignalled(() -> {
      RuntimeException refused = wait.ended() ? null : watch.pending(wait);
      if (refused != null) {
        wait.fail(refused);
      }
    });
  }

  @Override
  Permit regranted(Permit permit, HeldPermit ended) {
    return hold(permit, ended.takenBy(), ended.call());
  }

  /** {@code permit}, handed out as a hold of {@code call} (null if unknown), told to the watch. */
  private Permit hold(Permit permit, String takenBy, Call call) {
    WatchedPermit held = new WatchedPermit(this, permit, takenBy, call);
    if (lock && call != null) {
      call.holding(held);
    }
    if (takenBy != null) {
      // An annotation's advice holds it until its call's result completes: no taker can drop it.
      watch.held(held);
      return held;
    }
    HandedPermit handed = new HandedPermit(held);
    held.kept = handed;
    watch.held(held);
    return handed;
  }

  /** A hold whose end the watch, and its call if it keeps it, hear of. */
  private static final class WatchedPermit extends HeldPermit {
    private static final VarHandle KEPT;

    static {
      try {
        KEPT = MethodHandles.lookup().findVarHandle(WatchedPermit.class, "kept", Object.class);
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }

    private final Call call;
    /**
     * The front its taker was given ({@link HandedPermit}), from just after the grant until the
     * view watches it; then what watches it; null for an annotation's hold.
     */
    private Object kept;

    WatchedPermit(WatchedGrants grants, Permit inner, String takenBy, Call call) {
      grants.super(inner, takenBy);
      this.call = call;
    }

    @Override
    public Call call() {
      return call;
    }

    @Override
    public Object orderedKey() {
      return grants().orderedKey;
    }

    @Override
    public void watchTaker(BiFunction<Hold, Permit, Object> watch) {
      if (kept instanceof HandedPermit front) {
        // Lost to another look, what this one made is dropped: one watch is enough.
        KEPT.compareAndSet(this, front, watch.apply(this, front));
      }
    }

    @Override
    boolean end() {
      if (!super.end()) {
        return false;
      }
      WatchedGrants grants = grants();
      if (grants.lock && call != null) {
        call.released(this);
      }
      grants.watch.released(this);
      return true;
    }

    private WatchedGrants grants() {
      return (WatchedGrants) owner();
    }
  }

  /** A condition's wait taking the condition's lock back after its signal. */
  private final class ReacquireWait extends PendingWait {
    private final boolean timed;

    ReacquireWait(Call call, boolean timed) {
      super(call);
      this.timed = timed;
    }

    @Override
    public boolean timed() {
      return timed;
    }

    @Override
    public WaitSite site() {
      return site;
    }

    @Override
    public LiveHolds holders() {
      return holds;
    }
  }

  /**
   * A request left pending without a timeout: the stall view's record of it and its relay's
   * callbacks. A wait with a timeout is a {@link TimedGrantWait}, so that a wait keeps no flag
   * for it (40 bytes a wait, where a flag would round it up to 48).
   */
  private class GrantWait extends WatchedWait<Permit, Permit> {
    private final String takenBy;

    GrantWait(Call call, String takenBy) {
      super(call);
      this.takenBy = takenBy;
    }

    @Override
    public boolean timed() {
      return false;
    }

    @Override
    public WaitSite site() {
      return site;
    }

    @Override
    public LiveHolds holders() {
      return holds;
    }

    @Override
    WaitWatch watch() {
      return watch;
    }

    @Override
    Permit handOn(Permit granted) {
      return hold(granted, takenBy, call());
    }
  }

  /**
   * A {@link GrantWait} that ends by itself after a timeout. Static, so that it has no reference
   * of its own to the grants beside the one its superclass keeps.
   */
  private static final class TimedGrantWait extends GrantWait {

    TimedGrantWait(WatchedGrants grants, Call call, String takenBy) {
      grants.super(call, takenBy);
    }

    @Override
    public boolean timed() {
      return true;
    }
  }
}
