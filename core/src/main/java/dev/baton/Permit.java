package dev.baton;

/**
 * Proof of holding a lock or one semaphore permit, handed out by a granted acquire.
 *
 * <p>A permit releases exactly once. A second {@link #release()} throws
 * {@link IllegalStateException}; {@link #close()} releases unless already released, so a permit
 * is safe in try-with-resources and in cleanup code that may run twice. A released (stale) permit
 * never affects a later holder. Permits are not tied to a thread: any thread may release one.
 *
 * <p>{@link #token()} is a fencing token: it strictly increases across the grants of one
 * primitive, so a resource guarded by the primitive can reject writes carrying an older token
 * than one it has already seen.
 */
public interface Permit extends AutoCloseable {

  /**
   * Gives the lock or permit back, granting it to the next waiter if any.
   *
   * @throws IllegalStateException if this permit was already released
   */
  void release();

  /** Whether this permit no longer holds anything. */
  boolean isReleased();

  /** The fencing token of this grant: larger than that of every earlier grant of the primitive. */
  long token();

  /**
   * Releases this permit unless it is already released; never throws. A close that runs while
   * another thread releases the same permit returns at once, possibly before that release has
   * passed the permit on: the permit is given back once, by the other thread.
   */
  @Override
  void close();
}
