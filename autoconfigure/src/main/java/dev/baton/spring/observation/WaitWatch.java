package dev.baton.spring.observation;

/**
 * What watches the pending waits of a registry's locks and semaphores: the stall view, when it
 * is on. Called on the waiting or the timing-out thread: fast, and must not block.
 */
public interface WaitWatch {

  /**
   * A wait was left pending and is about to be handed out.
   *
   * @return null to let it wait, or the failure to end it with at once
   */
  RuntimeException pending(PendingWait wait);

  /** The wait has been granted, has failed or was withdrawn. */
  void settled(PendingWait wait);

  /**
   * The wait timed out: what held it up (its holders, what they wait for in turn), never a key;
   * null if nothing is known. Called just after {@link #settled}.
   */
  String blockers(PendingWait wait);
}
