package dev.baton;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * A flag that tasks can wait for: Python's {@code asyncio.Event}.
 *
 * <p>{@link #set()} wakes every current waiter, and waits on a set event complete at once, until
 * {@link #clear()}. A wake-up, once delivered by {@code set}, is never taken back by a later
 * {@code clear}.
 *
 * <p>Guarantees, in the words defined in the {@linkplain dev.baton package documentation}:
 * non-blocking; fair, FIFO (waiters are completed in the order they started waiting); granted
 * on the caller's thread; prompt cancellation; timeouts; memory consistency effects (actions
 * before {@code set} happen-before the completion of every wait it ends). Reading or waiting on a
 * set event is a single volatile read.
 */
public interface AsyncEvent {

  /** Creates an event that is not set. */
  static AsyncEvent create() {
    return new DefaultAsyncEvent();
  }

  /** Sets the event and completes every waiting future. Does nothing if already set. */
  void set();

  /** Clears the event, so later waits wait for the next {@link #set()}. */
  void clear();

  /** Whether the event is set. */
  boolean isSet();

  /** A future completed once the event is set: at once if it is set now. */
  CompletableFuture<Void> await();

  /**
   * Waits for the event, failing with {@link AcquireTimeoutException} if it is not set within
   * {@code timeout}. A zero or negative timeout means "only if set now".
   */
  CompletableFuture<Void> await(Duration timeout);

  /** The number of futures waiting for the event. */
  int waiters();
}
