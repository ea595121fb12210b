package dev.baton.spring.stall;

import dev.baton.spring.BatonProperties;
import dev.baton.spring.observation.Call;
import dev.baton.spring.observation.Hold;
import dev.baton.spring.observation.PendingWait;
import dev.baton.spring.observation.WaitSite;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.commons.logging.Log;

/**
 * Finds {@link Stall}s: the live holds and the pending waits past their thresholds
 * ({@code baton.stalls.held-too-long}, {@code waited-too-long}, or a primitive's own). A wait for
 * an event is one only while no running call is to set it. Each hold or wait is logged the first
 * time it is seen past its threshold, through a {@link RateLimitedLog}.
 */
final class StallScan {

  private final BatonProperties.Stalls settings;
  private final RateLimitedLog log;
  /** Every live hold of a lock or semaphore, known call or not, with where it was granted. */
  private final Map<Hold, WaitSite> liveHolds = new ConcurrentHashMap<>();
  /** The holds and waits already logged as stalls: one line per episode. */
  private final Set<Object> logged = ConcurrentHashMap.newKeySet();

  StallScan(BatonProperties.Stalls settings, Log log, int linesPerMinute) {
    this.settings = settings;
    this.log = new RateLimitedLog(log, linesPerMinute);
  }

  void held(Hold hold, WaitSite site) {
    liveHolds.put(hold, site);
  }

  void released(Hold hold) {
    liveHolds.remove(hold);
    logged.remove(hold);
  }

  void settled(PendingWait wait) {
    logged.remove(wait);
  }

  /** The live holds and the waits of {@code live} past their thresholds now. */
  List<Stall> scan(Collection<PendingWait> live) {
    List<Stall> found = new ArrayList<>();
    for (PendingWait wait : live) {
      WaitSite site = wait.site();
      if ("event".equals(site.primitive()) && wait.holders().count() > 0) {
        continue; // a call that will set it is running: it depends on that call, not on luck
      }
      check(found, wait, "waited", site, wait.call(), wait.waitedFor(),
          settings.waitedTooLong(site.name()));
    }
    for (Map.Entry<Hold, WaitSite> held : liveHolds.entrySet()) {
      Hold hold = held.getKey();
      WaitSite site = held.getValue();
      check(found, hold, "held", site, hold.call(), hold.heldFor(),
          settings.heldTooLong(site.name()));
    }
    return found;
  }

  private void check(List<Stall> found, Object episode, String kind, WaitSite site, Call call,
      Duration lasted, Duration threshold) {
    if (lasted.compareTo(threshold) < 0) {
      return;
    }
    Stall stall = new Stall(kind, site.primitive(), site.name(),
        call == null ? null : call.site(), lasted.toMillis(), threshold.toMillis());
    found.add(stall);
    if (logged.add(episode)) {
      log.warn("Baton: stall: " + stall.describe());
    }
  }
}
