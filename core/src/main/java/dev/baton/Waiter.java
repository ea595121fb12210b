package dev.baton;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A pending wait: the future a primitive hands out, and its node in the primitive's
 * {@link WaitQueue}.
 *
 * <p>Contract of the future, beyond {@link CompletableFuture}'s own. A {@code cancel},
 * {@code complete} or {@code completeExceptionally} (and so {@code orTimeout},
 * {@code completeOnTimeout} and {@code completeAsync}, which go through them) that reaches a
 * waiter still waiting withdraws it from its primitive before completing it, and returns
 * {@code true}. One that reaches a waiter whose grant is already decided loses, even while the
 * grant is in transit (decided, not yet delivered: see below): it completes the future with the
 * grant itself before it returns {@code false}, so a caller whose cancel fails finds the future
 * completed and holds what it was granted, exactly as when the cancel comes after the delivery.
 * A grant is final from its decision because the primitive's state has moved on there and others
 * may have seen it (the lock handed over, the waiting count lowered, the item taken from the
 * queue, the event's flag raised); a cancel that then took the grant back would contradict them.
 * A timed wait that expires is withdrawn on the expiry thread and fails on a completer thread
 * ({@link Timeouts}); a grant decided first wins. {@code obtrudeValue} and
 * {@code obtrudeException} throw {@link UnsupportedOperationException}: they could overwrite a
 * grant already delivered.
 *
 * <p>Implementation overview. A waiter's fate is decided by one write of {@link #state} (a CAS,
 * or a release store where nothing can race it: see the invariant below), the one field that
 * says where the wait stands and, once decided, how it ends:
 * <pre>
 *   waiting:   the WaitQueue it waits in, when untimed; its Expiry, when timed (which knows the
 *              queue); UNQUEUED for a subclass that withdraws itself
 *   --grant(value) / fail(cause)--> the outcome: the value (NIL for null) or a Failure
 *                                   (by the primitive, under its guard)
 *   --withdraw(false)-------------> WITHDRAWN  (by an outside call: cancel, complete...)
 *   --withdraw(true)--------------> EXPIRED    (by its timeout, on the expiry thread)
 * </pre>
 * Keeping the queue, the timeout and the outcome in the decision's own field is what keeps a
 * pending waiter at three fields of its own (32 bytes with {@code CompletableFuture}'s two, where
 * a field each took 48): values handed to a waiter are never of the types that mean "waiting",
 * which are Baton's own and private. Whoever moves {@code state} out of an Expiry cancels its
 * timeout, so a decided wait's timeout never fires, and nothing keeps a decided waiter's queue
 * or timeout reachable.
 *
 * <p>Invariant: a waiter in a queue is decided only by a holder of that queue's guard, which
 * grants, fails and withdrawals (its timeout's too) all take. So an untimed waiter's decision, on
 * the path that hands a lock or permit on, is a release store, not a CAS. A timed waiter's stays
 * a CAS: its full fence orders it with the arming of the timeout ({@link #armTimeout}), so that
 * one of the two cancels the timeout. A subclass's waiter without a queue is decided by racing
 * CASes.
 *
 * <p>Deciding and completing are separate steps. The primitive decides under its guard, then
 * completes the future after releasing the guard, through {@link Grants} so that callbacks which
 * grant again do not recurse; in between, the grant is in transit. A timeout's failure is in
 * transit too, from the expiry thread to a completer. The future's own completion, one CAS on its
 * result, settles who completes it, so the granting path pays no CAS of its own for it:
 * <pre>
 *   deliver()      complete with the outcome, unless an outside call delivered it first
 *   timeout        withdraw(true); a completer fails the future, unless an outside call did first
 *   outside call   withdraw(false) and complete as asked: this call wins. Else, if WITHDRAWN,
 *                  lose: the call that withdrew it completes it. If decided, deliver() here
 *                  and lose (on the expiry thread, a completer delivers: Grants.deliverNow).
 *                  If EXPIRED, complete as asked unless the future is done.
 * </pre>
 * Every outside call returns whether it completed the future as asked, so of two racing calls
 * exactly one returns {@code true}.
 * A withdrawal removes the waiter from its primitive and cancels its timeout before the future
 * fails, so no count includes a waiter whose failure is already observable, and nothing keeps a
 * withdrawn waiter (or a putter's item) reachable until its deadline.
 *
 * <p>A thread that blocks on a waiter ({@link #join()}, {@link #get()}, and
 * {@link #get(long, TimeUnit)} with a positive timeout) polls it briefly before it parks. A grant
 * comes from a running thread (the holder releasing), so when the wait is short the hand-off costs
 * a cache-line transfer (a few hundred nanoseconds) instead of a park, an unpark and a wake-up on
 * another CPU (about 16 microseconds on a 2-vCPU virtual machine). The poll is bounded by
 * {@link #SPINS}, a few microseconds, less than the park it may save, and is skipped on a single
 * CPU, where it could only delay the holder. A subclass whose grants come from a thread with
 * other work between them turns the poll off ({@link #pollsBeforeParking}). A thread running a
 * grant's callbacks then completes the grants it queued behind them before it parks: one may be
 * the very grant it waits for, which no other thread would complete.
 *
 * <p>Dependent futures created from a waiter ({@code thenApply} and so on) are plain
 * {@link CompletableFuture}s: only the waiter itself withdraws on cancel.
 */
class Waiter<T> extends HandsOnBeforeBlocking<T> {

  /** {@link #state} of a waiting subclass that withdraws itself rather than from a queue. */
  private static final Object UNQUEUED = new Object();
  /** {@link #state} once an outside call withdrew the waiter. */
  private static final Object WITHDRAWN = new Object();
  /** {@link #state} once the waiter's timeout withdrew it. */
  private static final Object EXPIRED = new Object();
  /** Stands for the outcome {@code null}, so that {@link #state} is never null. */
  private static final Object NIL = new Object();
  /** Polls of a blocking {@link #join()} or {@code get} before it parks; 0 on one CPU. */
  private static final int SPINS = Runtime.getRuntime().availableProcessors() > 1 ? 1 << 8 : 0;
  private static final VarHandle STATE;

  static {
    try {
      STATE = MethodHandles.lookup().findVarHandle(Waiter.class, "state", Object.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /**
   * While waiting, a {@link WaitQueue}, {@link #UNQUEUED} or an {@link Expiry}; then the outcome
   * (a value, {@link #NIL} or a {@link Failure}), {@link #WITHDRAWN} or {@link #EXPIRED}, for good.
   */
  private volatile Object state;
  /** Links in the queue this waiter waits in; guarded by its guard. */
  Waiter<?> prev;
  Waiter<?> next;

  /**
   * An untimed waiter that will be added to {@code queue}; or, if {@code queue} is null, one of a
   * subclass that overrides {@link #withdraw}.
   */
  Waiter(WaitQueue<?> queue) {
    this(queue, Timeouts.NEVER, null);
  }

  /**
   * A waiter that will be added to {@code queue} (null: see {@link #Waiter(WaitQueue)}) and, unless
   * {@code timeout} is {@link Timeouts#NEVER}, fail with an {@link AcquireTimeoutException} for
   * {@code what} once {@link #armTimeout} has armed its timeout and it has passed.
   */
  Waiter(WaitQueue<?> queue, Duration timeout, String what) {
    Object waiting = timeout != Timeouts.NEVER ? new Expiry(this, queue, timeout, what)
        : queue != null ? queue
        : UNQUEUED;
    // A release store, as cheap as a final field's, where a volatile one would fence every wait:
    // a waiter reaches other threads only after this, through its primitive's guard, the
    // timeouts' inbox or the caller's own hand-off.
    STATE.setRelease(this, waiting);
  }

  /**
   * Removes this waiter from its primitive if it is still waiting: {@link #markWithdrawn} and,
   * only if that succeeds, unlinks it, under the same guard that grants are decided under.
   * Subclasses that wait on more than a queue override this.
   *
   * @param byTimeout whether the waiter's timeout withdraws it (EXPIRED), rather than a call
   *     that completes the future itself (WITHDRAWN)
   * @return whether this call withdrew the waiter
   */
  boolean withdraw(boolean byTimeout) {
    Object s = state;
    WaitQueue<?> queue = s instanceof WaitQueue<?> q ? q
        : s instanceof Expiry e ? e.queue
        : null; // decided already, or UNQUEUED, whose subclass overrides this method
    return queue != null && queue.withdraw(this, byTimeout);
  }

  /**
   * Marks a waiting waiter withdrawn (EXPIRED if {@code byTimeout}) and cancels its timeout;
   * false if it was granted or withdrawn already.
   */
  final boolean markWithdrawn(boolean byTimeout) {
    return decide(byTimeout ? EXPIRED : WITHDRAWN);
  }

  /** Decides that this waiter completes with {@code value}; false if it was withdrawn first. */
  final boolean grant(T value) {
    return decide(value == null ? NIL : value);
  }

  /** Decides that this waiter fails with {@code cause}; false if it was withdrawn first. */
  final boolean fail(Throwable cause) {
    return decide(new Failure(cause));
  }

  final boolean isWaiting() {
    return isWaiting(state);
  }

  /**
   * Completes the future with what it was granted, unless an outside call that reached it in
   * transit already did. The granting call calls it once after each grant or fail; an outside call
   * that finds the grant decided calls it too, so a second call changes nothing.
   */
  final void deliver() {
    completeWith(state);
  }

  /** Fails and completes in one step, for waiters that are not decided under a guard. */
  final void settleExceptionally(Throwable cause) {
    if (fail(cause)) {
      Grants.deliver(this);
    }
  }

  /**
   * Starts the timeout of a timed waiter, once it is visible to grants and withdrawals, so that a
   * timeout that fires at once finds it; does nothing for an untimed one. Returns this waiter.
   *
   * <p>Arming crosses a decision the way deciding crosses arming: this method writes the
   * {@link Expiry}'s timer and then reads {@link #state}; a decision CASes {@code state} and then
   * reads the timer. Both are volatile, so at least one side sees the other and cancels it.
   */
  final Waiter<T> armTimeout() {
    if (state instanceof Expiry e) {
      Timeouts.Timeout t = Timeouts.schedule(e, e.timeout);
      e.timer = t;
      if (!isWaiting()) {
        t.cancel();
      }
    }
    return this;
  }

  /**
   * Cancels the wait, as described in the class documentation. Returns whether this call
   * cancelled the future: unlike a plain {@code CompletableFuture}'s, a later cancel of a future
   * already cancelled returns {@code false}, so that of two racing cancels exactly one returns
   * {@code true}.
   */
  @Override
  public boolean cancel(boolean mayInterruptIfRunning) {
    return completeFromOutside(new Failure(new CancellationException()));
  }

  @Override
  public boolean completeExceptionally(Throwable ex) {
    if (ex == null) {
      throw new NullPointerException("ex");
    }
    return completeFromOutside(new Failure(ex));
  }

  @Override
  public boolean complete(T value) {
    return completeFromOutside(value);
  }

  /**
   * Runs {@code supplier} on {@code executor} and completes this future with its result through
   * {@link #complete} or {@link #completeExceptionally}, so the waiter is withdrawn first; does
   * nothing if the future is done by then. As in {@link CompletableFuture}, a supplier that
   * throws fails the future with a {@link CompletionException} caused by what it threw.
   */
  @Override
  public CompletableFuture<T> completeAsync(Supplier<? extends T> supplier, Executor executor) {
    return completeAsyncThroughComplete(this, supplier, executor);
  }

  /**
   * {@code future.completeAsync(supplier, executor)} for a future whose {@code complete} and
   * {@code completeExceptionally} must see every completion from outside, which
   * {@code CompletableFuture}'s own {@code completeAsync} goes past.
   */
  static <T> CompletableFuture<T> completeAsyncThroughComplete(CompletableFuture<T> future,
      Supplier<? extends T> supplier, Executor executor) {
    Objects.requireNonNull(supplier, "supplier");
    Objects.requireNonNull(executor, "executor");
    executor.execute(() -> {
      if (future.isDone()) {
        return;
      }
      T value;
      try {
        value = supplier.get();
      } catch (Throwable t) {
        future.completeExceptionally(
            t instanceof CompletionException ? t : new CompletionException(t));
        return;
      }
      future.complete(value);
    });
    return future;
  }

  /** As {@link #completeAsync(Supplier, Executor)}, on the {@link #defaultExecutor()}. */
  @Override
  public CompletableFuture<T> completeAsync(Supplier<? extends T> supplier) {
    return completeAsync(supplier, defaultExecutor());
  }

  /** Refused: it could overwrite a grant already delivered, which would then never be released. */
  @Override
  public void obtrudeValue(T value) {
    throw obtrudeRefused("obtrudeValue");
  }

  /** Refused: it could overwrite a grant already delivered, which would then never be released. */
  @Override
  public void obtrudeException(Throwable ex) {
    throw obtrudeRefused("obtrudeException");
  }

  @Override
  public <U> CompletableFuture<U> newIncompleteFuture() {
    return new CompletableFuture<>();
  }

  /**
   * An outside call that completes this future with {@code result} (a value or a
   * {@link Failure}); see the class documentation. Returns whether this call completed it.
   */
  private boolean completeFromOutside(Object result) {
    if (isWaiting() && withdraw(false)) {
      return completeWith(result); // nobody else completes a waiter a call withdrew
    }
    Object s = state;
    if (s == WITHDRAWN) {
      return false; // the call that withdrew it completes it
    }
    if (s == EXPIRED || isWaiting(s)) {
      return completeWith(result); // this call wins unless the timeout's failure is delivered
    }
    Grants.deliverNow(this); // the grant is final: complete with it before returning
    return false;
  }

  /**
   * Completes the future with a value, {@link #NIL} or a {@link Failure}; whether this call
   * completed it.
   */
  @SuppressWarnings("unchecked")
  private boolean completeWith(Object result) {
    return result instanceof Failure f ? super.completeExceptionally(f.cause)
        : super.complete(result == NIL ? null : (T) result);
  }

  /**
   * Moves {@link #state} from waiting to {@code decided}, cancelling the timeout if one is armed;
   * false if the waiter was decided first. See the class documentation for why an untimed
   * waiter's decision needs no CAS.
   */
  private boolean decide(Object decided) {
    Object s = state;
    if (s instanceof WaitQueue) {
      STATE.setRelease(this, decided); // the caller holds the queue's guard
      return true;
    }
    if (!isWaiting(s) || !STATE.compareAndSet(this, s, decided)) {
      return false;
    }
    if (s instanceof Expiry e) {
      Timeouts.Timeout t = e.timer;
      if (t != null) {
        t.cancel();
      }
    }
    return true;
  }

  private static boolean isWaiting(Object s) {
    return s instanceof WaitQueue || s instanceof Expiry || s == UNQUEUED;
  }

  /**
   * Runs on the expiry thread when the timeout is due: withdraws this waiter if it still waits
   * and has it fail on a completer thread, so that no callback runs on the expiry thread. A grant
   * decided first wins, and an outside call that reaches the future before the failure does wins
   * too (with nothing to give back).
   */
  private void expire(Duration timeout, String what) {
    if (isWaiting() && withdraw(true)) {
      Timeouts.completeOffExpiryThread(
          () -> super.completeExceptionally(new AcquireTimeoutException(what, timeout)));
    }
  }

  private static UnsupportedOperationException obtrudeRefused(String method) {
    return new UnsupportedOperationException(method + " is not supported on the future of a"
        + " Baton wait: it could overwrite a permit or item already granted, which would then"
        + " never be released. Use complete, completeExceptionally or cancel, which withdraw the"
        + " wait first");
  }

  /**
   * Before a blocking wait parks: polls at most {@link #SPINS} times for completion if
   * {@link #pollsBeforeParking}, then, if this thread is running a grant's callbacks, hands the
   * grants it queued behind them to another thread ({@link Grants#deliverBeforeBlocking}): this
   * waiter's may be among them.
   */
  @Override
  void beforeBlocking() {
    for (int i = pollsBeforeParking() ? SPINS : 0; i > 0 && !isDone(); i--) {
      Thread.onSpinWait();
    }
    super.beforeBlocking();
  }

  /**
   * Whether a blocking wait polls before it parks: true, for a grant that a holder's release
   * makes; a subclass whose grant waits on other work returns false (see the class documentation).
   */
  boolean pollsBeforeParking() {
    return true;
  }

  private record Failure(Throwable cause) {}

  /** What {@link #state} holds while a timed waiter waits: its queue and its timeout. */
  private static final class Expiry implements Runnable {
    final Waiter<?> waiter;
    /** The queue the waiter waits in, or null for a subclass that withdraws itself. */
    final WaitQueue<?> queue;
    final Duration timeout;
    final String what;
    /** The armed timeout; null until {@link #armTimeout}. */
    volatile Timeouts.Timeout timer;

    Expiry(Waiter<?> waiter, WaitQueue<?> queue, Duration timeout, String what) {
      this.waiter = waiter;
      this.queue = queue;
      this.timeout = timeout;
      this.what = what;
    }

    @Override
    public void run() {
      waiter.expire(timeout, what);
    }
  }
}
