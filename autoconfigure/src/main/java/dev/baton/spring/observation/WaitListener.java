package dev.baton.spring.observation;

/**
 * Told about every wait on the primitives of a {@link dev.baton.spring.PrimitiveRegistry} and
 * every lock or permit given back: the hook behind Baton's timers and observations. Beans of this
 * type are picked up by the auto-configured registry, whatever its backend.
 *
 * <p>Calls arrive on whatever thread starts, ends or releases: implementations must be
 * thread-safe, fast and must not throw or block. Tries that do not wait ({@code tryAcquire},
 * {@code offer}, {@code poll}) are not reported.
 */
public interface WaitListener {

  /**
   * A wait at {@code site} starts now (it may be granted at once).
   *
   * @return what to tell, exactly once, when the wait ends
   */
  Wait started(WaitSite site);

  /**
   * Whether to be told about waits granted at once, before anyone could see them pending; true
   * by default. A listener that follows only pending waits (such as the age of the oldest one)
   * answers false and is then spared them: the uncontended path is most waits.
   */
  default boolean followsWaitsGrantedAtOnce() {
    return true;
  }

  /** A lock or permit taken at {@code site} was given back after {@code nanos} nanoseconds. */
  default void released(WaitSite site, long nanos) {}

  /** The end of one wait. */
  @FunctionalInterface
  interface Wait {

    /** The wait ended with {@code outcome}. */
    void ended(WaitOutcome outcome);
  }
}
