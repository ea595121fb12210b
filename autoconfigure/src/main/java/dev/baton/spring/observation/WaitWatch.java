package dev.baton.spring.observation;

import java.time.Duration;

/**
 * What watches the requests, holds and pending waits of a registry's locks and semaphores: the
 * stall view, when it is on. Called on the requesting, granting, releasing or timing-out thread:
 * fast, and must not block.
 */
public interface WaitWatch {

  /**
   * {@code call} is about to ask for the lock or semaphore at {@code site}, whose live holds are
   * {@code holds}; called before anything is acquired, whether or not it will have to wait.
   *
   * @param orderedKey the key, for a key of a per-key family that declares an ascending key order
   *     ({@code Comparable}); else null. Compared, never shown.
   * @return null to go ahead, or the failure to refuse the request with
   */
  RuntimeException requesting(Call call, WaitSite site, LiveHolds holds, Object orderedKey);

  /**
   * {@code hold} was granted (it names its site, key order and live holds, itself among them until
   * it ends); its call may be unknown. When its taker was given a permit the view does not reach,
   * a front of the hold, the hold keeps that permit until it is handed to a leak watch
   * ({@link Hold#watchTaker}); once only the taker reaches it, its being unreachable while the
   * hold lasts means nobody can release the hold any more.
   */
  void held(Hold hold);

  /** {@code hold} ended. */
  void released(Hold hold);

  /**
   * A wait was left pending and is about to be handed out.
   *
   * @return null to let it wait, or the failure to end it with at once
   */
  RuntimeException pending(PendingWait wait);

  /** The wait has been granted, has failed or was withdrawn. */
  void settled(PendingWait wait);

  /**
   * The wait timed out after {@code timeout}: what held it up when it expired (its holders, what
   * they wait for in turn), never a key; null if nothing is known. Called just after
   * {@link #settled}, on the thread that fails the wait, some time after its timeout withdrew it:
   * a hold begun since then held nothing up.
   */
  String blockers(PendingWait wait, Duration timeout);

  /**
   * Whether other instances share the primitives watched (a shared backend, such as Redis), so
   * that holds seen here are not all of them: their holds then note when they end, so that
   * {@link #blockers} never takes a hold that ended after the expiry for none at all.
   */
  boolean shared();
}
