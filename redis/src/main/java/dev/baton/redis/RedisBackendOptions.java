package dev.baton.redis;

import io.lettuce.core.SslOptions;
import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link RedisBackend} names its keys, how long its leases last and how long it waits for
 * Redis.
 *
 * @param keyPrefix the first part of every key and channel name, so that several applications
 *     can share one Redis; must not be blank nor contain braces (the cluster hash-tag delimiters)
 * @param lease how long a held permit or a waiting call survives without renewal: a JVM that dies
 *     loses its permits this long after its last renewal, and renewals run every third of it. At
 *     least 300 ms and at most about 292 years, as for {@code commandTimeout}: Redis's scripts
 *     add it to Redis's clock, and cannot write an expiry much longer
 * @param commandTimeout how long one Redis command may take before the call fails naming the
 *     Redis address; also how long a synchronous read such as {@code availablePermits()} may block.
 *     At most what a {@code long} counts in nanoseconds (about 292 years), as the Redis client
 *     counts it: a longer one is refused, not read as none as a wait's timeout is, since every
 *     command has one
 * @param ssl the TLS settings of the connection, or {@code null} for those of the URI alone
 * @param connectTimeout how long opening a connection (the TCP connect) may take, or
 *     {@code null} for Lettuce's default of 10 s; at most {@link #LONGEST_CONNECT_TIMEOUT}, which
 *     the Redis client counts in an {@code int} of milliseconds
 */
public record RedisBackendOptions(String keyPrefix, Duration lease, Duration commandTimeout,
    SslOptions ssl, Duration connectTimeout) {

  /**
   * The longest command timeout and the longest lease: what a {@code long} counts in nanoseconds,
   * about 292 years.
   */
  public static final Duration LONGEST_COMMAND_TIMEOUT = LongTimeouts.COUNTABLE;

  /** The longest connect timeout: {@code Integer.MAX_VALUE} milliseconds, about 24.8 days. */
  public static final Duration LONGEST_CONNECT_TIMEOUT = Duration.ofMillis(Integer.MAX_VALUE);

  /**
   * The defaults: key prefix {@code baton}, a 30 s lease, a 5 s command timeout, Lettuce's
   * connect timeout.
   */
  public static final RedisBackendOptions DEFAULTS =
      new RedisBackendOptions("baton", Duration.ofSeconds(30), Duration.ofSeconds(5), null);

  public RedisBackendOptions {
    Objects.requireNonNull(keyPrefix, "keyPrefix");
    if (keyPrefix.isBlank() || keyPrefix.contains("{") || keyPrefix.contains("}")) {
      throw new IllegalArgumentException(
          "keyPrefix must be non-blank and free of '{' and '}', was '" + keyPrefix + "'");
    }
    requirePositive(lease, "lease");
    requirePositive(commandTimeout, "commandTimeout");
    if (commandTimeout.compareTo(LONGEST_COMMAND_TIMEOUT) > 0) {
      throw new IllegalArgumentException("commandTimeout must be at most what a long counts in"
          + " nanoseconds (about 292 years), was " + commandTimeout);
    }
    if (connectTimeout != null) {
      requirePositive(connectTimeout, "connectTimeout");
      if (connectTimeout.compareTo(LONGEST_CONNECT_TIMEOUT) > 0) {
        throw new IllegalArgumentException("connectTimeout must be at most "
            + LONGEST_CONNECT_TIMEOUT + " (an int of milliseconds), was " + connectTimeout);
      }
    }
    if (lease.toMillis() < 300 || lease.compareTo(LONGEST_COMMAND_TIMEOUT) > 0) {
      throw new IllegalArgumentException("lease must be at least 300ms and at most what a long"
          + " counts in nanoseconds (about 292 years), was " + lease);
    }
  }

  /** Options with Lettuce's default connect timeout. */
  public RedisBackendOptions(String keyPrefix, Duration lease, Duration commandTimeout,
      SslOptions ssl) {
    this(keyPrefix, lease, commandTimeout, ssl, null);
  }

  /** These options with {@code keyPrefix}. */
  public RedisBackendOptions withKeyPrefix(String keyPrefix) {
    return new RedisBackendOptions(keyPrefix, lease, commandTimeout, ssl, connectTimeout);
  }

  /** These options with {@code lease}. */
  public RedisBackendOptions withLease(Duration lease) {
    return new RedisBackendOptions(keyPrefix, lease, commandTimeout, ssl, connectTimeout);
  }

  /** These options with {@code commandTimeout}. */
  public RedisBackendOptions withCommandTimeout(Duration commandTimeout) {
    return new RedisBackendOptions(keyPrefix, lease, commandTimeout, ssl, connectTimeout);
  }

  /** These options with {@code ssl}. */
  public RedisBackendOptions withSsl(SslOptions ssl) {
    return new RedisBackendOptions(keyPrefix, lease, commandTimeout, ssl, connectTimeout);
  }

  /** These options with {@code connectTimeout}. */
  public RedisBackendOptions withConnectTimeout(Duration connectTimeout) {
    return new RedisBackendOptions(keyPrefix, lease, commandTimeout, ssl, connectTimeout);
  }

  private static void requirePositive(Duration duration, String what) {
    Objects.requireNonNull(duration, what);
    if (duration.isNegative() || duration.isZero()) {
      throw new IllegalArgumentException(what + " must be positive, was " + duration);
    }
  }
}
