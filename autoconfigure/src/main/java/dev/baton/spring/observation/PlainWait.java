package dev.baton.spring.observation;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CompletableFuture;

/**
 * A {@link PendingWait} that is a wait and nothing more: an event's, or a condition's taking its
 * lock back. (A lock's or semaphore's wait under the stall view goes on as the hold it is granted,
 * and keeps its state beside that hold's.)
 */
abstract class PlainWait extends Slotted implements PendingWait {

  private static final VarHandle STATE;

  static {
    try {
      STATE = MethodHandles.lookup().findVarHandle(PlainWait.class, "state", Object.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final Call call;
  private final boolean timed;
  /** {@link CallBits} of the call, in two parts: see there. */
  private final short callLow;
  private final byte callHigh;
  /** The wait's whole state ({@link WaitState}). */
  private volatile Object state;

  /**
   * @param call the call waiting, or null if unknown
   * @param timed whether the wait ends by itself after a timeout
   */
  PlainWait(Call call, boolean timed) {
    this.call = call;
    this.timed = timed;
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
  public final boolean timed() {
    return timed;
  }

  @Override
  public long sinceNanos() {
    return sinceNanos;
  }

  @Override
  public boolean fail(Throwable failure) {
    return WaitState.fail(state, failure);
  }

  /** Records the future the waiter was handed, unless the wait has ended meanwhile. */
  public void handedOut(CompletableFuture<?> waiter) {
    STATE.compareAndSet(this, null, waiter);
  }

  /** Ends it, letting go of what its waiter was handed; false if it had ended already. */
  @Override
  final boolean end() {
    return STATE.getAndSet(this, WaitState.ENDED) != WaitState.ENDED;
  }

  /** Read for every wait by each walk of the waits: a comparison, no read of another object. */
  @Override
  public final boolean ended() {
    return state == WaitState.ENDED;
  }
}
