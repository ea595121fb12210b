package dev.baton.redis;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One waiting take or put of this JVM on a queue: its id in Redis, the future its caller holds,
 * the Redis time (ms) after which a command for it must do nothing, and, for a put, the item as
 * stored (to send again if Redis forgot it). In its queue's table of calls from the moment its
 * script is sent until it is settled. It is settled once, by one compare-and-set: WAITING to
 * ANSWERED (Redis decided its outcome: an item, a commit, a shutdown) or to WITHDRAWN (its caller
 * gave up, or a command failed); whoever wins removes it from the table and acts. A reply that
 * arrives later undoes what it reports only for a WITHDRAWN call: an ANSWERED one was handed its
 * outcome already, and giving an item back then would deliver it twice.
 *
 * <p>A call is renewed only once a reply said it waits in Redis ({@link #confirm()}): a renewal
 * that overtook the call's first command would find it unknown and send it again, and a put that
 * went straight into the queue is not remembered, so it would be added twice.
 *
 * @param <R> the item for a take, {@code Void} for a put
 */
final class QueueCall<R> {

  final String id;
  /** Withdraws this call first when failed or cancelled (see {@link WithdrawnFirst}). */
  final WithdrawnFirst<R> future = new WithdrawnFirst<>();
  final long notAfter;
  /** For a put: the score and payload sent; null for a take. */
  final String score;
  final String payload;
  volatile ScheduledFuture<?> timer;
  /**
   * Times this call out, as its {@link #timer} does; null without a timeout. Also run when a
   * script reports that Redis ran it after {@link #notAfter}, the caller's deadline: that is its
   * timeout too, which the timer may not have seen yet.
   */
  volatile Runnable timeOut;
  private static final int WAITING = 0;
  private static final int ANSWERED = 1;
  private static final int WITHDRAWN = 2;
  private final AtomicInteger state = new AtomicInteger(WAITING);
  private volatile boolean confirmed;
  private volatile boolean doneInRedis;
  private volatile Throwable putFailure;

  QueueCall(String id, long notAfter, String score, String payload) {
    this.id = id;
    this.notAfter = notAfter;
    this.score = score;
    this.payload = payload;
  }

  boolean isPut() {
    return payload != null;
  }

  /** Settles this call with Redis's answer; false if it was settled already. */
  boolean answer() {
    return state.compareAndSet(WAITING, ANSWERED);
  }

  /**
   * Settles this call as given up; false if it was settled already. Holds this call's monitor,
   * as each write of its PUT or TAKE does (see {@link RedisBackend#runWaiting}), so that one is
   * written before the CANCEL that follows, or not at all.
   */
  synchronized boolean withdraw() {
    return state.compareAndSet(WAITING, WITHDRAWN);
  }

  /** Records that Redis replied this call waits there: from now on, renewals carry it. */
  void confirm() {
    confirmed = true;
  }

  boolean isConfirmed() {
    return confirmed;
  }

  /**
   * Records that a reply said this put is done in Redis (its item queued or handed to a take),
   * whoever settles it: set on the Netty thread, before any later reply on the connection is
   * seen.
   */
  void doneInRedis() {
    doneInRedis = true;
  }

  boolean isDoneInRedis() {
    return doneInRedis;
  }

  /**
   * Records that this put's PUT failed, maybe after Redis ran it (its reply lost with the
   * connection): set on the Netty thread, as {@link #doneInRedis()}.
   */
  void putFailed(Throwable failure) {
    putFailure = failure;
  }

  /** Why this put's PUT failed, or null. */
  Throwable putFailure() {
    return putFailure;
  }

  /** Whether this call is not settled yet. */
  boolean isWaiting() {
    return state.get() == WAITING;
  }

  boolean isWithdrawn() {
    return state.get() == WITHDRAWN;
  }

  void cancelTimer() {
    ScheduledFuture<?> t = timer;
    if (t != null) {
      t.cancel(false);
    }
  }
}
