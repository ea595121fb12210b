package dev.baton.redis;

import dev.baton.Permit;
import java.util.concurrent.CompletableFuture;
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
  /**
   * Completed exceptionally or cancelled by its caller, it first runs {@link #onGiveUp}, so that
   * a count read by the failure's callbacks no longer includes this acquire.
   */
  final CompletableFuture<Permit> future = new CompletableFuture<>() {
    @Override
    public boolean completeExceptionally(Throwable failure) {
      giveUp();
      return super.completeExceptionally(failure);
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      giveUp();
      return super.cancel(mayInterruptIfRunning);
    }

    private void giveUp() {
      Runnable r = onGiveUp;
      if (r != null && !isDone()) {
        r.run();
      }
    }
  };
  /** Withdraws this acquire when its caller gives up; set once it is registered. */
  volatile Runnable onGiveUp;
  final long notAfter;
  volatile ScheduledFuture<?> timer;
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
