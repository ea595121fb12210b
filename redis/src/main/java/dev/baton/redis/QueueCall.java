package dev.baton.redis;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;

/**
 * One waiting take or put of this JVM on a queue: its id in Redis, the future its caller holds,
 * the Redis time (ms) after which a command for it must do nothing, and, for a put, the item as
 * stored (to send again if Redis forgot it). In its queue's table of calls from the moment its
 * script is sent until it is settled; whoever removes it from that table settles it.
 *
 * @param <R> the item for a take, {@code Void} for a put
 */
final class QueueCall<R> {

  final String id;
  final CompletableFuture<R> future = new CompletableFuture<>();
  final long notAfter;
  /** For a put: the score and payload sent; null for a take. */
  final String score;
  final String payload;
  volatile ScheduledFuture<?> timer;

  QueueCall(String id, long notAfter, String score, String payload) {
    this.id = id;
    this.notAfter = notAfter;
    this.score = score;
    this.payload = payload;
  }

  boolean isPut() {
    return payload != null;
  }

  void cancelTimer() {
    ScheduledFuture<?> t = timer;
    if (t != null) {
      t.cancel(false);
    }
  }
}
