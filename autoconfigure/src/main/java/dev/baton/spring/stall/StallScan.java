package dev.baton.spring.stall;

import dev.baton.Permit;
import dev.baton.spring.BatonProperties;
import dev.baton.spring.observation.Call;
import dev.baton.spring.observation.Hold;
import dev.baton.spring.observation.LiveHolds;
import dev.baton.spring.observation.PendingWait;
import dev.baton.spring.observation.WaitSite;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import org.apache.commons.logging.Log;

/**
 * Finds {@link Stall}s: the live holds and the pending waits past their thresholds
 * ({@code baton.stalls.held-too-long}, {@code waited-too-long}, or a primitive's own). A wait for
 * an event is one only while no running call is to set it. Each hold or wait is logged the first
 * time it is seen past its threshold, through a {@link RateLimitedLog}. Walking the live holds
 * anyway, a scan also hands the leak watch ({@link LeakedPermits}) the permits of those past half
 * their threshold: a hold that lasts is the one that may have been dropped.
 *
 * <p>A scan runs at every watchdog tick over every live hold, so it reads the clock once and
 * compares nanoseconds; objects are made only for the stalls found. It walks the primitives' own
 * {@link LiveHolds}, so that a hold costs nothing here beyond its primitive's first, and skips a
 * primitive whose oldest hold, when last read, cannot be past half its threshold yet. A full check
 * hands it the pending waits as the wait-for graph reads them ({@link #pass()}), so that the live
 * waits are walked once per check.
 */
final class StallScan {

  private final RateLimitedLog log;
  private final long heldTooLongNanos;
  private final long waitedTooLongNanos;
  /** The leak watch, handed the permits of the holds past half their threshold. */
  private final BiFunction<Hold, Permit, Object> watch;
  /** The primitives with thresholds of their own, by name: {held, waited} in nanoseconds. */
  private final Map<String, long[]> own = new HashMap<>();
  /**
   * The live holds of each lock and semaphore that has had a hold since the last scan: every live
   * hold is in one of them. A primitive is added by its first hold while it is not
   * {@link LiveHolds#listed() listed}, and dropped by a scan that finds it empty, so a per-key
   * family's idle keys are not kept. The two cross without a lock: a grant adds its hold, then
   * reads the mark; a scan clears the mark, drops the primitive, then reads its holds, and lists
   * it again if it has one. All four are volatile, so at least one side sees the other.
   */
  private final Map<LiveHolds, Listing> withHolds = new ConcurrentHashMap<>();
  /**
   * The holds and waits already logged as stalls: one line per episode. An episode's end (a
   * release, a wait settling) removes its entry, and a scan that adds one reads afterwards
   * whether the episode has ended, removing the entry itself if so: the end is written before
   * the entry is looked for, and the entry before the end is read, so one of the two sides sees
   * the other and no entry outlives its episode.
   */
  private final Set<Object> logged = ConcurrentHashMap.newKeySet();

  /**
   * @param watch what a hold past half its threshold keeps instead of its taker's permit
   *     ({@link Hold#watchTaker}): the leak watch
   */
  StallScan(BatonProperties.Stalls settings, Log log, int linesPerMinute,
      BiFunction<Hold, Permit, Object> watch) {
    this.log = new RateLimitedLog(log, linesPerMinute);
    this.watch = watch;
    this.heldTooLongNanos = settings.heldTooLong().toNanos();
    this.waitedTooLongNanos = settings.waitedTooLong().toNanos();
    settings.primitives().keySet().forEach(name -> own.put(name, new long[] {
        settings.heldTooLong(name).toNanos(), settings.waitedTooLong(name).toNanos()}));
  }

  /** {@code hold} was granted: lists its primitive's live holds unless they are listed. */
  void held(Hold hold) {
    LiveHolds holds = hold.listedIn();
    if (!holds.listed()) {
      holds.listed(true);
      withHolds.put(holds, new Listing(threshold(hold.site(), 0, heldTooLongNanos),
          hold.sinceNanos()));
    }
  }

  void released(Hold hold) {
    forget(hold);
  }

  void settled(PendingWait wait) {
    forget(wait);
  }

  private void forget(Object episode) {
    if (!logged.isEmpty()) {
      logged.remove(episode);
    }
  }

  /** The live holds and the waits of {@code live} past their thresholds now. */
  List<Stall> scan(Collection<PendingWait> live) {
    Pass pass = pass();
    for (PendingWait wait : live) {
      pass.accept(wait);
    }
    return pass.end();
  }

