package dev.baton.redis;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * This JVM's {@code join()} calls on one queue. A join reads the queue's unfinished count and
 * all-done generation together (after subscribing to the generation channel): none unfinished
 * completes it at once; otherwise any newer generation does, heard on the channel or read by the
 * renewal tick, so a missed message only delays it. A generation heard before the join's read
 * arrives completes it too if it is newer than the one read: it was published after the join
 * began. An older or equal one was published before the read, which is where the join begins: a
 * message handled late must not complete a join that began after new tasks were put.
 *
 * <p>A renewal that reads none unfinished completes only the joins whose reads were recorded
 * before it was sent: those ran in Redis before it. Its reply may be handled after a later
 * join's read, which may have seen tasks put after the renewal read (the generation does not
 * tell: putting a task leaves it as it is, and an idle queue's metadata, generation included, is
 * deleted). A join read later is completed by a newer generation or by the next renewal.
 */
final class QueueJoins {

  /** The generation of a join that has not read the queue yet. */
  private static final long UNREAD = -1;

  /** Waiting joins in arrival order; guarded by this. */
  private final LinkedHashSet<Join> joins = new LinkedHashSet<>();
  /** How many reads were recorded; guarded by this. */
  private long reads;

  synchronized boolean isEmpty() {
    return joins.isEmpty();
  }

  /** A new join, not yet read. */
  CompletableFuture<Void> add(Join join) {
    synchronized (this) {
      joins.add(join);
    }
    join.future.whenComplete((ok, failure) -> {
      synchronized (QueueJoins.this) {
        joins.remove(join);
      }
    });
    return join.future;
  }

  /** {@code join} read {@code unfinished} tasks at generation {@code generation}. */
  void read(Join join, long unfinished, long generation) {
    boolean done;
    synchronized (this) {
      done = unfinished == 0 || join.heard > generation;
      join.generation = generation;
      join.read = ++reads;
    }
    if (done) {
      join.future.complete(null);
    }
  }

  /** How many reads were recorded so far: a renewal sent after this ran after them in Redis. */
  synchronized long reads() {
    return reads;
  }

  /** A generation published on the channel. */
  void heard(long generation) {
    wake(generation, 0, true);
  }

  /**
   * What a renewal read: a newer generation completes the joins that read an older one, and
   * none unfinished completes the first {@code readsBefore} read, recorded before it was sent.
   */
  void reconcile(long unfinished, long generation, long readsBefore) {
    wake(generation, unfinished == 0 ? readsBefore : 0, false);
  }

  private void wake(long generation, long readsBefore, boolean heard) {
    List<Join> woken = new ArrayList<>();
    synchronized (this) {
      for (Iterator<Join> it = joins.iterator(); it.hasNext(); ) {
        Join join = it.next();
        if (join.generation == UNREAD) {
          if (heard) {
            join.heard = Math.max(join.heard, generation);
          }
        } else if (join.generation < generation || join.read <= readsBefore) {
          woken.add(join);
          it.remove();
        }
      }
    }
    woken.forEach(join -> join.future.complete(null));
  }

  /** Fails every waiting join: the backend is closing. */
  void failAll() {
    List<Join> failed;
    synchronized (this) {
      failed = new ArrayList<>(joins);
    }
    failed.forEach(join -> join.future.completeExceptionally(Participant.backendClosed()));
  }

  /** A join of this JVM; fields guarded by its {@link QueueJoins}. */
  static final class Join {
    final CompletableFuture<Void> future = new CompletableFuture<>();
    long generation = UNREAD;
    /** Which read recorded it, counting from 1; 0 until then. */
    long read;
    /** The newest generation heard on the channel before it read its own; 0 if none. */
    long heard;
  }
}
