package dev.baton.spring.observation;

import java.util.Optional;

/**
 * A registry's queue whose backend keeps a snapshot of its levels, read by meters and the
 * {@code baton} endpoint in place of the queue's own reads, as {@link SharedLevels} is for locks.
 */
public interface SharedQueueLevels {

  /**
   * The levels across every instance sharing the queue, as of the backend's latest snapshot;
   * empty when the queue lives in this JVM.
   */
  Optional<QueueLevels> sharedQueueLevels();

  /** The shared levels of {@code queue}; empty unless it is a SharedQueueLevels having some. */
  static Optional<QueueLevels> of(Object queue) {
    return queue instanceof SharedQueueLevels shared ? shared.sharedQueueLevels()
        : Optional.empty();
  }

  /**
   * Levels of a shared queue.
   *
   * @param size items queued
   * @param unfinished items put and not yet marked done
   * @param putters puts waiting for room
   * @param takers takes waiting for an item
   * @param shutdown whether the queue was shut down
   * @param known false while the backend has not yet answered a read of the queue, the other
   *     components then zero and meaningless
   */
  record QueueLevels(int size, int unfinished, int putters, int takers, boolean shutdown,
      boolean known) {

    /** Levels the backend answered. */
    public QueueLevels(int size, int unfinished, int putters, int takers, boolean shutdown) {
      this(size, unfinished, putters, takers, shutdown, true);
    }
  }
}
