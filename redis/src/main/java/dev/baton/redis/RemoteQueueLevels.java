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
   */
  record QueueLevels(int size, int unfinished, int putters, int takers, boolean shutdown) {

    /** What a queue reads before its first snapshot, or when Redis could not be read. */
    public static final QueueLevels UNKNOWN = new QueueLevels(0, 0, 0, 0, false);
  }
}
