package dev.baton;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Ends at once the waits pending on a lock, a semaphore or an event, for an owner that shuts down
 * and must not leave its callers waiting until their timeouts (Baton's Spring registry does this
 * as its application closes).
 *
 * <p>Contract of {@code failPending}: every wait pending when it lists them fails with a new
 * failure from {@code failure}, exactly as if its caller had passed that failure to the future's
 * {@link CompletableFuture#completeExceptionally completeExceptionally}: the wait is withdrawn
 * first, so it keeps no place in line and nothing is handed to it; a wait whose grant is decided
 * meanwhile keeps its grant, and its caller releases it as usual. Holders keep what they hold.
 * A wait that starts while {@code failPending} runs, or after, is not failed: an owner that
 * refuses new waits once it shuts down raises its own flag before calling {@code failPending},
 * and checks that flag before each wait and again once a wait is pending, so that every wait is
 * failed by one of the two.
 *
 * <p>Only primitives made by Baton's factories ({@link AsyncLock#create()}, the
 * {@link AsyncCondition#lock()} of {@link AsyncCondition#create()},
 * {@link AsyncSemaphore#create(int)}, {@link AsyncEvent#create()}) are accepted; any other fails
 * with an {@link IllegalArgumentException}. Each wait's withdrawal takes the primitive's guard, as
 * a cancel does; nothing is kept per wait for this, so it costs nothing until it is called.
 */
public final class Withdrawals {

  private Withdrawals() {}

  /**
   * Fails the waits pending on {@code lock} (see the class comment).
   *
   * @return how many waits it failed
   */
  public static int failPending(AsyncLock lock, Supplier<? extends Throwable> failure) {
    if (!(lock instanceof DefaultAsyncLock own)) {
      throw notBatons(lock);
    }
    return own.failPending(checked(failure));
  }

  /**
   * Fails the waits pending on {@code semaphore} (see the class comment).
   *
   * @return how many waits it failed
   */
  public static int failPending(AsyncSemaphore semaphore, Supplier<? extends Throwable> failure) {
    if (!(semaphore instanceof DefaultAsyncSemaphore own)) {
      throw notBatons(semaphore);
    }
    return own.failPending(checked(failure));
  }

  /**
   * Fails the waits pending on {@code event} (see the class comment).
   *
   * @return how many waits it failed
   */
  public static int failPending(AsyncEvent event, Supplier<? extends Throwable> failure) {
    if (!(event instanceof DefaultAsyncEvent own)) {
      throw notBatons(event);
    }
    return own.failPending(checked(failure));
  }

  /** {@code failure}, which must supply a failure for each wait. */
  private static Supplier<Throwable> checked(Supplier<? extends Throwable> failure) {
    Objects.requireNonNull(failure, "failure");
    return () -> Objects.requireNonNull(failure.get(), "failure supplied null");
  }

  private static IllegalArgumentException notBatons(Object primitive) {
    return new IllegalArgumentException("not a primitive made by Baton's factories: "
        + Objects.requireNonNull(primitive, "primitive").getClass().getName());
  }
}
