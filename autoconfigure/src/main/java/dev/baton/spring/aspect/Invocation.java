package dev.baton.spring.aspect;

/**
 * One intercepted call, as a {@link ReturnTypeAdapter} runs it: {@link #proceed} runs the advice
 * inside the calling aspect and then the method.
 *
 * <p>An invocation runs at most once. An adapter whose result runs the call again for every
 * subscription (a {@code Mono} or {@code Flux} subscribed twice, retried or repeated) takes a
 * {@link #copy} before anything proceeds, keeps it unrun, and proceeds a fresh copy of it per
 * subscription: every run then goes through every inner advice ({@code @Guarded},
 * {@code @Transactional}), and runs may overlap. Baton's aspects pass invocations that report a
 * second {@code proceed}, or a {@code copy} taken after {@code proceed}, with
 * {@link IllegalStateException}.
 */
@FunctionalInterface
public interface Invocation {

  /** Runs the call (the advice inside the calling aspect, then the method); returns its result. */
  Object proceed() throws Throwable;

  /**
   * An invocation of the same call, with the same arguments, that has not run and runs
   * independently of this one. Copy before this invocation proceeds. The default returns this
   * invocation, which suits one that is a plain function and can run any number of times.
   */
  default Invocation copy() {
    return this;
  }

  /**
   * This call, to be run away from its caller: call it on the caller's thread when the wait in
   * front of the call is found pending (not when it was granted at once: the call then runs
   * inline, in the caller's context already). It captures the caller's context now, and the
   * returned invocation proceeds with it in place, wherever and whenever it runs: the caller's
   * ThreadLocals that have a {@code ThreadLocalAccessor} in Micrometer's global
   * {@code ContextRegistry} (others are cleared for the run), no transaction bound to the running
   * thread, and (for Baton's own invocations) this call as {@code ExposeInvocationInterceptor}'s
   * current invocation. The running thread's own context is back when it returns.
   *
   * @param contexts context objects with a registered {@code ContextAccessor} whose values win
   *     over the caller's ThreadLocals, such as the subscriber's Reactor {@code ContextView}
   */
  default Invocation inCallerContext(Object... contexts) {
    CallerContext context = CallerContext.capture(contexts);
    return () -> context.proceed(this);
  }
}
