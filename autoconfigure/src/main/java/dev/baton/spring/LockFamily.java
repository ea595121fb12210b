package dev.baton.spring;

import dev.baton.AsyncLock;
import dev.baton.spring.observation.Hold;
import dev.baton.spring.observation.HoldTracking;
import java.util.Map;
import java.util.Optional;

/**
 * A family of per-key locks ({@link PrimitiveRegistry#lock(String, Object)}), seen as a whole.
 * Counts are snapshots, kept as keys change: reading one costs the same however many keys are
 * active, so gauges may read them at every scrape. Only {@link #locksByKey()} reveals keys, which
 * often carry user data, and it alone walks them.
 */
public interface LockFamily {

  /** How many keys have a lock now: held or waited for. */
  int activeKeys();

  /** How many keys' locks are held now. */
  int heldKeys();

  /** Acquires waiting, over all keys. */
  int waiters();

  /** The longest-lasting hold over all keys, if any lock is held. */
  Optional<Hold> oldestHold();

  /**
   * A snapshot of the live keys and their locks (each also a {@link HoldTracking}). Keys are
   * often user data such as account ids: do not expose them without the owner's consent.
   */
  Map<Object, AsyncLock> locksByKey();
}
