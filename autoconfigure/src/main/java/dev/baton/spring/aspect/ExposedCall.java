package dev.baton.spring.aspect;

/**
 * An {@link Invocation} of Baton's own that can proceed as {@code ExposeInvocationInterceptor}'s
 * current invocation: for a call that runs away from its caller's thread, or after its proxy has
 * returned, where the invocation exposed is another call's or none. Advice inside Baton's that
 * looks up its join point (an application's {@code @Aspect}, at its default order) then finds
 * this call's.
 */
interface ExposedCall extends Invocation {

  /** Runs the call, as {@link #proceed} does, with it exposed. */
  Object proceedExposed() throws Throwable;

  /** Runs {@code invocation}, exposed if it is one of Baton's own. */
  static Object proceedExposed(Invocation invocation) throws Throwable {
    return invocation instanceof ExposedCall call ? call.proceedExposed() : invocation.proceed();
  }
}
