package dev.baton;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * The {@link AsyncCondition} of the {@code AsyncCondition} factories.
 *
 * <p>Implementation overview. A wait has two phases: waiting for a signal in {@link #waiters},
 * then, once a signal has unlinked it, waiting for the lock through an ordinary
 * {@code lock().acquire()} (a {@link Reacquire}, so re-acquiring is as fair as any acquire). The
 * future handed out is a {@link SignalWaiter}, granted the new permit when the re-acquire
 * completes. A withdrawal in the first phase just unlinks it. In the second, under the same
 * guard, the signal and the re-acquire's place in the lock queue pass to the next waiter for a
 * signal, or, if none waits, the re-acquire is abandoned (cancelled, or its permit released).
 * Once the new permit is granted, the wait is over: a cancel that reaches it before its delivery
 * loses, as on every {@link Waiter}, and the caller holds the lock.
 *
 * <p>A {@link SignalWaiter} is a {@link SignalledWait}: its action, kept under the guard, is taken
 * under the guard by the step that signals the waiter (a signal, or a withdrawal handing its
 * signal on), and run by that step once it has released the guard (and, for a signal, started
 * the re-acquires); so exactly one of that step and {@link SignalWaiter#whenSignalled} runs it.
 */
final class DefaultAsyncCondition implements AsyncCondition {

  /** {@link SignalWaiter#onSignalled} once its action has been taken to run, or has run. */
  private static final Runnable RAN = () -> { };

  private final AsyncLock lock;
  /** Guards {@link #waiters}. */
  private final ReentrantLock guard = new ReentrantLock();
  /** Waits not yet signalled, oldest first. */
  private final WaitQueue<SignalWaiter> waiters = new WaitQueue<>(guard);

  DefaultAsyncCondition(AsyncLock lock) {
    this.lock = Objects.requireNonNull(lock, "lock");
  }

  @Override
  public AsyncLock lock() {
    return lock;
  }

  @Override
  public CompletableFuture<Permit> await(Permit held) {
    checkHeld(held);
    return enqueueAndRelease(held, Timeouts.NEVER);
  }

  @Override
  public CompletableFuture<Permit> await(Permit held, Duration timeout) {
    checkHeld(held);
    Objects.requireNonNull(timeout, "timeout");
    if (!Timeouts.isPositive(timeout)) {
      try {
        held.release();
      } catch (IllegalStateException releasedMeanwhile) {
        throw releasedBySomeoneElse(held, releasedMeanwhile);
      }
      return CompletableFuture.failedFuture(
          new AcquireTimeoutException("condition signal", timeout));
    }
    return enqueueAndRelease(held, timeout);
  }

  @Override
  public CompletableFuture<Permit> awaitUntil(BooleanSupplier predicate, Permit held) {
    Objects.requireNonNull(predicate, "predicate");
    checkHeld(held);
    PredicateWait wait = new PredicateWait(predicate);
    wait.check(held, false);
    return wait;
  }

  @Override
  public void signal() {
    signal(1);
  }

  @Override
  public void signal(int n) {
    Arguments.requirePositive(n, "n");
    requireLocked("signal");
    wake(n);
  }

  @Override
  public void signalAll() {
    requireLocked("signalAll");
    wake(Integer.MAX_VALUE);
  }

  @Override
  public int waiters() {
    return waiters.size();
  }

  @Override
  public String toString() {
    return "AsyncCondition[waiters=" + waiters() + ", lock=" + lock + "]";
  }

  private void checkHeld(Permit held) {
    Objects.requireNonNull(held, "held");
    if (held.isReleased()) {
      throw new IllegalArgumentException(
          "held permit " + held.token() + " was already released: pass the permit you hold now,"
              + " such as the one the last acquire or await completed with");
    }
    if (lock instanceof DefaultAsyncLock own && !own.holds(held)) {
      throw new IllegalArgumentException(
          "held permit " + held + " is not a permit of this condition's lock: acquire"
              + " condition.lock() (or condition.acquire()) and pass that permit");
    }
  }

  private void requireLocked(String operation) {
    if (!lock.isLocked()) {
      throw new IllegalStateException(
          operation + "() requires the condition's lock to be held: acquire it first"
              + " (condition.acquire()) and release it after signalling");
    }
  }

  private CompletableFuture<Permit> enqueueAndRelease(Permit held, Duration timeout) {
    SignalWaiter w = new SignalWaiter(timeout);
    guard.lock();
    try {
      waiters.add(w);
    } finally {
      guard.unlock();
    }
    try {
      held.release();
    } catch (IllegalStateException releasedMeanwhile) {
      // Someone else released held after checkHeld: take the waiter back, passing on any
      // signal it already took, so it cannot swallow a signal or re-acquire the lock for nobody.
      // If it was already signalled and granted the lock again (the lock went free, a signal
      // came and the re-acquire won before this release failed), that grant is final: pass its
      // signal on while holding the lock, then let the lock go.
      if (!w.withdraw(false)) {
        w.thenAccept(regranted -> {
          wake(1);
          regranted.release();
        });
      }
      throw releasedBySomeoneElse(held, releasedMeanwhile);
    }
    return w.armTimeout();
  }

  /** The failure of an await whose {@code held} permit another holder released after the check. */
  private static IllegalArgumentException releasedBySomeoneElse(Permit held,
      IllegalStateException releasedMeanwhile) {
    return new IllegalArgumentException("held permit " + held.token() + " was released by"
        + " someone else while await was releasing it: a permit must have one owner",
        releasedMeanwhile);
  }

  /**
   * Unlinks up to {@code n} waiters and starts their re-acquires, then runs their
   * {@linkplain SignalWaiter#whenSignalled actions}.
   */
  private void wake(int n) {
    List<Reacquire> woken = new ArrayList<>();
    List<Runnable> actions = null;
    guard.lock();
    try {
      SignalWaiter w;
      while (woken.size() < n && (w = waiters.poll()) != null) {
        woken.add(w.signalled());
        Runnable action = w.takeSignalledAction();
        if (action != null) {
          if (actions == null) {
            actions = new ArrayList<>();
          }
          actions.add(action);
        }
      }
    } finally {
      guard.unlock();
    }
    woken.forEach(Reacquire::start);
    if (actions != null) {
      actions.forEach(Grants::run);
    }
  }

  /** A wait for a signal and then for the lock; completes with the new permit. */
  private final class SignalWaiter extends Waiter<Permit> implements SignalledWait {
    /** The lock acquire this waiter owns once signalled; null before. Guarded by the guard. */
    private Reacquire reacquire;
    /**
     * The {@link #whenSignalled} action until the step that signals this waiter takes it, then
     * {@link #RAN} (also when given once signalled, and run at once); null while none was given.
     * Guarded by the guard.
     */
    private Runnable onSignalled;

    SignalWaiter(Duration timeout) {
      super(waiters, timeout, "condition signal");
    }

    /** Second phase: a signal unlinked this waiter. Holds the guard. */
    Reacquire signalled() {
      reacquire = new Reacquire(this);
      return reacquire;
    }

    @Override
    public void whenSignalled(Runnable action) {
      Objects.requireNonNull(action, "action");
      boolean signalled;
      guard.lock();
      try {
        if (onSignalled != null) {
          throw new IllegalStateException("this wait already has an action to run when"
              + " signalled: a wait runs one");
        }
        signalled = reacquire != null;
        onSignalled = signalled ? RAN : action;
      } finally {
        guard.unlock();
      }
      if (signalled) {
        action.run();
      }
    }

    /**
     * Holds the guard, just signalled: the action to run for it, if one was given, for the
     * signalling step to run once it has released the guard; else null.
     */
    Runnable takeSignalledAction() {
      Runnable action = onSignalled;
      if (action == null || action == RAN) {
        return null;
      }
      onSignalled = RAN;
      return action;
    }

    /**
     * Withdraws in either phase. Once signalled, the signal and the place in the lock's queue
     * pass, in the same guarded step, to the next waiter (as asyncio's cancelled waiter notifies
     * another before letting go of the lock), so nobody can barge in between and no later
     * arrival can receive it. With nobody waiting the re-acquire is abandoned.
     */
    @Override
    boolean withdraw(boolean byTimeout) {
      Reacquire abandoned;
      Runnable heirsAction = null;
      guard.lock();
      try {
        if (waiters.withdraw(this, byTimeout)) {
          return true;
        }
        if (!markWithdrawn(byTimeout)) {
          return false;
        }
        SignalWaiter heir = waiters.poll();
        if (heir != null) {
          heir.reacquire = reacquire.handTo(heir);
          heirsAction = heir.takeSignalledAction();
          return true;
        }
        abandoned = reacquire.abandon();
      } finally {
        guard.unlock();
        if (heirsAction != null) {
          Grants.run(heirsAction); // a withdrawal by timeout runs on the expiry thread
        }
      }
      abandoned.cancelAcquire();
      return true;
    }
  }

  /**
   * The lock acquire started by a signal, granted to whichever waiter owns it when the lock
   * arrives: the signalled waiter, or the heir it handed its place to when withdrawn.
   */
  private final class Reacquire {
    /** Who receives the permit; guarded by the guard. */
    private SignalWaiter owner;
    /** Set, under the guard, when the owner withdrew and nobody took over. */
    private volatile boolean abandoned;
    /** The lock acquire; null until started. */
    private volatile CompletableFuture<Permit> acquiring;

    Reacquire(SignalWaiter owner) {
      this.owner = owner;
    }

    Reacquire handTo(SignalWaiter heir) {
      owner = heir;
      return this;
    }

    Reacquire abandon() {
      abandoned = true;
      return this;
    }

    /** Queues for the lock; called without the guard, since the lock may grant at once. */
    void start() {
      CompletableFuture<Permit> f = lock.acquire();
      acquiring = f;
      f.whenComplete(this::acquired);
      if (abandoned) {
        f.cancel(false);
      }
    }

    void cancelAcquire() {
      CompletableFuture<Permit> f = acquiring;
      if (f != null) {
        f.cancel(false);
      }
    }

    private void acquired(Permit permit, Throwable failure) {
      if (permit == null && abandoned) {
        return; // cancelled: abandoned, nobody to grant
      }
      // A lock given to create(lock) may fail an acquire: then the owner fails with its cause.
      Throwable cause = failure instanceof CompletionException e && e.getCause() != null
          ? e.getCause() : failure;
      SignalWaiter decided = null;
      guard.lock();
      try {
        if (!abandoned && (permit != null ? owner.grant(permit) : owner.fail(cause))) {
          decided = owner;
        }
      } finally {
        guard.unlock();
      }
      if (decided != null) {
        Grants.deliver(decided);
      } else if (permit != null) {
        permit.release();
      }
    }
  }

  /** {@code awaitUntil}: waits round after round until the predicate holds. */
  private final class PredicateWait extends Waiter<Permit> {
    private final BooleanSupplier predicate;
    /** The current round's wait; null before the first. */
    private volatile CompletableFuture<Permit> round;

    PredicateWait(BooleanSupplier predicate) {
      super(null);
      this.predicate = predicate;
    }

    @Override
    boolean withdraw(boolean byTimeout) {
      if (!markWithdrawn(byTimeout)) {
        return false;
      }
      CompletableFuture<Permit> r = round;
      if (r != null) {
        r.cancel(false);
      }
      return true;
    }

    /**
     * Evaluates the predicate holding {@code held}; finishes, or waits another round. A round
     * whose wait is granted before this call could register a callback on it (its release
     * handed the lock round to its own re-acquire) runs in this loop, not nested in that
     * callback, so that any number of rounds runs in constant stack.
     *
     * @param signalled whether a signal woke this round; if this wait ends without being granted,
     *     that signal passes to the next waiter while the lock is still held, as a withdrawn
     *     {@code await} does
     */
    void check(Permit held, boolean signalled) {
      for (;;) {
        boolean satisfied;
        try {
          satisfied = predicate.getAsBoolean();
        } catch (Throwable t) {
          passOn(signalled);
          held.release();
          settleExceptionally(t);
          return;
        }
        if (satisfied && grant(held)) {
          Grants.deliver(this);
          return;
        }
        if (satisfied || !isWaiting()) {
          passOn(signalled);
          held.release();
          return;
        }
        CompletableFuture<Permit> r = await(held);
        round = r;
        if (!isWaiting()) {
          r.cancel(false);
        }
        if (!r.isDone() || r.isCompletedExceptionally()) {
          r.whenComplete((permit, failure) -> {
            if (failure != null) {
              settleExceptionally(failure);
            } else {
              check(permit, true);
            }
          });
          return;
        }
        held = r.getNow(null);
        signalled = true;
      }
    }

    private void passOn(boolean signalled) {
      if (signalled) {
        wake(1);
      }
    }
  }
}
