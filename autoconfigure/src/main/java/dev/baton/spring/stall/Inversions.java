package dev.baton.spring.stall;

import dev.baton.spring.observation.Call;
import dev.baton.spring.observation.Hold;
import dev.baton.spring.observation.LiveHolds;
import dev.baton.spring.observation.WaitSite;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;
import org.apache.commons.logging.Log;

/**
 * Finds lock-order {@link Inversion}s as calls ask for locks: when a call (or a call it was made
 * from) holding A asks for B, has {@link LockOrders} learn A before B. The locks a call holds are
 * kept by the call itself ({@link Call#locksHeld()}), so a hold costs nothing here. Only locks
 * are ordered; a lock asked for again by its holder is a re-entry, not an order; two keys of a
 * family declaring an ascending key order, in that order, are no inversion. Each inversion is
 * logged once and kept (the first {@value #MAX_KEPT}).
 */
final class Inversions {

  /** The most inversions kept for the report; later ones are logged and counted only. */
  private static final int MAX_KEPT = 100;
  /** How far up the calls a request was made from the locks held are looked for. */
  private static final int MAX_CALLERS = 16;

  private final Log log;
  private final LockOrders orders;
  private final List<Inversion> kept = new CopyOnWriteArrayList<>();
  private final LongAdder found = new LongAdder();

  /**
   * Inversions logged to {@code log}; {@code refusing} (strict mode) when a request that closes
   * one fails, so that its order is never learned and each later request in it closes it again.
   */
  Inversions(Log log, boolean refusing) {
    this.log = log;
    this.orders = new LockOrders(refusing);
  }

  /**
   * {@code call} asks for the lock at {@code site}, whose live holds are {@code holds}.
   *
   * @return the inversion this request closes, the first time or, refusing, each time; else null
   */
  Inversion requesting(Call call, WaitSite site, LiveHolds holds, Object orderedKey) {
    if (!site.isLock()) {
      return null;
    }
    Call holder = call;
    for (int depth = 0; holder != null && depth < MAX_CALLERS; depth++) {
      List<Hold> locks = holder.locksHeld();
      for (int i = 0; i < locks.size(); i++) { // indexed: no iterator on the request path
        Hold held = locks.get(i);
        if (holds.contains(held)
            || held.site().equals(site) && inDeclaredOrder(held.orderedKey(), orderedKey)) {
          continue; // this very lock, a re-entry named if it waits; or in its family's order
        }
        LockOrders.Closing closing = orders.learn(held.site(), site, call.site());
        if (closing != null) {
          if (closing.first()) {
            report(closing.inversion(), orderedKey);
          }
          return closing.inversion();
        }
      }
      holder = holder.parent();
    }
    return null;
  }

  /** The inversions found, the first ones, in the order found. */
  List<Inversion> kept() {
    return List.copyOf(kept);
  }

  /** How many inversions have been found. */
  long found() {
    return found.sum();
  }

  /**
   * What an inversion found at a request for a lock with {@code orderedKey} (null unless its
   * family declares an ascending key order) says, for a log line or a refusal. Two keys of such a
   * family nested out of order are one step, from the family to itself.
   */
  static String message(Inversion inversion, Object orderedKey) {
    boolean againstDeclaredOrder = orderedKey != null && inversion.steps().size() == 1;
    return "lock-order inversion: " + inversion.describe()
        + (againstDeclaredOrder ? ", against the ascending key order the family declares"
            : "; two calls taking them in these orders at once would deadlock");
  }

  private void report(Inversion inversion, Object orderedKey) {
    if (kept.size() < MAX_KEPT) {
      kept.add(inversion);
    }
    log.warn("Baton: " + message(inversion, orderedKey));
    found.increment();
  }

  /** Whether a held key and a requested key, both of one family, come in its declared order. */
  @SuppressWarnings("unchecked")
  private static boolean inDeclaredOrder(Object heldKey, Object requestedKey) {
    if (heldKey == null || requestedKey == null) {
      return false;
    }
    try {
      return ((Comparable<Object>) heldKey).compareTo(requestedKey) < 0;
    } catch (ClassCastException e) {
      return false;
    }
  }
}
