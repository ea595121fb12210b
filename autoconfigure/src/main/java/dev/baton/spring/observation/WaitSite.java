package dev.baton.spring.observation;

import dev.baton.AcquireTimeoutException;
import java.time.Duration;
import java.util.Objects;

/**
 * Where a wait happens: the kind of primitive ({@code lock}, {@code semaphore}, {@code event},
 * {@code condition}, {@code queue} or {@code barrier}) and its name in the registry. The locks of
 * a per-key family share one site, named after the family: keys are never part of a site.
 *
 * @param primitive the kind of primitive, in lower case
 * @param name the primitive's name in the registry
 */
public record WaitSite(String primitive, String name) {

  public WaitSite {
    Objects.requireNonNull(primitive, "primitive");
    Objects.requireNonNull(name, "name");
  }

  /**
   * Whether what is held here is a lock: a registry lock (a per-key family's too) or a
   * condition's lock. A lock has one holder at a time and is not re-entrant, so its holds are
   * what re-entries and lock orders are about.
   */
  public boolean isLock() {
    return "lock".equals(primitive) || "condition".equals(primitive);
  }

  /**
   * The failure of a wait here that expired after {@code timeout}, naming this site, as in
   * {@code "timed out after PT5S waiting for lock 'ledger'"}.
   */
  public AcquireTimeoutException timedOut(Duration timeout) {
    return new AcquireTimeoutException(primitive, name, timeout);
  }

  /** {@link #timedOut(Duration)}, saying what held the wait up ({@code blockers}, or null). */
  public AcquireTimeoutException timedOut(Duration timeout, String blockers) {
    return new AcquireTimeoutException(primitive, name, timeout, blockers);
  }
}
