package dev.baton.redis;

/**
 * Redis could not be reached or did not answer in time. The message names the Redis address;
 * nothing the failed call asked for stays behind in Redis beyond one lease.
 */
public class RedisUnavailableException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public RedisUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
