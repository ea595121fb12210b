package dev.baton;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * A pending wait: the future a primitive hands out, and its node in the primitive's
 * {@link WaitQueue}.
 *
 * <p>Implementation overview. A waiter's fate is decided by one CAS on {@link #state}:
 * <pre>
 *   WAITING --grant(value) / fail(cause)--> GRANTED     (by the primitive, under its guard)
 *   WAITING --withdraw()-----------------> WITHDRAWN   (cancel, timeout, outside completion)
 * </pre>
 * Deciding and completing are separate steps. The primitive decides under its guard, then
 * completes the future after releasing the guard, through {@link Grants} so that callbacks which
 * grant again do not recurse. Between the two steps the grant is in transit; a {@code cancel}
 * that arrives then loses the CAS, completes the future with its grant on the spot and returns
 * {@code false}. {@code completeAsync} completes through {@code complete} and
 * {@code completeExceptionally}, so it withdraws too; {@code obtrudeValue} and
 * {@code obtrudeException} throw {@link UnsupportedOperationException}, since they could
 * overwrite a grant already delivered. A withdrawal removes the waiter from its primitive and
 * cancels its timeout before the future fails, so no count includes a waiter whose failure is
 * already observable, and nothing keeps a withdrawn waiter (or a putter's item) reachable until
 * its deadline.
 *
 * <p>A thread that blocks on a waiter ({@link #join()}, {@link #get()}) polls it briefly before
 * it parks. A grant comes from a running thread (the holder releasing), so when the wait is short
 * the hand-off costs a cache-line transfer (a few hundred nanoseconds) instead of a park, an
 * unpark and a wake-up on another CPU (about 16 microseconds on a 2-vCPU virtual machine). The
 * poll is bounded by {@link #SPINS}, a few microseconds, less than the park it may save, and is
 * skipped on a single CPU, where it could only delay the holder.
 *
 * <p>Dependent futures created from a waiter ({@code thenApply} and so on) are plain
 * {@link CompletableFuture}s: only the waiter itself withdraws on cancel.
 */
class Waiter<T> extends CompletableFuture<T> {

  private static final int WAITING = 0;
  private static final int GRANTED = 1;
  private static final int WITHDRAWN = 2;
  /** Polls of a blocking {@link #join()} or {@link #get()} before it parks; 0 on one CPU. */
  private static final int SPINS = Runtime.getRuntime().availableProcessors() > 1 ? 1 << 8 : 0;
  private static final VarHandle STATE;

  static {
    try {
      STATE = MethodHandles.lookup().findVarHandle(Waiter.class, "state", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** WAITING, GRANTED or WITHDRAWN; leaves WAITING exactly once. */
  private volatile int state;
  /** The value or {@link Failure} to complete with; written before the GRANTED CAS publishes it. */
  private Object outcome;
  /** The pending timeout task, or null when untimed or not yet armed. */
  private volatile Timeouts.Timeout timer;
  /** The queue this waiter waits in, or null for a subclass that overrides {@link #withdraw}. */
  private final WaitQueue<?> queue;
  /** Links in {@link #queue}; guarded by its guard. */
  Waiter<?> prev;
  Waiter<?> next;

  /** A waiter that will be added to {@code queue}. */
  Waiter(WaitQueue<?> queue) {
    this.queue = queue;
  }

  /**
   * Removes this waiter from its primitive if it is still waiting: {@link #markWithdrawn()} and,
   * only if that succeeds, unlinks it, under the same guard that grants are decided under.
   * Subclasses that wait on more than a queue override this.
   *
   * @return whether this call withdrew the waiter
   */
  boolean withdraw() {
    return queue.withdraw(this);
  }

  /**
   * Marks a waiting waiter withdrawn and cancels its timeout; false if it was granted or
   * withdrawn already.
   */
  final boolean markWithdrawn() {
    if (!STATE.compareAndSet(this, WAITING, WITHDRAWN)) {
      return false;
    }
    cancelTimer();
    return true;
  }

  /** Decides that this waiter completes with {@code value}; false if it was withdrawn first. */
  final boolean grant(T value) {
    outcome = value;
    return STATE.compareAndSet(this, WAITING, GRANTED);
  }

  /** Decides that this waiter fails with {@code cause}; false if it was withdrawn first. */
  final boolean fail(Throwable cause) {
    outcome = new Failure(cause);
    return STATE.compareAndSet(this, WAITING, GRANTED);
  }

  final boolean isWaiting() {
    return state == WAITING;
  }

  /** Completes the future with what it was granted. Idempotent; call only after a grant or fail. */
  @SuppressWarnings("unchecked")
  final void deliver() {
    Object o = outcome;
    if (o instanceof Failure f) {
      super.completeExceptionally(f.cause);
    } else {
      super.complete((T) o);
    }
    cancelTimer();
  }

  /** Fails and completes in one step, for waiters that are not decided under a guard. */
  final void settleExceptionally(Throwable cause) {
    if (fail(cause)) {
      Grants.deliver(this);
    }
  }

  /**
   * Arms the timeout, unless it is {@link Timeouts#NEVER}; the waiter must already be visible to
   * grants. Returns this waiter.
   *
   * <p>Arming crosses a decision the way deciding crosses arming: this method writes
   * {@link #timer} and then reads {@link #state}; a grant or withdrawal writes {@code state} and
   * then reads {@code timer} ({@link #deliver}, {@link #markWithdrawn}). Both are volatile, so at
   * least one side sees the other and cancels the timeout.
   */
  final Waiter<T> expireAfter(Duration timeout, String what) {
    if (timeout == Timeouts.NEVER) {
      return this;
    }
    Timeouts.Timeout t = Timeouts.schedule(
        () -> completeExceptionally(new AcquireTimeoutException(what, timeout)), timeout);
    timer = t;
    if (!isWaiting()) {
      t.cancel();
    }
    return this;
  }

  @Override
  public boolean cancel(boolean mayInterruptIfRunning) {
    return withdraw() ? super.cancel(mayInterruptIfRunning) : deliverIfGranted();
  }

  @Override
  public boolean completeExceptionally(Throwable ex) {
    if (ex == null) {
      throw new NullPointerException("ex");
    }
    return withdraw() ? super.completeExceptionally(ex) : deliverIfGranted();
  }

  @Override
  public boolean complete(T value) {
    return withdraw() ? super.complete(value) : deliverIfGranted();
  }

  /**
   * Runs {@code supplier} on {@code executor} and completes this future with its result through
   * {@link #complete} or {@link #completeExceptionally}, so the waiter is withdrawn first; does
   * nothing if the future is done by then. As in {@link CompletableFuture}, a supplier that
   * throws fails the future with a {@link CompletionException} caused by what it threw.
   */
  @Override
  public CompletableFuture<T> completeAsync(Supplier<? extends T> supplier, Executor executor) {
    Objects.requireNonNull(supplier, "supplier");
    Objects.requireNonNull(executor, "executor");
    executor.execute(() -> {
      if (isDone()) {
        return;
      }
      T value;
      try {
        value = supplier.get();
      } catch (Throwable t) {
        completeExceptionally(t instanceof CompletionException ? t : new CompletionException(t));
        return;
      }
      complete(value);
    });
    return this;
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
  public T join() {
    spinUntilDone();
    return super.join();
  }

  @Override
  public T get() throws InterruptedException, ExecutionException {
    spinUntilDone();
    return super.get();
  }

  @Override
  public <U> CompletableFuture<U> newIncompleteFuture() {
    return new CompletableFuture<>();
  }

  private boolean deliverIfGranted() {
    if (state == GRANTED) {
      deliver();
    }
    return false;
  }

  private static UnsupportedOperationException obtrudeRefused(String method) {
    return new UnsupportedOperationException(method + " is not supported on the future of a"
        + " Baton wait: it could overwrite a permit or item already granted, which would then"
        + " never be released. Use complete, completeExceptionally or cancel, which withdraw the"
        + " wait first");
  }

  private void cancelTimer() {
    Timeouts.Timeout t = timer;
    if (t != null) {
      t.cancel();
    }
  }

  /** Waits at most {@link #SPINS} polls for completion, without parking. */
  private void spinUntilDone() {
    for (int i = SPINS; i > 0 && !isDone(); i--) {
      Thread.onSpinWait();
    }
  }

  private record Failure(Throwable cause) {}
}
