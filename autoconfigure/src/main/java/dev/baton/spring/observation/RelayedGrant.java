package dev.baton.spring.observation;

import dev.baton.AcquireTimeoutException;
import dev.baton.Permit;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A pending wait's grant handed on, transformed, through a future of its own, without giving up
 * what the wait's future guarantees. The relayed future settles exactly once:
 * <ul>
 *   <li>with the wait's grant, transformed, or the wait's failure, a timeout of a primitive
 *       without a name replaced by one naming the wait's {@link WaitSite}, and under the stall
 *       view any timeout not yet explained by one the view explains; or
 *   <li>with an outside {@code complete}, {@code completeExceptionally} or {@code cancel} (also
 *       through {@code completeOnTimeout}, {@code orTimeout} and {@code completeAsync}), which
 *       first withdraws the wait and takes effect only if the withdrawal won. If the grant came
 *       first, the outside call returns false and the relayed future completes with the grant, so
 *       the caller must release it, as with any future that completed before it was cancelled.
 * </ul>
 * A grant is therefore never dropped and a withdrawn wait keeps no place in its queue.
 * {@code obtrudeValue} and {@code obtrudeException} are refused: they would overwrite a grant.
 *
 * <p>Implementation: one flag, {@code settling}, set by CAS by whoever settles the relayed future:
 * the wait's completion callback or an outside call. An outside call that sets it withdraws the
 * wait ({@code cancel(false)}); if that fails, the wait is done (or a grant is on its way) and its
 * result is relayed as if the callback had won.
 *
 * @param <T> what the wait grants
 * @param <R> what the relayed future hands on
 */
public final class RelayedGrant<T, R> extends CompletableFuture<R> {

  private static final VarHandle SETTLING;

