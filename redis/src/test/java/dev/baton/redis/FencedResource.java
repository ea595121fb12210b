package dev.baton.redis;

/**
 * A resource guarded by fencing tokens, as README's "A lease is not mutual exclusion" asks: it
 * accepts a write only with a token no older than the newest it has seen.
 */
final class FencedResource {

  private long newest = Long.MIN_VALUE;

  /** Whether the write with {@code token} is accepted: false for a stale (older) token. */
  synchronized boolean write(long token) {
    if (token < newest) {
      return false;
    }
    newest = token;
    return true;
  }
}
