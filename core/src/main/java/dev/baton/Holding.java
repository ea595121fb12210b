package dev.baton;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Runs an asynchronous action while holding something a wait granted, such as a {@link Permit},
 * and gives it back when the action's stage completes. This is the routine behind
 * {@link AsyncLock#withLock} and {@link AsyncSemaphore#withPermit}, for waits of your own.
 *
 * <p>Contract of {@link #run}: the action starts only after {@code acquiring} completes normally,
 * on the thread that completed it. {@code release} is called exactly once for a granted resource:
 * when the action's stage completes (normally or not), when the action throws, or at once if the
 * scope was given up (see below) before the grant. The returned future completes after
 * {@code release} with the action's outcome, or with {@code acquiring}'s failure (the action never
 * runs).
 * Completing the returned future from outside (cancelling it, or {@code complete} and
 * {@code completeExceptionally}, through which {@code orTimeout}, {@code completeOnTimeout} and
 * {@code completeAsync} act) while {@code acquiring} is pending cancels {@code acquiring}, which
 * withdraws the wait (just after the future completes, on the completing thread: a thread waiting
 * in {@code join()} may return a moment before the withdrawal, unlike with the futures of
 * {@code acquire()} and the other waits). Once the action has started, that does not interrupt it
 * and the resource stays held until the action's stage completes. Scopes compose: if the action's
 * stage is itself the result of {@code run} (an inner scope, such as a lock taken inside a
 * semaphore's scope), a wait still pending inside it is withdrawn too, which ends the inner scope
 * and then this one; an inner scope whose action runs is left to end by itself, and this scope's
 * resource stays held until it has.
 *
 * <p>A {@code release} that throws is reported through the returned future, which still
 * completes: a holder whose release failed (a lease lost meanwhile, say) must learn that its hold
 * may not have lasted. If the action failed, the future fails with the action's failure, the
 * release failure added to it as suppressed (to its cause, when it is a
 * {@link CompletionException}); if the action succeeded, with the release failure. A future
 * already cancelled stays cancelled: a release failure after that has nobody to reach and is
 * dropped.
 */
public final class Holding {

  private Holding() {}

  /**
   * Runs {@code action} once {@code acquiring} grants a resource and releases the resource when
   * the action's stage completes; see the class documentation for the full contract.
   */
  public static <R, T> CompletableFuture<T> run(CompletableFuture<R> acquiring,
      Consumer<? super R> release, Supplier<? extends CompletionStage<T>> action) {
    return runAfter(acquiring, release, action, null);
  }

  /**
   * As {@link #run(CompletableFuture, Consumer, Supplier)}, but what follows a wait still pending
   * here runs through {@code continuation}, on the thread that ends the wait: the action's start
   * and, when its stage has completed by then, the completion of the returned future, or that
   * completion with the wait's failure. {@code continuation} must run each command once, before
   * it returns; one that puts the caller's context in place around it makes the caller's
   * dependent stages run in that context rather than in the thread's that let go. A grant at once
   * runs on the calling thread, as there.
   */
  public static <R, T> CompletableFuture<T> run(CompletableFuture<R> acquiring,
      Consumer<? super R> release, Supplier<? extends CompletionStage<T>> action,
      Executor continuation) {
    return runAfter(acquiring, release, action,
        Objects.requireNonNull(continuation, "continuation"));
  }

  /** {@link #run}, with what follows a pending wait run through {@code continuation} if any. */
  private static <R, T> CompletableFuture<T> runAfter(CompletableFuture<R> acquiring,
      Consumer<? super R> release, Supplier<? extends CompletionStage<T>> action,
      Executor continuation) {
    Objects.requireNonNull(acquiring, "acquiring");
    Objects.requireNonNull(release, "release");
    Objects.requireNonNull(action, "action");
    if (acquiring.isDone() && !acquiring.isCompletedExceptionally()) {
      return runGranted(acquiring.join(), release, action);
    }
    Scope<T> result = new Scope<>(acquiring);
    acquiring.whenComplete((resource, failure) -> {
      if (continuation == null) {
        afterWait(resource, failure, release, action, result);
      } else {
        continuation.execute(() -> afterWait(resource, failure, release, action, result));
      }
    });
    return result;
  }

  /** What follows the wait of {@code result}, which granted {@code resource} or failed. */
  private static <R, T> void afterWait(R resource, Throwable failure,
      Consumer<? super R> release, Supplier<? extends CompletionStage<T>> action,
      Scope<T> result) {
    if (failure != null) {
      result.settleExceptionally(failure);
    } else if (result.isDone() || result.givenUp) {
      // Given up while waiting, by its caller or an outer scope's: nobody to run the action
      // for. A scope given up through an outer one ends here, so that the outer one releases.
      Throwable releaseFailure = release(resource, release, null);
      result.settleExceptionally(releaseFailure != null ? releaseFailure
          : new CancellationException("the scope was given up before its wait was granted"));
    } else {
      runHolding(resource, release, action, result);
    }
  }

  /**
   * The common case of a resource granted at once: runs the action on the caller's thread and,
   * when its future has completed normally already, releases and returns that future itself.
   */
  private static <R, T> CompletableFuture<T> runGranted(R resource, Consumer<? super R> release,
      Supplier<? extends CompletionStage<T>> action) {
    CompletionStage<T> stage;
    try {
      stage = start(action);
    } catch (Throwable t) {
      return CompletableFuture.failedFuture(release(resource, release, t));
    }
    if (stage instanceof CompletableFuture<T> done && completedNormally(done)) {
      Throwable releaseFailure = release(resource, release, null);
      return releaseFailure == null ? done : CompletableFuture.failedFuture(releaseFailure);
    }
    Scope<T> result = new Scope<>(null);
    holdUntilComplete(stage, resource, release, result);
    return result;
  }

  /**
   * Whether {@code future} has completed normally; false for a read-only stage
   * ({@code minimalCompletionStage()}, {@code completedStage}), whose {@code isDone} throws: it is
   * then held until it completes like any other stage.
   */
  private static boolean completedNormally(CompletableFuture<?> future) {
    try {
      return future.isDone() && !future.isCompletedExceptionally();
    } catch (UnsupportedOperationException readOnlyStage) {
      return false;
    }
  }

  /**
   * Runs {@code action} with the outcome of a scope that {@link #run} returned once the scope has
   * ended by itself: its wait failed, or its action's stage completed and the resource was given
   * back. A scope completed from outside (see above) completes early for its caller, but this
   * still waits for that end, and reports it. For a stage {@code run} did not make (it returns the
   * action's own stage when that completed at once), when the stage completes.
   */
  public static <T> void whenSettled(CompletionStage<T> result,
      BiConsumer<? super T, ? super Throwable> action) {
    Objects.requireNonNull(action, "action");
    if (result instanceof Scope<T> scope) {
      scope.settledStage().whenComplete(action);
    } else {
      result.whenComplete(action);
    }
  }

  private static <R, T> void runHolding(R resource, Consumer<? super R> release,
      Supplier<? extends CompletionStage<T>> action, Scope<T> result) {
    CompletionStage<T> stage;
    try {
      stage = start(action);
    } catch (Throwable t) {
      result.settleExceptionally(release(resource, release, t));
      return;
    }
    holdUntilComplete(stage, resource, release, result);
  }

  private static <T> CompletionStage<T> start(Supplier<? extends CompletionStage<T>> action) {
    return Objects.requireNonNull(action.get(), "action returned a null stage");
  }

  private static <R, T> void holdUntilComplete(CompletionStage<T> stage, R resource,
      Consumer<? super R> release, Scope<T> result) {
    result.started(stage);
    stage.whenComplete((value, failure) -> {
      Throwable outcome = release(resource, release, failure);
      if (outcome != null) {
        result.settleExceptionally(outcome);
      } else {
        result.settle(value);
      }
    });
  }

  /**
   * Releases {@code resource} after an action that ended with {@code failure} (null if it
   * succeeded), and returns the failure the scope completes with: {@code failure} with a release
   * failure added as suppressed, else the release failure, else null.
   */
  private static <R> Throwable release(R resource, Consumer<? super R> release,
      Throwable failure) {
    try {
      release.accept(resource);
      return failure;
    } catch (Throwable releaseFailure) {
      if (failure == null) {
        return releaseFailure;
      }
      Throwable cause = failure instanceof CompletionException && failure.getCause() != null
          ? failure.getCause() : failure;
      if (cause != releaseFailure) {
        cause.addSuppressed(releaseFailure);
      }
      return failure;
    }
  }

  /**
   * The future {@link #run} returns. It settles itself ({@link #settle},
   * {@link #settleExceptionally}) once the wait or the action's stage has ended; completed any
   * other way, it was completed from outside and gives up its wait and any inner scope. It
   * remembers the action's stage to cancel nested scopes.
   */
  private static final class Scope<T> extends HandsOnBeforeBlocking<T> {
    /** {@link #outcome} of a scope that ended with the value null. */
    private static final Object NIL = new Object();
    private static final VarHandle SETTLED;

    static {
      try {
        SETTLED = MethodHandles.lookup().findVarHandle(Scope.class, "settled",
            CompletableFuture.class);
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }

    /** How a scope that failed by itself failed. */
    private record Failed(Throwable failure) {}

    /** The wait this scope cancels while it is pending; null when it was granted at once. */
    private final CompletableFuture<?> acquiring;
    /** The action's stage once it has started; null before. */
    private volatile CompletionStage<?> action;
    /** Set when it was completed from outside, or an enclosing scope was. */
    private volatile boolean givenUp;
    /**
     * How it ended by itself ({@link #NIL} for a null value, a {@link Failed} for a failure);
     * null until then. Written before {@link #settled} is read, as {@link #settledStage} writes
     * that before it reads this, so one of the two completes the stage.
     */
    private volatile Object outcome;
    /** The stage {@link Holding#whenSettled} waits on; made on demand, null until then. */
    private volatile CompletableFuture<T> settled;

    Scope(CompletableFuture<?> acquiring) {
      this.acquiring = acquiring;
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      boolean cancelled = super.cancel(mayInterruptIfRunning);
      if (isCancelled()) {
        giveUp();
      }
      return cancelled;
    }

    @Override
    public boolean complete(T value) {
      boolean completed = super.complete(value);
      if (completed) {
        giveUp();
      }
      return completed;
    }

    @Override
    public boolean completeExceptionally(Throwable ex) {
      boolean completed = super.completeExceptionally(ex);
      if (completed) {
        giveUp();
      }
      return completed;
    }

    /**
     * Runs {@code supplier} on {@code executor} and completes through {@link #complete} or
     * {@link #completeExceptionally}, so that the scope gives up as on any completion from
     * outside: {@code CompletableFuture}'s own completes past them.
     */
    @Override
    public CompletableFuture<T> completeAsync(Supplier<? extends T> supplier, Executor executor) {
      return Waiter.completeAsyncThroughComplete(this, supplier, executor);
    }

    @Override
    public CompletableFuture<T> completeAsync(Supplier<? extends T> supplier) {
      return completeAsync(supplier, defaultExecutor());
    }

    /** Completes with the action's outcome. */
    void settle(T value) {
      ended(value == null ? NIL : value);
      super.complete(value);
    }

    /** Fails with the wait's or the action's failure. */
    void settleExceptionally(Throwable failure) {
      ended(new Failed(failure));
      super.completeExceptionally(failure);
    }

    private void ended(Object how) {
      outcome = how;
      CompletableFuture<T> stage = settled;
      if (stage != null) {
        completeWithOutcome(stage, how);
      }
    }

    /** The stage that completes when this scope ends by itself, as it ended. */
    CompletableFuture<T> settledStage() {
      CompletableFuture<T> stage = settled;
      if (stage == null) {
        stage = new CompletableFuture<>();
        if (!SETTLED.compareAndSet(this, null, stage)) {
          stage = settled;
        }
      }
      Object how = outcome;
      if (how != null) {
        completeWithOutcome(stage, how);
      }
      return stage;
    }

    @SuppressWarnings("unchecked")
    private static <T> void completeWithOutcome(CompletableFuture<T> stage, Object how) {
      if (how instanceof Failed failed) {
        stage.completeExceptionally(failed.failure());
      } else {
        stage.complete(how == NIL ? null : (T) how);
      }
    }

    /**
     * The action has started with {@code stage}; a scope completed from outside before that
     * (while its action was being started) withdraws the waits of its inner scopes now.
     */
    void started(CompletionStage<?> stage) {
      action = stage;
      if (isDone() || givenUp) {
        withdrawInnerWaits();
      }
    }

    /** Completed from outside: withdraws the waits still pending, its own and its inner scopes'. */
    private void giveUp() {
      givenUp = true;
      if (acquiring != null) {
        acquiring.cancel(false);
      }
      withdrawInnerWaits();
    }

    /**
     * Withdraws the wait of the inner scope, if still pending, and so on inwards, without
     * completing the inner scope itself: it ends once its wait has failed or its action has
     * ended, and only then does this scope release, so no resource goes back while an action
     * inside runs.
     */
    private void withdrawInnerWaits() {
      if (action instanceof Scope<?> inner) {
        inner.giveUp();
      }
    }

    /** Refused: it would end the scope unseen, its wait still queued and its action to run. */
    @Override
    public void obtrudeValue(T value) {
      throw obtrudeRefused("obtrudeValue");
    }

    /** Refused: it would end the scope unseen, its wait still queued and its action to run. */
    @Override
    public void obtrudeException(Throwable ex) {
      throw obtrudeRefused("obtrudeException");
    }

    private static UnsupportedOperationException obtrudeRefused(String method) {
      return new UnsupportedOperationException(method + " is not supported on the future of"
          + " withLock or withPermit: it would complete it without withdrawing its wait, whose"
          + " action could then still run. Use complete, completeExceptionally or cancel");
    }

    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
      return new CompletableFuture<>();
    }
  }
}