  /**
   * A scan that is handed the pending waits one by one, so that a walk reading every wait
   * anyway (the wait-for graph's) scans them too; {@link Pass#end} adds the live holds.
   */
  Pass pass() {
    return new Pass();
  }

  /** One scan: a clock reading, and the stalls found so far. */
  final class Pass implements Consumer<PendingWait> {
    private final long now = System.nanoTime();
    private final List<Stall> found = new ArrayList<>();

    /** Scans {@code wait}: a stall if past its threshold now. */
    @Override
    public void accept(PendingWait wait) {
      WaitSite site = wait.site();
      long threshold = threshold(site, 1, waitedTooLongNanos);
      long waited = now - wait.sinceNanos(); // read once: a wait granted meanwhile restarts it
      if (waited < threshold
          || "event".equals(site.primitive()) && wait.holders().count() > 0) {
        return; // an event wait: a call that will set it is running, so it depends on that call
      }
      found(found, wait, "waited", site, wait.call(), waited, threshold);
      if (wait.ended()) {
        forget(wait); // ended while being found: its settling may have missed the entry
      }
    }

    /**
     * The stalls found: the waits handed to it, then the live holds, whose permits this hands to
     * the leak watch too.
     */
    List<Stall> end() {
      withHolds.forEach(this::scan);
      return found;
    }

    /**
     * Scans the holds of one primitive, or unlists it if it has none, and hands the permits of
     * those past half its threshold to the leak watch ({@link Hold#watchTaker}). A hold past its
     * threshold whose permit a shared backend lost holds nothing: it ends then, unreported. Skips
     * them while its oldest hold when last scanned, or when listed, is younger than half its
     * threshold: then none can be past it yet. (A hold made just before that scan and added just
     * after it may be older than the scan thought, by that moment; it is found at a later scan,
     * within half a threshold.)
     */
    private void scan(LiveHolds holds, Listing listing) {
      if (holds.count() == 0) {
        unlist(holds, listing, now);
        return;
      }
      long half = listing.threshold / 2;
      if (now - listing.oldestSeen < half) {
        return;
      }
      long oldest = now;
      for (Hold hold : holds.unordered()) {
        long since = hold.sinceNanos();
        oldest = since - oldest < 0 ? since : oldest;
        if (now - since >= half) {
          hold.watchTaker(watch);
        }
        if (now - since >= listing.threshold && !hold.endIfLost()) {
          found(found, hold, "held", hold.site(), hold.call(), now - since, listing.threshold);
          if (!hold.lasts()) {
            forget(hold); // released while being found: its release may have missed the entry
          }
        }
      }
      listing.oldestSeen = oldest;
    }
  }

  /**
   * Drops {@code holds}, found empty, from the list, unless a hold came meanwhile: then it is
   * listed again as of {@code now}, its hold being younger.
   */
  private void unlist(LiveHolds holds, Listing listing, long now) {
    holds.listed(false);
    withHolds.remove(holds);
    if (holds.count() > 0) {
      holds.listed(true);
      withHolds.put(holds, new Listing(listing.threshold, now));
    }
  }

  /**
   * A primitive with live holds, as the scans know it: its threshold, and the oldest of its holds
   * at the last scan that read them (or the listing hold's grant); written by scans only.
   */
  private static final class Listing {
    final long threshold;
    volatile long oldestSeen;

    Listing(long threshold, long oldestSeen) {
      this.threshold = threshold;
      this.oldestSeen = oldestSeen;
    }
  }

  /** The threshold of {@code site}'s primitive: its own ({@code which} of them), or the global. */
  private long threshold(WaitSite site, int which, long global) {
    if (own.isEmpty()) {
      return global;
    }
    long[] thresholds = own.get(site.name());
    return thresholds == null ? global : thresholds[which];
  }

  private void found(List<Stall> found, Object episode, String kind, WaitSite site, Call call,
      long lastedNanos, long thresholdNanos) {
    Stall stall = new Stall(kind, site.primitive(), site.name(),
        call == null ? null : call.site(), TimeUnit.NANOSECONDS.toMillis(lastedNanos),
        TimeUnit.NANOSECONDS.toMillis(thresholdNanos));
    found.add(stall);
    if (logged.add(episode)) {
      log.warn("Baton: stall: " + stall.describe());
    }
  }
}
