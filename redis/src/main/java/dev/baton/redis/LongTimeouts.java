package dev.baton.redis;

import java.time.Duration;

/**
 * Timeouts too long to count. A wait on Redis counts its timeout in nanoseconds on this JVM's
 * timers and adds it to Redis's clock in milliseconds; one past about 292 years, such as
 * {@code Duration.ofSeconds(Long.MAX_VALUE)}, overflows there. Such a timeout means waiting
 * without one, as it does for the local primitives.
 */
final class LongTimeouts {

  /** The longest timeout that counts in nanoseconds. */
  static final Duration COUNTABLE = Duration.ofNanos(Long.MAX_VALUE);

  private LongTimeouts() {}

  /** {@code timeout}, or null (no timeout) if it is null or too long to count in nanoseconds. */
  static Duration countable(Duration timeout) {
    return timeout == null || timeout.compareTo(COUNTABLE) > 0 ? null : timeout;
  }
}
