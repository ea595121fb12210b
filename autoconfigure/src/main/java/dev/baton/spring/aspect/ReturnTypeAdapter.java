package dev.baton.spring.aspect;

/**
 * How Baton's aspects wait around methods of some return types. The aspects ask the adapters in
 * order and use the first whose {@link #canHandle} accepts the method's declared return type;
 * {@link BlockingAdapter} accepts everything and comes last, except a clearly asynchronous type
 * (a {@code Future}, {@code CompletionStage} or publisher other than those Baton adapts), which
 * fails start-up instead (see {@link ReturnTypeAdapters}). Register a bean of this type to
 * support another asynchronous type; it is asked before the blocking fallback. The value
 * {@link #around} returns must be of the method's declared return type; for a Kotlin
 * {@code suspend} function, which adapters are asked about as {@code Mono} (or {@code Flux} for a
 * {@code Flow}), it is that publisher, which Spring's proxy awaits in the calling coroutine.
 */
public interface ReturnTypeAdapter {

  /** Whether this adapter handles methods declaring {@code returnType}. */
  boolean canHandle(Class<?> returnType);

  /**
   * Runs {@code invocation} after {@code gate}'s wait and exits the gate once the invocation's
   * result has completed. The method body must not run if the wait fails. A result that runs the
   * call once per subscription proceeds a fresh {@link Invocation#copy} each time; a call that
   * runs away from its caller's thread after a wait proceeds through
   * {@link Invocation#inCallerContext}, taken when the wait was found pending.
   */
  <R> Object around(Gate<R> gate, Invocation invocation) throws Throwable;

  /** Runs {@code invocation} and then {@code action} once its result completes normally. */
  Object afterSuccess(Invocation invocation, Runnable action) throws Throwable;
}
