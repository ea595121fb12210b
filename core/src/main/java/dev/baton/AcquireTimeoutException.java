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
  /** What held the wait up when it expired, or null when nobody said. */
  private final String blockers;

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
    this.blockers = null;
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
    this(primitive, name, timeout, null);
  }

  /**
   * The timeout of a named primitive, explained: what held the wait up when it expired, as in
   * {@code "timed out after PT30S waiting for lock 'ledger': held for 31 s by LedgerService.post,
   * which waits for lock 'inventory', held for 32 s by OrderService.place, this call's caller"}.
   *
   * @param blockers what held the wait up, or null if unknown; never a key
   */
  public AcquireTimeoutException(String primitive, String name, Duration timeout,
      String blockers) {
    super("timed out after " + timeout + " waiting for " + primitive + " '" + name + "'"
        + (blockers == null ? "" : ": " + blockers));
    this.primitive = primitive;
    this.name = name;
    this.timeout = timeout;
    this.blockers = blockers;
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

  /**
   * What held the wait up when it expired (the holders, and what they in turn waited for), as
   * the message's end shows it; null unless Baton's stall view was watching the wait.
   */
  public String blockers() {
    return blockers;
  }
}
