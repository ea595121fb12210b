package dev.baton.redis;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;

/**
 * A primitive of a {@link RedisBackend} with calls of this JVM pending in Redis (waiters, takers,
 * parties), which the renewal tick asks to renew them and to reconcile what pub/sub may have
 * missed. Registered once with {@link RedisBackend#participate(Participant)}.
 */
interface Participant {

  /**
   * Renews this primitive's pending calls for a lease, sent at Redis time {@code sentAt} (ms);
   * the future gives how soon (ms) Redis wants another tick, or -1 for the regular one, and
   * fails if Redis did not answer (the tick then asks for the regular one). Does nothing, and
   * completes at once with -1, when nothing is pending.
   */
  CompletableFuture<Long> renew(long sentAt);

  /**
   * The backend is closing: fails this JVM's pending calls with a cancellation, which withdraws
   * them from Redis. A call registered after this fails itself, unsent (see
   * {@link RedisBackend#sendWait} and {@link RedisBackend#failIfClosing}). Does nothing by
   * default.
   */
  default void closing() {
  }

  /** What a pending call of this JVM fails with when its backend closes. */
  static CancellationException backendClosed() {
    return new CancellationException("the Redis backend was closed");
  }
}
