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

  /** Runs the call (the advice inside the calling aspect, then the method) and returns its result. */
  Object proceed() throws Throwable;

  /**
   * An invocation of the same call, with the same arguments, that has not run and runs
   * independently of this one. Copy before this invocation proceeds. The default returns this
   * invocation, which suits one that is a plain function and can run any number of times.
   */
  default Invocation copy() {
    return this;
  }
}
