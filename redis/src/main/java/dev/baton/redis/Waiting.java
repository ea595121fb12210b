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
 */
final class Waiting {

  final String id;
  final RemotePermits owner;
  final CompletableFuture<Permit> future = new CompletableFuture<>();
  final long notAfter;
  volatile ScheduledFuture<?> timer;

  Waiting(String id, RemotePermits owner, long notAfter) {
    this.id = id;
    this.owner = owner;
    this.notAfter = notAfter;
  }

  void cancelTimer() {
    ScheduledFuture<?> t = timer;
    if (t != null) {
      t.cancel(false);
    }
  }
}
