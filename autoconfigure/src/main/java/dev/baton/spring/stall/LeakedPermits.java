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
import java.util.function.Predicate;

/**
 * Finds the {@link LeakedPermit}s: holds whose permit became unreachable before it was released.
 *
 * <p>The permit a taker gets is kept only weakly, by a {@link Dropped} reference that its hold's
 * entry among the live holds keeps alive. When the collector finds the permit unreachable it
 * queues that reference; if the hold is still live then, nobody can ever release it. A released
 * hold's entry, and with it the reference, is dropped at release, so it is never queued. Each
 * leak is logged (rate-limited) and counted; the first {@value #MAX_KEPT} are kept for reports.
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
   * What learns that {@code handedOut}, the permit of {@code hold}, was dropped: to be kept
   * reachable exactly as long as the hold is live. For a {@code handedOut} of null (a hold no
   * taker can drop) nothing learns it, and the hold itself is returned.
   */
  Object watch(Hold hold, Permit handedOut) {
    return handedOut == null ? hold : new Dropped(handedOut, hold, dropped);
  }

  /**
   * Takes the permits the collector found dropped since the last look; each whose hold is still
   * {@code live} is a leak.
   */
  synchronized void look(Predicate<Hold> live) {
    for (Reference<? extends Permit> next; (next = dropped.poll()) != null; ) {
      Hold hold = ((Dropped) next).hold;
      if (live.test(hold)) {
        found(hold);
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
    found.increment();
    if (kept.size() < MAX_KEPT) {
      kept.add(leak);
    }
    log.warn("Baton: leaked permit: " + leak.describe());
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
