package dev.baton.redis;

/**
 * A lock, semaphore, event, condition or barrier of a {@link RedisBackend} whose levels can be read
 * without a round trip each: {@link #levels()} answers from the backend's latest snapshot, which is
 * refreshed for every primitive at once, in one pipelined batch, when a read finds it older than
 * the age the backend was given. Meters and dashboards read this; code that acts on a level calls
 * the primitive's own reads, which ask Redis.
 */
public interface RemoteLevels {

  /** This primitive's levels as of the latest snapshot, refreshed first if it is too old. */
  Levels levels();

  /**
   * Levels of a Redis primitive across all JVMs.
   *
   * @param held permits held (a lock: 0 or 1; a condition: its lock's) or, for an event, 1 while
   *     set, for a barrier, 1 while broken
   * @param waiters acquires waiting in Redis; for an event, this JVM's waiters; for a condition,
   *     waits for a signal in every JVM; for a barrier, parties waiting in the current cycle
   * @param known false when Redis has not yet answered a read of this primitive, the other
   *     components then zero and meaningless
   */
  record Levels(int held, int waiters, boolean known) {

    /** What a primitive reads before Redis has first answered a read of it. */
    public static final Levels UNKNOWN = new Levels(0, 0, false);

    /** Levels read from Redis. */
    public Levels(int held, int waiters) {
      this(held, waiters, true);
    }
  }
}