  static {
    try {
      SETTLING =
          MethodHandles.lookup().findVarHandle(RelayedGrant.class, "settling", boolean.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** Where the wait happens, what its timeouts name; null when {@code settlement} says. */
  private final WaitSite site;
  /** How it settles, when not as {@code site} and {@code onGrant} say; else null. */
  private final Settlement<? super T, ? extends R> settlement;
  /** The wait relayed; withdrawn by an outside completion. */
  private final CompletableFuture<T> wait;
  /** Applied once, to the grant, by whoever settles; null when {@code settlement} maps it. */
  private final Function<? super T, ? extends R> onGrant;
  /** Set once, by the first party to settle this future; false until then. */
  private volatile boolean settling;

  private RelayedGrant(WaitSite site, Settlement<? super T, ? extends R> settlement,
      CompletableFuture<T> wait, Function<? super T, ? extends R> onGrant) {
    this.site = site;
    this.settlement = settlement;
    this.wait = wait;
    this.onGrant = onGrant;
  }

  /**
   * The future of the wait {@code wait} at {@code site}, its timeouts naming {@code site}. A wait
   * already granted is returned as it is.
   */
  public static <T> CompletableFuture<T> relay(WaitSite site, CompletableFuture<T> wait) {
    return isGranted(wait) ? wait : relay(site, wait, Function.identity(), () -> { });
  }

  /**
   * The future of the wait {@code wait} at {@code site}: its grant mapped by {@code onGrant},
   * which runs at most once, its timeouts naming {@code site}; {@code onFailure} runs once if the
   * wait fails, times out or is withdrawn. A wait already granted is handed on at once, in a plain
   * completed future.
   */
  public static <T, R> CompletableFuture<R> relay(WaitSite site, CompletableFuture<T> wait,
      Function<? super T, ? extends R> onGrant, Runnable onFailure) {
    Objects.requireNonNull(site, "site");
    Objects.requireNonNull(onGrant, "onGrant");
    Objects.requireNonNull(onFailure, "onFailure");
    if (isGranted(wait)) {
      return CompletableFuture.completedFuture(onGrant.apply(wait.join()));
    }
    return new RelayedGrant<T, R>(site, null, wait, onGrant).relaying(onFailure);
  }

  /**
   * The future of the wait {@code wait} at {@code site} made by {@code call}, its timeouts naming
   * {@code site}, with {@code call} current while it settles (none, for a null {@code call}), on
   * whichever thread ends the wait: the callbacks attached to it run as the call that waited (a
   * queue's take completed by a put of another call, say), as those of a lock's or semaphore's
   * wait do under the stall view, and never as the call that ended it. A wait already granted is
   * returned as it is.
   */
  public static <T> CompletableFuture<T> relayAs(Call call, WaitSite site,
      CompletableFuture<T> wait) {
    return isGranted(wait) ? wait : relayAs(call, site, wait, Function.identity());
  }

  /**
   * {@link #relayAs(Call, WaitSite, CompletableFuture)}, with the grant mapped by
   * {@code onGrant}, which runs at most once; a wait already granted is handed on at once, in a
   * plain completed future.
   */
  static <T, R> CompletableFuture<R> relayAs(Call call, WaitSite site, CompletableFuture<T> wait,
      Function<? super T, ? extends R> onGrant) {
    Objects.requireNonNull(site, "site");
    Objects.requireNonNull(onGrant, "onGrant");
    return relay(new AsCall<T, R>(call, site, onGrant), wait);
  }

  /**
   * The future of the wait {@code wait}, settling as {@code settlement} says: one object that
   * maps the grant, hears of a failure, names a timeout and puts the waiter's context in place,
   * so that a watched wait allocates no callback of its own. A wait already granted is handed on
   * at once, in a plain completed future.
   */
  static <T, R> CompletableFuture<R> relay(Settlement<T, R> settlement,
      CompletableFuture<T> wait) {
    if (isGranted(wait)) {
      return CompletableFuture.completedFuture(settlement.granted(wait.join()));
    }
    return new RelayedGrant<T, R>(null, settlement, wait, null).relaying(null);
  }

  /**
   * How a relayed future settles when its site and a mapping are not enough: for the stall
   * view's watched waits ({@link WatchedWait}).
   */
  interface Settlement<T, R> {

    /** Maps the grant; runs at most once, by whoever settles. */
    R granted(T grant);

    /** The wait failed, timed out or was withdrawn; runs once, before the future settles. */
    void failed();

    /** The failure for a timeout of the wait, given its timeout: named, and explained. */
    AcquireTimeoutException timedOut(Duration timeout);

    /**
     * The call current while the relayed future settles, and so while the callbacks attached to
     * it run: the waiter's; null for none.
     */
    Call call();
  }

  /**
   * A wait settled as it ends, its grant mapped by {@code onGrant}, its timeouts naming
   * {@code site}, with {@code call} current.
   */
  private record AsCall<T, R>(Call call, WaitSite site, Function<? super T, ? extends R> onGrant)
      implements Settlement<T, R> {

    @Override
    public R granted(T grant) {
      return onGrant.apply(grant);
    }

    @Override
    public void failed() {
    }

    @Override
    public AcquireTimeoutException timedOut(Duration timeout) {
      return site.timedOut(timeout);
    }
  }

  /** This future, relaying {@code wait}'s end; {@code onFailure} (null with a settlement). */
  private RelayedGrant<T, R> relaying(Runnable onFailure) {
    wait.whenComplete((granted, failure) -> {
      if (failure != null) {
        if (settlement == null) {
          onFailure.run();
        } else {
          settlement.failed();
        }
      }
      if (claim()) {
        settle(granted, failure);
      }
    });
    return this;
  }

  @Override
  public boolean complete(R value) {
    return claim() && (withdraw() ? super.complete(value) : relayWait());
  }

  @Override
  public boolean completeExceptionally(Throwable ex) {
    Objects.requireNonNull(ex, "ex");
    return claim() && (withdraw() ? super.completeExceptionally(ex) : relayWait());
  }

  @Override
  public boolean cancel(boolean mayInterruptIfRunning) {
    if (!claim()) {
      return isCancelled();
    }
    return withdraw() ? super.cancel(mayInterruptIfRunning) : relayWait();
  }

  /** Runs {@code supplier} on {@code executor} and completes through {@link #complete}. */
  @Override
  public CompletableFuture<R> completeAsync(Supplier<? extends R> supplier, Executor executor) {
    Objects.requireNonNull(supplier, "supplier");
    Objects.requireNonNull(executor, "executor");
    executor.execute(() -> {
      R value;
      try {
        value = supplier.get();
      } catch (Throwable t) {
        completeExceptionally(t);
        return;
      }
      complete(value);
    });
    return this;
  }

  /**
   * Blocks on the wait first, then on this future: a thread running a grant's callbacks that
   * blocks on a Baton wait first hands the grants queued behind them to another thread, and the
   * wait's grant may be among them, which would otherwise never be completed while this thread
   * blocks. The wait ends no later than this future settles, but for an outside call's completion
   * a moment after it.
   */
  @Override
  public R join() {
    if (!isDone()) {
      try {
        wait.join();
      } catch (RuntimeException endedOtherwise) {
        // failed or withdrawn: this future says how
      }
    }
    return super.join();
  }

  @Override
  public R get() throws InterruptedException, ExecutionException {
    if (!isDone()) {
      try {
        wait.get();
      } catch (ExecutionException | CancellationException endedOtherwise) {
        // failed or withdrawn: this future says how
      }
    }
    return super.get();
  }

  @Override
  public R get(long timeout, TimeUnit unit)
      throws InterruptedException, ExecutionException, TimeoutException {
    long deadline = System.nanoTime() + unit.toNanos(timeout);
    if (timeout > 0 && !isDone()) {
      try {
        wait.get(timeout, unit);
      } catch (ExecutionException | CancellationException | TimeoutException endedOtherwise) {
        // failed, withdrawn or still pending: this future says how
      }
    }
    return super.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
  }

  @Override
  public void obtrudeValue(R value) {
    throw refuseObtrude();
  }

  @Override
  public void obtrudeException(Throwable ex) {
    throw refuseObtrude();
  }

  private static UnsupportedOperationException refuseObtrude() {
    return new UnsupportedOperationException("a relayed wait cannot be obtruded, which could"
        + " overwrite a grant: use complete, completeExceptionally or cancel, which withdraw the"
        + " wait first");
  }

  private static boolean isGranted(CompletableFuture<?> wait) {
    return wait.isDone() && !wait.isCompletedExceptionally();
  }

  /** Takes the right to settle this future; false if someone else has it. */
  private boolean claim() {
    return SETTLING.compareAndSet(this, false, true);
  }

  /** Withdraws the wait; false if it was granted or failed first. */
  private boolean withdraw() {
    return wait.cancel(false);
  }

  /**
   * Settles with the wait's result, for an outside call that claimed but could not withdraw: now
   * if the wait is done, else (a grant on its way) when it arrives. Returns false, the value of
   * the outside call that lost.
   */
  private boolean relayWait() {
    wait.whenComplete(this::settle);
    return false;
  }

  private void settle(T granted, Throwable failure) {
    if (settlement == null) {
      settleHere(granted, failure);
      return;
    }
    // A swap, not a Scope: the completion runs too deep for C2 to scalar-replace one.
    Call previous = CurrentCall.swap(settlement.call());
    try {
      settleHere(granted, failure);
    } finally {
      CurrentCall.swap(previous);
    }
  }

  /**
   * Completes this future with the wait's outcome, handed on or named. Once claimed, nobody else
   * completes it, so if handing on or naming throws, it fails with that: a waiter is never left
   * pending for good.
   */
  private void settleHere(T granted, Throwable failure) {
    try {
      if (failure != null) {
        super.completeExceptionally(named(failure));
      } else {
        super.complete(settlement == null ? onGrant.apply(granted) : settlement.granted(granted));
      }
    } catch (RuntimeException | Error broken) {
      if (failure != null && broken != failure) {
        broken.addSuppressed(failure);
      }
      if (granted instanceof Permit permit) {
        permit.close(); // granted, never handed on: nobody else could give it back
      }
      super.completeExceptionally(broken);
    }
  }

  /**
   * {@code failure}, or, for a timeout, the one naming the site if it names none, and the one the
   * settlement explains if it is not explained yet: a shared backend's primitives name their
   * timeouts themselves, and the stall view still says what held them up.
   */
  private Throwable named(Throwable failure) {
    Throwable cause = failure instanceof CompletionException && failure.getCause() != null
        ? failure.getCause() : failure;
    return cause instanceof AcquireTimeoutException timeout
        && (timeout.name() == null || settlement != null && timeout.blockers() == null)
        ? timedOut(timeout.timeout()) : failure;
  }

  private AcquireTimeoutException timedOut(Duration timeout) {
    return settlement == null ? site.timedOut(timeout) : settlement.timedOut(timeout);
  }
}
