package dev.baton.spring.observation;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * One wait for a registry's lock or semaphore that was not granted at once, from then until it
 * is granted, fails or is withdrawn, while the stall view is on: who waits ({@link #call}), where
 * ({@link #site}), for whose holds ({@link #holders}), and since when. Distinct by identity. Only
 * the stall view's {@link WatchedWait}s are pending waits: each one is also what settles its wait,
 * and reads its site and holders from the primitive it waits for, so that it keeps no copy.
 */
public abstract class PendingWait extends Slotted {

  private static final VarHandle WAITER;
  /** What {@link #waiter} holds once the wait has ended; handed to nobody. */
  private static final CompletableFuture<?> ENDED = new CompletableFuture<>();

  static {
    try {
      WAITER = MethodHandles.lookup().findVarHandle(PendingWait.class, "waiter",
          CompletableFuture.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final Call call;
  /**
   * What the waiter was handed, failing which withdraws the wait: null until handed out, then
   * that future, and {@link #ENDED} from the wait's end on, so that an ended wait still listed
   * keeps nothing the waiter was given. One field is the wait's whole state, so a wait costs no
   * flag of its own.
   */
  private volatile CompletableFuture<?> waiter;

  PendingWait(Call call) {
    this.call = call;
  }

  /** The call waiting, or null when unknown. */
  public Call call() {
    return call;
  }

  /** The primitive waited for: its kind and name (a per-key lock's family, never its key). */
  public abstract WaitSite site();

  /** The live holds of the primitive waited for: whoever ends one may let this wait in. */
  public abstract LiveHolds holders();

  /**
   * Whether it ends by itself after a timeout; an untimed one lasts until granted or withdrawn.
   * Told by the kind of wait rather than kept in a field, so that a wait costs no flag for it.
   */
  public abstract boolean timed();

  /** How long it has waited so far. */
  public Duration waitedFor() {
    return Duration.ofNanos(System.nanoTime() - sinceNanos);
  }

  /** {@link System#nanoTime()} when it began: for comparing many waits against one reading. */
  public long sinceNanos() {
    return sinceNanos;
  }

  /**
   * Ends the wait with {@code failure}, withdrawing it, unless it was granted or ended first.
   *
   * @return whether this ended it
   */
  public boolean fail(Throwable failure) {
    CompletableFuture<?> handed = waiter;
    return handed != null && handed != ENDED && handed.completeExceptionally(failure);
  }

  void handedOut(CompletableFuture<?> waiter) {
    WAITER.compareAndSet(this, null, waiter); // fails if it was granted while being handed out
  }

  /** Ends it, letting go of what its waiter was handed; false if it had ended already. */
  final boolean end() {
    return WAITER.getAndSet(this, ENDED) != ENDED;
  }

  /**
   * Whether it was granted, failed or was withdrawn: then it no longer waits, though a
   * {@link LiveWaits#references()} copy may still hold it.
   */
  @Override
  public final boolean ended() {
    return waiter == ENDED;
  }
}
