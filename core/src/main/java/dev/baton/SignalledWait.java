package dev.baton;

/**
 * What the future of an {@link AsyncCondition#await(Permit)} or
 * {@link AsyncCondition#await(Permit, java.time.Duration)} of {@link AsyncCondition#create()} also
 * is: a wait that can say when it was signalled, that is when it stopped waiting for a signal
 * and began waiting for the condition's lock. For tools that watch waits, such as a stall view,
 * which must tell a waiter that any signal may free from one held up by the lock's holder.
 */
public interface SignalledWait {

  /**
   * Runs {@code action} once, when this wait is signalled (or handed the signal of a waiter that
   * withdrew), on the signalling thread after the condition's own guard is released (for a signal
   * handed on by a wait that timed out, on one of Baton's completer threads); at once if
   * it was signalled already, even if it has ended since; never if it ends before any signal. It
   * may run after the lock has been granted to the wait. Keep it short: it must not block or
   * throw.
   *
   * @throws IllegalStateException if an action was given already: a wait runs one
   */
  void whenSignalled(Runnable action);
}
