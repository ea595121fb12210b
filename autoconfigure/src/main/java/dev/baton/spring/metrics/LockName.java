package dev.baton.spring.metrics;

import dev.baton.AsyncLock;
import dev.baton.spring.LockFamily;
import dev.baton.spring.NamedPrimitive;
import dev.baton.spring.observation.Hold;
import dev.baton.spring.observation.HoldTracking;
import dev.baton.spring.observation.SharedLevels.Levels;
import java.util.Optional;
import java.util.concurrent.ConcurrentMap;

/**
 * The locks of one name in a registry: its plain lock and its per-key family, whichever have
 * been made. Both can exist: a name declared under {@code baton.locks} without a key order gets a
 * plain lock at start-up, and taking a key of it makes the family. A meter tagged with a lock's
 * name is registered once per name and reads through this, so that the one made first does not
 * hide the other's levels: held and waiting count both, the oldest hold is the older of both.
 */
public final class LockName {

  private volatile AsyncLock lock;
  private volatile LockFamily family;

  private LockName() {
  }

  /**
   * Records {@code named}, a lock or a per-key family, under its name in {@code names}.
   *
   * @return its name's locks if {@code named} is the first of its name, whose meters are then
   *     to be registered; else null
   */
  public static LockName add(ConcurrentMap<String, LockName> names, NamedPrimitive named) {
    LockName fresh = new LockName();
    LockName existing = names.putIfAbsent(named.name(), fresh);
    LockName name = existing == null ? fresh : existing;
    if (named.kind() == NamedPrimitive.Kind.LOCK_FAMILY) {
      name.family = (LockFamily) named.primitive();
    } else {
      name.lock = (AsyncLock) named.primitive();
    }
    return existing == null ? fresh : null;
  }

  /**
   * Locks held: 1 or 0 for the plain lock (across instances on a shared backend), plus the held
   * keys of the family; {@code NaN} while the plain lock's shared levels are unknown.
   */
  public double held() {
    AsyncLock plain = lock;
    LockFamily keyed = family;
    double held = plain == null ? 0
        : BatonGauges.level(plain, Levels::held, local -> local.isLocked() ? 1 : 0);
    return keyed == null ? held : held + keyed.heldKeys();
  }

  /**
   * Acquires waiting for the plain lock, plus those waiting for any key of the family;
   * {@code NaN} while the plain lock's shared levels are unknown.
   */
  public double waiters() {
    AsyncLock plain = lock;
    LockFamily keyed = family;
    double waiters = plain == null ? 0
        : BatonGauges.level(plain, Levels::waiters, AsyncLock::waiters);
    return keyed == null ? waiters : waiters + keyed.waiters();
  }

  /** The longest-lasting live hold in this instance, of the plain lock or any key of the family. */
  public Optional<Hold> oldestHold() {
    AsyncLock plain = lock;
    LockFamily keyed = family;
    Optional<Hold> ofLock =
        plain instanceof HoldTracking tracking ? tracking.holds().oldest() : Optional.empty();
    Optional<Hold> ofFamily = keyed == null ? Optional.empty() : keyed.oldestHold();
    if (ofLock.isEmpty() || ofFamily.isEmpty()) {
      return ofLock.isEmpty() ? ofFamily : ofLock;
    }
    return ofLock.get().sinceNanos() - ofFamily.get().sinceNanos() <= 0 ? ofLock : ofFamily;
  }
}
