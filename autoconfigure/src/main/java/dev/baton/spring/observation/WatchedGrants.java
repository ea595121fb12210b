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
 * hold from grant to release, and of every wait left pending until it settles; a request's wait
 * and then its hold are one object ({@code WatchedPermit}, a {@link WatchedWait} and a hold). The
 * call is the one current when the request is made. A condition's wait, once signalled, is a
 * pending wait for the lock too, until it has it back ({@link #reacquiring}).
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
    super(site, listeners, true, watch.shared());
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
      return CompletableFuture.completedFuture(
          handOut(new WatchedPermit(this, takenBy, call), acquire.join()));
    }
    return (timed ? new TimedWatchedPermit(this, takenBy, call)
        : new WatchedPermit(this, takenBy, call)).relay(acquire);
  }

  @Override
  public Optional<Permit> observe(Optional<Permit> taken) {
    return taken.isEmpty() ? taken
        : Optional.of(handOut(new WatchedPermit(this, null, CurrentCall.get()), taken.get()));
  }

  /**
   * Lists the wait, from its signal until it ends, as a pending wait of {@code call} for the
   * condition's lock, which it is then taking back: a wait for a signal is not one (any signal
   * may end it), a wait for the lock is. Only a wait that says when it is signalled
   * ({@link SignalledWait}: the local backend's {@code await}, not {@code awaitUntil}'s rounds)
   * is listed. Taking the lock back is a request for it, made holding the locks the call holds
   * now: its order after them is learned first, as for any request ({@link
   * WaitWatch#requesting}); in strict mode an inversion fails the wait at once.
   */
  @Override
  void reacquiring(CompletableFuture<Permit> waiting, CompletableFuture<Permit> relayed,
      Call call, boolean timed) {
    RuntimeException refusedOrder =
        call == null ? null : watch.requesting(call, site, holds, orderedKey);
    if (refusedOrder != null) {
      relayed.completeExceptionally(refusedOrder);
      return;
    }
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

  /**
   * As for any wait under the view, the waiter's call is current while the future settles, on
   * whichever thread lets the lock go, so that its callbacks run as the call that waited.
   */
  @Override
  CompletableFuture<Permit> relayRetake(CompletableFuture<Permit> waiting, HeldPermit ended) {
    return RelayedGrant.relayAs(ended.call(), site, waiting, permit -> regranted(permit, ended));
  }

  @Override
  Permit regranted(Permit permit, HeldPermit ended) {
    return handOut(new WatchedPermit(this, ended.takenBy(), ended.call()), permit);
  }

  /**
   * Begins {@code held}'s hold of {@code permit}, granted now, tells its call if it keeps it and
   * the watch, and returns what its taker is handed: the hold itself for an annotation's, whose
   * advice keeps it until its call's result completes, else a front to it. Called straight from
   * where a grant is handed out, not through another method: one call deeper, the JIT stopped
   * inlining this path for an annotated call (the inlining depth limit) and allocated 40 B more.
   */
  private Permit handOut(WatchedPermit held, Permit permit) {
    held.begin(permit);
    if (lock && held.call != null) {
      held.call.holding(held);
    }
    if (held.takenBy() != null) {
      WatchedPermit.STATE.setRelease(held, WaitState.ENDED);
      watch.held(held);
      return held;
    }
    HandedPermit front = new HandedPermit(held);
    WatchedPermit.STATE.setRelease(held, front);
    watch.held(held);
    return front;
  }

  /**
   * A request under the stall view, from the moment it is made: a pending wait while it waits,
   * if it waits, then the hold of the permit it was granted, until released. One object is both,
   * so that a wait costs no record of its own beside its hold's.
   *
   * <p>Its wait and its hold are listed in lists of different kinds ({@link LiveSlots}): the
   * pending waits, which end it as a wait and drop it later, and the primitive's holds, which
   * list and remove it. It is listed as a wait before its grant can be handed on
   * ({@link WatchedWait#relay}), and as a hold only once it has ended as a wait, at its grant,
   * when it begins anew ({@link #restart}): the waits write its {@code slot} only before that,
   * the holds only after, and from then on only the holds read when it began.
   *
   * <p>One field, {@code state}, carries what each life needs: first the wait's state
   * ({@link WaitState}), then, from the grant on, the front its taker was given
   * ({@link HandedPermit}) until the view watches it, and then what watches it. An annotation's
   * hold, whose taker cannot drop it, and a wait that failed keep {@link WaitState#ENDED} there.
   */
  private static class WatchedPermit extends HeldPermit implements WatchedWait<Permit, Permit> {
    private static final VarHandle STATE;

    static {
      try {
        STATE = MethodHandles.lookup().findVarHandle(WatchedPermit.class, "state", Object.class);
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }

    private final Call call;
    /** {@link CallBits} of the call, in two parts: see there. */
    private final short callLow;
    private final byte callHigh;
    /** See the class comment. */
    private volatile Object state;

    WatchedPermit(WatchedGrants grants, String takenBy, Call call) {
      grants.super(takenBy);
      this.call = call;
      int bits = CallBits.of(call);
      this.callLow = CallBits.low(bits);
      this.callHigh = CallBits.high(bits);
    }

    @Override
    public Call call() {
      return call;
    }

    @Override
    public int callBits() {
      return CallBits.join(callLow, callHigh);
    }

    @Override
    public boolean timed() {
      return false;
    }

    /** The holds it waits for are those it will be listed among. */
    @Override
    public LiveHolds holders() {
      return listedIn();
    }

    @Override
    public Object orderedKey() {
      return grants().orderedKey;
    }

    @Override
    public WaitWatch watch() {
      return grants().watch;
    }

    @Override
    public Permit handOn(Permit granted) {
      restart();
      return grants().handOut(this, granted);
    }

    @Override
    public void handedOut(CompletableFuture<?> waiter) {
      STATE.compareAndSet(this, null, waiter); // fails if it was granted while being handed out
    }

    @Override
    public boolean fail(Throwable failure) {
      return WaitState.fail(state, failure);
    }

    /** Ends it as a wait, letting go of what its waiter was handed; false if it had ended. */
    @Override
    boolean end() {
      for (Object now = state; WaitState.waiting(now); now = state) {
        if (STATE.compareAndSet(this, now, WaitState.ENDED)) {
          return true;
        }
      }
      return false;
    }

    /**
     * Whether it has ended as a wait: always, once it holds. Read for every wait by each walk of
     * the waits, so a wait still listed there is told without reading another object (the future
     * its state then is): it ends by its state becoming {@link WaitState#ENDED}, and only then
     * may its holds list it, changing its {@code slot} from {@link Slotted#LISTED}.
     */
    @Override
    public boolean ended() {
      Object now = state;
      return now == WaitState.ENDED || slot != LISTED && !WaitState.waiting(now);
    }

    @Override
    public void watchTaker(BiFunction<Hold, Permit, Object> watch) {
      if (state instanceof HandedPermit front) {
        // Lost to another look, what this one made is dropped: one watch is enough.
        STATE.compareAndSet(this, front, watch.apply(this, front));
      }
    }

    @Override
    boolean end(byte how, long endedNanos) {
      if (!super.end(how, endedNanos)) {
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

  /** A {@link WatchedPermit} whose wait ends by itself after a timeout: a wait costs no flag. */
  private static final class TimedWatchedPermit extends WatchedPermit {

    TimedWatchedPermit(WatchedGrants grants, String takenBy, Call call) {
      super(grants, takenBy, call);
    }

    @Override
    public boolean timed() {
      return true;
    }
  }

  /** A condition's wait taking the condition's lock back after its signal. */
  private final class ReacquireWait extends PlainWait {

    ReacquireWait(Call call, boolean timed) {
      super(call, timed);
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
}
