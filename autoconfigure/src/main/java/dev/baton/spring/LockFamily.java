package dev.baton.spring;

/**
 * A family of per-key locks ({@link PrimitiveRegistry#lock(String, Object)}), seen as a whole:
 * its keys are never exposed, since they often carry user data.
 */
public interface LockFamily {

  /** How many keys have a lock now: held or waited for. */
  int activeKeys();
}
