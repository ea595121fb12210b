package dev.baton;

import java.time.Duration;

/**
 * A timed wait expired before it was granted. The waiter was withdrawn first: it holds nothing
 * and counts as a waiter nowhere.
 */
public class AcquireTimeoutException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final transient Duration timeout;

  /**
   * @param what what was waited for, such as {@code "lock"} or {@code "queue take"}
   * @param timeout the timeout that expired
   */
  public AcquireTimeoutException(String what, Duration timeout) {
    super("timed out after " + timeout + " waiting for " + what);
    this.timeout = timeout;
  }

  /** The timeout that expired. */
  public Duration timeout() {
    return timeout;
  }
}
