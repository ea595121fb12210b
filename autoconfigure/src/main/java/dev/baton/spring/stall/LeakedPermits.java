package dev.baton.spring.stall;

import dev.baton.Permit;
import dev.baton.spring.observation.Call;
import dev.baton.spring.observation.Hold;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Finds the {@link LeakedPermit}s: holds whose permit became unreachable before it was released.
 *
 * <p>The permit a taker gets is a front its hold keeps until the hold is watched, once it has
 * lasted half its {@code held-too-long} ({@link Hold#watchTaker}, by a {@link StallScan}): from
 * then on the hold keeps a {@link Dropped} reference to it instead, which holds it only weakly,
 * and the hold is kept by its primitive's live holds ({@link Hold#listedIn()}) until it ends. A
 * hold that ends before it is watched, as most do, costs no reference. When the collector finds
 * a watched permit unreachable it queues that reference; if the hold is still live then, nobody
 * can ever release it. A hold that ended is no longer kept by its primitive, and neither is its
 * reference: unreachable itself, that is never queued. Nor is a hold whose permit a shared
 * backend lost a leak: nothing is held, so it ends then. Each leak is logged (rate-limited) and
 * counted; the first {@value #MAX_KEPT} are kept for reports.
 */
final class LeakedPermits {

  /** The most leaks kept for the report; later ones are logged and counted only. */
  private static final int MAX_KEPT = 100;

  private final ReferenceQueue<Permit> dropped = new ReferenceQueue<>();
  private final List<LeakedPermit> kept = new CopyOnWriteArrayList<>();
  private final LongAdder found = new LongAdder();
  private final RateLimitedLog log;

  LeakedPermits(RateLimitedLog log) {
    this.log = log;
  }

  /**
   * What {@code hold} keeps instead of {@code handedOut}, the permit its taker was given, once it
   * is watched ({@link Hold#watchTaker}): a reference queued here when the permit is collected.
   */
  Object watch(Hold hold, Permit handedOut) {
    return new Dropped(handedOut, hold, dropped);
  }

  /**
   * Takes the permits the collector found dropped since the last look; each whose hold is still
   * live is a leak.
   */
  synchronized void look() {
    for (Reference<? extends Permit> next; (next = dropped.poll()) != null; ) {
      Dropped permit = (Dropped) next;
      if (permit.hold.listedIn().contains(permit.hold) && !permit.hold.endIfLost()) {
        found(permit.hold);
      }
    }
  }

  /** The leaks found since start-up, the first {@value #MAX_KEPT}. */
  List<LeakedPermit> kept() {
    return List.copyOf(kept);
  }

  /** How many leaks have been found since start-up. */
  long found() {
    return found.sum();
  }

  private void found(Hold hold) {
    Call call = hold.call();
    LeakedPermit leak = new LeakedPermit(hold.site().primitive(), hold.site().name(),
        call != null ? call.site() : hold.takenBy(),
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - hold.sinceNanos()));
    if (kept.size() < MAX_KEPT) {
      kept.add(leak);
    }
    log.warn("Baton: leaked permit: " + leak.describe());
    found.increment();
  }

  /** A handed-out permit, kept weakly, with the hold it stands for. */
  private static final class Dropped extends WeakReference<Permit> {
    private final Hold hold;

    Dropped(Permit permit, Hold hold, ReferenceQueue<Permit> queue) {
      super(permit, queue);
      this.hold = hold;
    }
  }
}
