package dev.baton.spring.observation;

import java.util.Optional;

/**
 * A registry's lock, semaphore, event, condition or barrier whose backend keeps a snapshot of its
 * levels: meters and the {@code baton} endpoint read {@link #sharedLevels()} when present, because
 * the primitive's own reads would each ask the backend. Code that acts on a level calls the
 * primitive's own reads.
 */
public interface SharedLevels {

  /**
   * The levels across every instance sharing the primitive, as of the backend's latest snapshot;
   * empty when the primitive lives in this JVM, whose own reads are exact and cheap.
   */
  Optional<Levels> sharedLevels();

  /** The shared levels of {@code primitive}; empty unless it is a SharedLevels having some. */
  static Optional<Levels> of(Object primitive) {
    return primitive instanceof SharedLevels shared ? shared.sharedLevels() : Optional.empty();
  }

  /**
   * Levels of a shared primitive.
   *
   * @param held permits held (a lock: 0 or 1; a condition: its lock's); for an event, 1 while it
   *     is set; for a barrier, 1 while it is broken
   * @param waiters acquires waiting across every instance; for an event, this instance's waiters;
   *     for a condition, waits for a signal; for a barrier, parties waiting in the current cycle
   * @param known false while the backend has not yet answered a read of the primitive, the other
   *     components then zero and meaningless
   */
  record Levels(int held, int waiters, boolean known) {

    /** Levels the backend answered. */
    public Levels(int held, int waiters) {
      this(held, waiters, true);
    }
  }
}
