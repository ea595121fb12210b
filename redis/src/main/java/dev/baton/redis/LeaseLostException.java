package dev.baton.redis;

/**
 * A permit's lease ran out before it was released: its JVM could not renew it in time (Redis
 * unreachable, a long pause, or Redis lost its data), so another caller may have been granted the
 * same lock or permit since. Thrown by {@link dev.baton.Permit#release()} of such a permit.
 */
public class LeaseLostException extends IllegalStateException {

  private static final long serialVersionUID = 1L;

  public LeaseLostException(String message) {
    super(message);
  }
}
