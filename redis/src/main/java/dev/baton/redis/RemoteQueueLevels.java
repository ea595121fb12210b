package dev.baton.redis;

/**
 * A queue of a {@link RedisBackend} whose levels can be read without a round trip each, like
 * {@link RemoteLevels}: {@link #queueLevels()} answers from the backend's latest snapshot, which
 * reads every primitive at once when it is older than the age the backend was given.
 */
public interface RemoteQueueLevels {

  /** This queue's levels as of the latest snapshot, refreshed first if it is too old. */
  QueueLevels queueLevels();

  /**
   * Levels of a Redis queue across all JVMs.
   *
   * @param size items queued
   * @param unfinished items put and not yet marked done
   * @param putters puts waiting for room
   * @param takers takes waiting for an item
   * @param shutdown whether the queue was shut down
   * @param known false when Redis has not yet answered a read of this queue, the other
   *     components then zero and meaningless
   */
  record QueueLevels(int size, int unfinished, int putters, int takers, boolean shutdown,
      boolean known) {

    /** What a queue reads before Redis has first answered a read of it. */
    public static final QueueLevels UNKNOWN = new QueueLevels(0, 0, 0, 0, false, false);

    /** Levels read from Redis. */
    public QueueLevels(int size, int unfinished, int putters, int takers, boolean shutdown) {
      this(size, unfinished, putters, takers, shutdown, true);
    }
  }
}
