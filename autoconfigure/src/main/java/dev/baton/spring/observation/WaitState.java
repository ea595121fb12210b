package dev.baton.spring.observation;

import java.util.concurrent.CompletableFuture;

/**
 * The one field that is a {@link PendingWait}'s whole state, as every kind of wait reads it: null
 * until the waiter is handed its future, then that future, failing which withdraws the wait; from
 * the wait's end on, anything but a future: {@link #ENDED}, or what a wait that became a hold
 * keeps there next. So an ended wait keeps nothing its waiter was given, and a wait costs no flag.
 */
final class WaitState {

  /** What the field holds once the wait has ended, unless it became a hold that keeps more. */
  static final Object ENDED = new Object();

  private WaitState() {
  }

  /** Whether a wait whose field holds {@code state} still waits. */
  static boolean waiting(Object state) {
    return state == null || state instanceof CompletableFuture;
  }

  /**
   * Fails the future a wait whose field holds {@code state} handed out, if it still waits and
   * has handed one out.
   *
   * @return whether this ended the wait
   */
  static boolean fail(Object state, Throwable failure) {
    return state instanceof CompletableFuture<?> handed && handed.completeExceptionally(failure);
  }
}
