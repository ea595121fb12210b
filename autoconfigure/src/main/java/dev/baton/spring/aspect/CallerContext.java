package dev.baton.spring.aspect;

import dev.baton.spring.observation.Call;
import dev.baton.spring.observation.CurrentCall;
import io.micrometer.context.ContextRegistry;
import io.micrometer.context.ContextSnapshot;
import io.micrometer.context.ContextSnapshotFactory;
import io.micrometer.context.ThreadLocalAccessor;
import java.util.function.Predicate;
import org.springframework.util.ClassUtils;

/**
 * The context of a call that had to wait, captured on the caller's thread when the wait was found
 * pending, and put in place around the call's body wherever and whenever the wait ends: usually on
 * the thread that released the lock or permit, after the caller has moved on.
 *
 * <p>What it puts in place, for the duration of {@link #proceed} or {@link #run} only:
 * <ul>
 *   <li>the caller's ThreadLocals that have a {@code ThreadLocalAccessor} in the global
 *       {@link ContextRegistry} (Micrometer registers the current Observation, and so the trace
 *       span; applications register their own, such as MDC keys), with the values of the given
 *       context objects (a Reactor {@code ContextView}) taking precedence; a ThreadLocal the
 *       caller did not have is cleared;
 *   <li>no transaction: the transaction state Spring binds to the running thread is suspended, so
 *       the body cannot join or use a transaction of whoever released it;
 *   <li>for Baton's own invocations, the call as {@code ExposeInvocationInterceptor}'s current
 *       invocation, which advice inside Baton's (an {@code @Aspect}) looks up.
 * </ul>
 * The running thread's own values are back when {@code proceed} or {@code run} returns.
 *
 * <p>A caller whose only value is the stall view's {@link Call} ({@link CurrentCall}, the common
 * case with the view on) is treated as having none, but for the call itself: no snapshot is
 * captured, and the call is put in place only if it is not current already, as it is when
 * Baton's grant completes the wait (the grant puts the waiter's call in place around it). The
 * call is always the one current on the caller's thread, the call that waited: a context object
 * whose values win over the thread's (a subscriber's Reactor {@code Context}, into which
 * {@code contextCapture()} copies the subscriber's ThreadLocals) may carry another call, the
 * subscriber's, which does not replace it.
 */
final class CallerContext {

  /** Restores exactly the captured values: a key the caller did not have is cleared. */
  private static final ContextSnapshotFactory SNAPSHOTS =
      ContextSnapshotFactory.builder().clearMissing(true).build();
  private static final boolean TRANSACTIONS = ClassUtils.isPresent(
      "org.springframework.transaction.support.TransactionSynchronizationManager",
      CallerContext.class.getClassLoader());

  /** The keys of every registered ThreadLocal but the stall view's call. */
  private static final Predicate<Object> NOT_THE_CALL = key -> !CurrentCall.KEY.equals(key);
  /**
   * Clears every registered ThreadLocal; set with {@link #NOT_THE_CALL}, every one but the call:
   * what a caller without any other value has put in place.
   */
  private static final ContextSnapshot NO_VALUES = SNAPSHOTS.captureFrom();
  /** The scope of a body whose caller and running thread have no values: nothing to undo. */
  private static final ContextSnapshot.Scope NOTHING_SET = () -> { };

  /**
   * The caller's values at capture; never changes. Null when the caller had none but its call,
   * the common case, so that a body running on a thread without values neither sets nor clears
   * anything.
   */
  private final ContextSnapshot snapshot;
  /**
   * Without a snapshot, the caller's call, or null. With one, null when the snapshot has the
   * caller's call (captured from the thread alone), else the call to put in place over the
   * snapshot's, or null.
   */
  private final Call call;

  private CallerContext(ContextSnapshot snapshot, Call call) {
    this.snapshot = snapshot;
    this.call = call;
  }

  /**
   * Captures the current thread's context; call on the caller's thread.
   *
   * @param contexts context objects whose values win over the thread's, such as the subscriber's
   *     Reactor {@code ContextView}
   */
  static CallerContext capture(Object... contexts) {
    if (contexts.length == 0 && noValuesButTheCall()) {
      return new CallerContext(null, CurrentCall.get());
    }
    return new CallerContext(SNAPSHOTS.captureAll(contexts),
        contexts.length == 0 ? null : CurrentCall.get());
  }

  /**
   * Puts the values of {@code context} (a subscriber's Reactor {@code ContextView}) in place over
   * the running thread's, which the returned scope brings back: for what a subscription does on
   * the subscribing thread, such as starting its wait's observation, a child of the subscriber's.
   */
  static ContextSnapshot.Scope valuesOf(Object context) {
    return SNAPSHOTS.captureAll(context).setThreadLocals();
  }

  /** Proceeds with {@code invocation} in this context. */
  Object proceed(Invocation invocation) throws Throwable {
    try (SuspendedTransaction noTransaction = suspendTransaction();
        ContextSnapshot.Scope restored = setThreadLocals()) {
      return ExposedCall.proceedExposed(invocation);
    }
  }

  /** Runs {@code action} in this context (without exposing an invocation). */
  void run(Runnable action) {
    try (SuspendedTransaction noTransaction = suspendTransaction();
        ContextSnapshot.Scope restored = setThreadLocals()) {
      action.run();
    }
  }

  /** Puts the caller's values in place of the running thread's, which the scope brings back. */
  private ContextSnapshot.Scope setThreadLocals() {
    if (snapshot != null && call == null) {
      return snapshot.setThreadLocals();
    }
    if (snapshot != null) {
      ContextSnapshot.Scope restored = snapshot.setThreadLocals();
      CurrentCall.Scope called = CurrentCall.in(call);
      return () -> {
        called.close();
        restored.close();
      };
    }
    ContextSnapshot.Scope cleared = noValuesButTheCall() ? NOTHING_SET
        : NO_VALUES.setThreadLocals(NOT_THE_CALL);
    if (CurrentCall.get() == call) {
      return cleared;
    }
    CurrentCall.Scope called = CurrentCall.in(call);
    return () -> {
      called.close();
      cleared.close();
    };
  }

  /** Whether no registered ThreadLocal but the call has a value on the current thread. */
  private static boolean noValuesButTheCall() {
    ContextRegistry registry = ContextRegistry.getInstance();
    for (ThreadLocalAccessor<?> accessor : registry.getThreadLocalAccessors()) {
      if (!CurrentCall.KEY.equals(accessor.key()) && accessor.getValue() != null) {
        return false;
      }
    }
    return true;
  }

  /** The running thread's transaction, suspended; null without Spring's transaction support. */
  private static SuspendedTransaction suspendTransaction() {
    return TRANSACTIONS ? SuspendedTransaction.suspend() : null;
  }
}
