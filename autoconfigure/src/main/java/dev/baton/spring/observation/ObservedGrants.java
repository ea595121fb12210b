package dev.baton.spring.observation;

import dev.baton.Permit;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.Reference;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * The grants of one lock or semaphore of a registry, observed: each wait is reported to the
 * listeners, and a wait that times out fails with an {@link dev.baton.AcquireTimeoutException}
 * naming the site. When holds are tracked, or listeners want to know how long they lasted, each
 * permit handed out is wrapped: a tracked hold is in {@link #holds()} from grant to release, and
 * at release its duration is reported. Otherwise permits are handed out as the primitive made
 * them. A backend passes every acquire of one primitive through one instance, made by
 * {@link #of}.
 *
 * <p>With the stall view on, {@link #of} makes a {@link WatchedGrants}, which tracks every hold
 * with the {@link Call} that asked, shows each request to the view first
 * ({@link #checkRequest()}) and watches each wait left pending until it settles. This class
 * runs nothing of that: the view's branches are kept out of the methods a registry without it
 * runs, so that they stay small enough for the JIT to inline and scalar-replace as before the
 * view existed.
 */
public sealed class ObservedGrants permits WatchedGrants {

  final WaitSite site;
  final WaitListeners listeners;
  /** The live holds; stays empty unless {@code trackHolds}. */
  final LiveHolds holds;
  private final boolean trackHolds;
  /** Whether permits are wrapped: when holds are tracked or someone listens for releases. */
  private final boolean wrap;

  /**
   * @param notesEnds whether the holds note when they end ({@link LiveHolds#endedSince}): for a
   *     primitive other instances share, whose holds here are not all of them
   */
  ObservedGrants(WaitSite site, WaitListeners listeners, boolean trackHolds, boolean notesEnds) {
    this.site = site;
    this.listeners = listeners;
    this.trackHolds = trackHolds;
    this.wrap = trackHolds || !listeners.isEmpty();
    this.holds = LiveHolds.of(trackHolds && "semaphore".equals(site.primitive()), notesEnds);
  }

  /**
   * The grants of the primitive at {@code site}.
   *
   * @param trackHolds whether to keep the live holds (see {@link HoldTracking#holds()})
   * @param watch the stall view, told about every request, hold and wait left pending, which
   *     then record their {@link Call}; null when it is off. Holds are tracked when there is one.
   */
  public static ObservedGrants of(WaitSite site, WaitListeners listeners, boolean trackHolds,
      WaitWatch watch) {
    return of(site, listeners, trackHolds, watch, null);
  }

  /**
   * {@link #of(WaitSite, WaitListeners, boolean, WaitWatch)}, for one key's lock of a per-key
   * family that declares an ascending key order.
   *
   * @param orderedKey the key, {@code Comparable}, which the stall view compares with the keys of
   *     the family a call already holds; never shown. Null for other primitives.
   */
  public static ObservedGrants of(WaitSite site, WaitListeners listeners, boolean trackHolds,
      WaitWatch watch, Object orderedKey) {
    return watch == null ? new ObservedGrants(site, listeners, trackHolds, false)
        : new WatchedGrants(site, listeners, watch, orderedKey);
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
    return null;
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
    if (acquire.isDone() && !acquire.isCompletedExceptionally()) {
      // Granted at once, the common case: no relay, and no lambda to capture takenBy.
      return CompletableFuture.completedFuture(new HeldPermit(acquire.join(), takenBy));
    }
    return RelayedGrant.relay(site, acquire, permit -> new HeldPermit(permit, takenBy), () -> { });
  }

  /** Wraps a permit taken without waiting, which is not reported as a wait. */
  public Optional<Permit> observe(Optional<Permit> taken) {
    return wrap ? taken.map(permit -> new HeldPermit(permit, null)) : taken;
  }

  /**
   * Reports a condition's wait {@code await}, which is given the primitive's own permit inside
   * {@code held} and may release it and re-acquire. If the wait released it, the hold of
   * {@code held} ends there and the permit re-acquired is held by the same taker; if it kept it
   * (an {@code awaitUntil} whose predicate already held), the future completes with
   * {@code held} itself, still live. While {@code await} runs, the hold of {@code held} is not
   * listed: a lock it passes on is granted inside it, on this thread, and its next holder must
   * then be the only one listed.
   *
   * @param timed whether {@code await} ends by itself after a timeout
   * @throws IllegalArgumentException from {@code await}, when {@code held} is not a live permit
   *     of the condition's lock; the hold of {@code held} is then untouched
   */
  public CompletableFuture<Permit> reacquire(Permit held, boolean timed,
      Function<Permit, CompletableFuture<Permit>> await) {
    HeldPermit hold = holdOf(held);
    if (hold == null) {
      return observe(await.apply(held), null);
    }
    try {
      CompletableFuture<Permit> waiting;
      // The lock is given up inside the await, where the next holder's grant callbacks may run.
      long givenUp = heldUntilNow();
      hold.unlist();
      try {
        waiting = await.apply(hold.inner);
      } catch (RuntimeException | Error e) {
        hold.relist();
        throw e;
      }
      listeners.observe(site, waiting);
      if (!hold.inner.isReleased()) {
        // Kept: a wait that keeps the lock completes with the very permit it was given; withdrawn
        // before that, the condition passes the lock on, which ends the hold.
        hold.relist();
        return RelayedGrant.relay(site, waiting, kept -> held, hold::endHold);
      }
      hold.endHold(givenUp);
      CompletableFuture<Permit> relayed = relayRetake(waiting, hold);
      reacquiring(waiting, relayed, hold.call(), timed);
      return relayed;
    } finally {
      // The permit handed out stays reachable until its hold has ended here: the stall view
      // must not take it for one dropped unreleased (see HandedPermit).
      Reference.reachabilityFence(held);
    }
  }

  /**
   * A condition's wait {@code waiting}, handed out as {@code relayed}, has released the lock
   * {@code call} held and will take it back once signalled: for the stall view, which is not
   * on here.
   */
  void reacquiring(CompletableFuture<Permit> waiting, CompletableFuture<Permit> relayed,
      Call call, boolean timed) {
  }

  /**
   * The future handed out for a condition's wait {@code waiting}, which gave back the permit of
   * {@code ended} and completes with the one it takes back: held as {@code ended} was.
   */
  CompletableFuture<Permit> relayRetake(CompletableFuture<Permit> waiting, HeldPermit ended) {
    return RelayedGrant.relay(site, waiting, permit -> regranted(permit, ended), () -> { });
  }

  /** {@code permit}, re-acquired after {@code ended}, held as {@code ended} was. */
  Permit regranted(Permit permit, HeldPermit ended) {
    return new HeldPermit(permit, ended.takenBy());
  }

  /**
   * {@link System#nanoTime()} as the end of a hold, read only when listeners time holds (else 0,
   * which nothing reads): a hold that nobody times costs no clock read.
   */
  private long heldUntilNow() {
    return listeners.isEmpty() ? 0 : System.nanoTime();
  }

  /** The hold of {@code permit} if this handed it out ({@link Hold#of}), else null. */
  private HeldPermit holdOf(Permit permit) {
    return Hold.of(permit) instanceof HeldPermit hold && hold.owner() == this ? hold : null;
  }

  /**
   * A permit handed out, and its hold: ends the hold on the first release, or once the permit
   * reads as released without one (a shared backend lost its lease: nothing is held any more).
   */
  class HeldPermit extends Hold implements Permit {
    private static final VarHandle ENDED;
    private static final byte LASTS = 0;
    private static final byte RELEASED = 1;
    private static final byte LOST = 2;

    static {
      try {
        ENDED = MethodHandles.lookup().findVarHandle(HeldPermit.class, "ended", byte.class);
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }

    /** The primitive's permit, from the grant on. */
    private Permit inner;
    /** {@code LASTS} until set once: by the first release or hand-over, or on finding it lost. */
    private volatile byte ended;

    /** The hold of {@code inner}, granted now. */
    HeldPermit(Permit inner, String takenBy) {
      super(takenBy);
      begin(inner);
    }

    /** A hold that begins at its grant, later ({@link #begin}): a wait under the stall view. */
    HeldPermit(String takenBy) {
      super(takenBy);
    }

    /** Begins the hold of {@code inner}, granted now: listed, when holds are tracked. */
    final void begin(Permit inner) {
      this.inner = inner;
      if (trackHolds) {
        holds.add(this);
      }
    }

    ObservedGrants owner() {
      return ObservedGrants.this;
    }

    @Override
    public WaitSite site() {
      return site;
    }

    @Override
    public LiveHolds listedIn() {
      return holds;
    }

    @Override
    public boolean lasts() {
      return ended == LASTS;
    }

    /** Takes the hold off the list for a while ({@link #relist}), without ending it. */
    final void unlist() {
      if (trackHolds) {
        holds.remove(this);
      }
    }

    /**
     * Lists the hold again after {@link #unlist}, unless it has ended: an end racing with this
     * either takes it off after it was added, or is seen here after the add.
     */
    final void relist() {
      if (trackHolds && lasts()) {
        holds.add(this);
        if (!lasts()) {
          holds.remove(this);
        }
      }
    }

    /** Ends the hold now; false if it had ended already. */
    final boolean endHold() {
      return endHold(heldUntilNow());
    }

    /**
     * Ends the hold, timed as given up at {@code endedNanos} ({@link System#nanoTime()}; read
     * only by listeners, so any value when there are none); false if it had ended already.
     */
    final boolean endHold(long endedNanos) {
      return end(RELEASED, endedNanos);
    }

    @Override
    public boolean endIfLost() {
      Permit granted = inner;
      return granted != null && granted.isReleased()
          && (end(LOST, heldUntilNow()) || ended == LOST); // or another look ended it so
    }

    /** Ends the hold, {@code how}, timed as {@link #endHold(long)}; false if it had ended. */
    boolean end(byte how, long endedNanos) {
      if (!ENDED.compareAndSet(this, LASTS, how)) {
        return false;
      }
      if (trackHolds) {
        holds.remove(this);
      }
      if (!listeners.isEmpty()) {
        listeners.released(site, endedNanos - sinceNanos());
      }
      return true;
    }

    @Override
    public void release() {
      Permit granted = granted();
      if (!endHold()) {
        if (ended == LOST) {
          granted.release(); // throws the primitive's own refusal, such as a lost lease's
        }
        throw new IllegalStateException("permit " + granted.token() + " of " + site.primitive()
            + " '" + site.name() + "' was already released: release each permit once, or use"
            + " close() where cleanup may run twice");
      }
      granted.release();
    }

    /** Whether it holds nothing any more; a permit lost without a release ends its hold. */
    @Override
    public boolean isReleased() {
      if (lasts()) {
        endIfLost();
      }
      return !lasts();
    }

    @Override
    public long token() {
      return granted().token();
    }

    @Override
    public void close() {
      Permit granted = granted();
      if (endHold()) {
        granted.close();
      }
    }

    /**
     * The primitive's permit; refuses, touching nothing, a wait under the stall view that has not
     * been granted (a {@link PendingWait} taken for a permit), whose hold must not end before it
     * begins: it would then never end, and its permit never be given back.
     */
    private Permit granted() {
      Permit granted = inner;
      if (granted == null) {
        throw new IllegalStateException("this wait for " + site.primitive() + " '" + site.name()
            + "' has not been granted, so there is no permit to release: withdraw a pending wait"
            + " by cancelling its future, or with PendingWait.fail");
      }
      return granted;
    }

    @Override
    public String toString() {
      if (inner == null) { // a wait under the stall view, not granted (yet, or ever)
        return "Permit[" + site.primitive() + " '" + site.name() + "', not granted]";
      }
      return "Permit[" + site.primitive() + " '" + site.name() + "', token=" + inner.token()
          + (!lasts() || inner.isReleased() ? ", released]" : ", held]");
    }
  }
}
