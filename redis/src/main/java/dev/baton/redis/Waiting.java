package dev.baton.redis;

import dev.baton.Permit;
import java.util.concurrent.ScheduledFuture;

/**
 * One pending acquire of this JVM: its id in Redis, the future its caller holds, and the Redis
 * time (ms) after which a command for it must do nothing. In {@link RedisBackend}'s table of
 * waiters from the moment its ACQUIRE is sent until a grant is delivered or it is withdrawn;
 * whoever removes it from that table settles it. A condition's wait is one too, kept in the
 * {@link RedisCondition}'s own tables instead.
 *
 * <p>It is renewed only once a reply said it waits in Redis ({@link #confirm()}): a renewal sent
 * before its ACQUIRE would hear that Redis does not know it, and that stale answer, read after
 * the ACQUIRE's grant, would mark the fresh permit lost (or send a second ACQUIRE that, arriving
 * after the permit's release, would be granted a permit nobody holds).
 */
final class Waiting {

  final String id;
  final RemotePermits owner;
  /** Withdraws this acquire first when failed or cancelled (see {@link WithdrawnFirst}). */
  final WithdrawnFirst<Permit> future = new WithdrawnFirst<>();
  final long notAfter;
  volatile ScheduledFuture<?> timer;
  /**
   * Times this wait out, as its {@link #timer} does; null without a timeout. Also run when a
   * script reports that Redis ran it after {@link #notAfter}, the caller's deadline: that is its
   * timeout too, which the timer may not have seen yet.
   */
  volatile Runnable timeOut;
  /**
   * Set, before its CANCEL is sent, once this acquire left the table of waiters other than by a
   * grant (withdrawn, failed, timed out): a reply to its ACQUIRE handled after that sends the
   * CANCEL again. An ACQUIRE is written only while the acquire is in the table, holding its
   * monitor as its withdrawal does (see {@link RedisBackend#runWaiting}), so it runs before the
   * CANCEL; the second CANCEL is a guard that undoes anything it left queued or granted.
   */
  volatile boolean withdrawn;
  private volatile boolean confirmed;

  Waiting(String id, RemotePermits owner, long notAfter) {
    this.id = id;
    this.owner = owner;
    this.notAfter = notAfter;
  }

  /** Records that Redis replied this acquire waits there: from now on, renewals carry it. */
  void confirm() {
    confirmed = true;
  }

  /** Records that its ACQUIRE is being sent (again): renewals leave it until Redis confirms. */
  void unconfirm() {
    confirmed = false;
  }

  boolean confirmed() {
    return confirmed;
  }

  void cancelTimer() {
    ScheduledFuture<?> t = timer;
    if (t != null) {
      t.cancel(false);
    }
  }
}
