package dev.baton;

import java.time.Duration;

/**
 * A timed wait expired before it was granted. The waiter was withdrawn first: it holds nothing
 * and counts as a waiter nowhere.
 *
 * <p>A primitive of a registry says which one timed out: its kind and name, as in
 * {@code "timed out after PT5S waiting for lock 'ledger'"}. A primitive made directly, with no
 * name, says what its wait was for, as in {@code "timed out after PT5S waiting for lock"}.
 */
public class AcquireTimeoutException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** The kind of primitive, or what the wait was for; never null. */
  private final String primitive;
  /** The primitive's name, or null when it has none. */
  private final String name;
  private final transient Duration timeout;

  /**
   * The timeout of a primitive without a name.
   *
   * @param what what was waited for, such as {@code "lock"} or {@code "queue take"}
   * @param timeout the timeout that expired
   */
  public AcquireTimeoutException(String what, Duration timeout) {
    super("timed out after " + timeout + " waiting for " + what);
    this.primitive = what;
    this.name = null;
    this.timeout = timeout;
  }

  /**
   * The timeout of a named primitive.
   *
   * @param primitive the kind of primitive, such as {@code "lock"} or {@code "queue"}
   * @param name its name, such as {@code "ledger"}; for a per-key lock the family's name, never
   *     a key, which may be user data
   * @param timeout the timeout that expired
   */
  public AcquireTimeoutException(String primitive, String name, Duration timeout) {
    super("timed out after " + timeout + " waiting for " + primitive + " '" + name + "'");
    this.primitive = primitive;
    this.name = name;
    this.timeout = timeout;
  }

  /**
   * The kind of primitive that timed out, such as {@code "lock"}, {@code "semaphore"},
   * {@code "event"}, {@code "condition"} or {@code "queue"}; for a primitive without a name, what
   * its wait was for, such as {@code "semaphore permit"}.
   */
  public String primitive() {
    return primitive;
  }

  /** The name of the primitive that timed out, or null for a primitive without a name. */
  public String name() {
    return name;
  }

  /** The timeout that expired. */
  public Duration timeout() {
    return timeout;
  }
}
