package dev.baton.spring.stall;

import dev.baton.AsyncCondition;
import dev.baton.spring.NamedPrimitive;
import dev.baton.spring.NamedPrimitive.Kind;
import dev.baton.spring.PrimitiveRegistry;
import dev.baton.spring.metrics.BatonGauges;
import dev.baton.spring.metrics.BatonTimers;
import dev.baton.spring.metrics.LockName;
import dev.baton.spring.observation.Hold;
import dev.baton.spring.observation.HoldTracking;
import dev.baton.spring.observation.WaitSite;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * The stall view's meters, bound only while it is on ({@code baton.stalls.level} basic or strict):
 * <ul>
 *   <li>{@value #WAIT_OLDEST}: per primitive of the registry, of every kind, how long its oldest
 *       wait still pending has waited (0 when none), which the {@value BatonTimers#WAIT} timer
 *       cannot show, since it records a wait only when it ends;
 *   <li>{@value #HOLD_OLDEST}: per lock, per-key lock family, semaphore and condition (its lock),
 *       how long its longest-lasting live hold in this instance has lasted (0 when none);
 *   <li>{@value #DEADLOCKS}, {@value #REENTRIES}, {@value #INVERSIONS} and {@value #LEAKS}: totals
 *       read from the {@link StallView}.
 * </ul>
 * Gauges are tagged {@code primitive} (the kind, as in {@link WaitSite}) and {@code name} only:
 * a per-key family is one series under its name, never one per key, and shares it with a plain
 * lock of that name ({@link LockName}). They are registered for the primitives present when
 * bound and every one created later, and read at each scrape; they add no work to waits beyond
 * {@link OldestWaits}.
 *
 * <p>The meter names below are the single source; the README's meter table lists the same.
 */
public final class StallMeters implements MeterBinder {

  public static final String WAIT_OLDEST = "baton.wait.oldest";
  public static final String HOLD_OLDEST = "baton.hold.oldest";
  public static final String DEADLOCKS = "baton.stalls.deadlocks";
  public static final String REENTRIES = "baton.stalls.reentries";
  public static final String INVERSIONS = "baton.stalls.inversions";
  public static final String LEAKS = "baton.stalls.leaks";

  /**
   * The totals the view counts, each a function counter read from it: a new one is a name above
   * and one more entry here (then a README row and a dashboard panel, which tests ask for).
   */
  private static final List<Total> TOTALS = List.of(
      new Total(DEADLOCKS, "Deadlocks confirmed since start-up, each counted once however long"
          + " it lasts", StallView::deadlocksConfirmed),
      new Total(REENTRIES, "Waits for a lock that the waiting call, or a call it was made from,"
          + " already held", StallView::reentriesSeen),
      new Total(INVERSIONS, "Lock orders that closed a cycle, each counted the first time it was"
          + " seen", StallView::inversionsFound),
      new Total(LEAKS, "Permits dropped unreleased, found once collected; each stays held until"
          + " restart", StallView::leaksFound));

  private final PrimitiveRegistry primitives;
  private final StallView view;
  private final OldestWaits waits;

  StallMeters(PrimitiveRegistry primitives, StallView view, OldestWaits waits) {
    this.primitives = primitives;
    this.view = view;
    this.waits = waits;
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    // The lock names met so far in this registry, each with one set of lock meters (LockName):
    // one map per registry, as a binder may be bound to several, each needing its own meters.
    ConcurrentMap<String, LockName> lockNames = new ConcurrentHashMap<>();
    primitives.onPrimitive(primitive -> register(registry, lockNames, primitive));
    for (Total total : TOTALS) {
      FunctionCounter.builder(total.name(), view, total.count())
          .description(total.description()).register(registry);
    }
  }

  private void register(MeterRegistry registry, ConcurrentMap<String, LockName> lockNames,
      NamedPrimitive named) {
    Supplier<Optional<Hold>> oldestHold;
    if (named.kind() == Kind.LOCK || named.kind() == Kind.LOCK_FAMILY) {
      LockName lock = LockName.add(lockNames, named);
      if (lock == null) {
        return; // its name's meters, which read it too, exist
      }
      oldestHold = lock::oldestHold;
    } else {
      oldestHold = oldestHoldOf(named.primitive());
    }
    WaitSite site = siteOf(named);
    Tags tags = Tags.of(BatonTimers.TAG_PRIMITIVE, site.primitive(), BatonGauges.TAG_NAME,
        site.name());
    TimeGauge.builder(WAIT_OLDEST, site, TimeUnit.NANOSECONDS, waits::oldestNanos)
        .description("How long the oldest wait still pending on the primitive has waited so"
            + " far; 0 when none is")
        .tags(tags).strongReference(true).register(registry);
    if (oldestHold != null) {
      TimeGauge.builder(HOLD_OLDEST, oldestHold, TimeUnit.NANOSECONDS,
          oldest -> oldest.get().map(hold -> (double) hold.heldFor().toNanos()).orElse(0.0))
          .description("How long the longest-lasting live hold of the lock or permit in this"
              + " instance has lasted so far; 0 when nothing is held")
          .tags(tags).strongReference(true).register(registry);
    }
  }

  /** Where the registry reports the waits of {@code named}: its kind, and its name. */
  private static WaitSite siteOf(NamedPrimitive named) {
    String primitive = switch (named.kind()) {
      case LOCK, LOCK_FAMILY -> "lock";
      case SEMAPHORE -> "semaphore";
      case EVENT -> "event";
      case CONDITION -> "condition";
      case QUEUE -> "queue";
      case BARRIER -> "barrier";
    };
    return new WaitSite(primitive, named.name());
  }

  /**
   * What reads the oldest live hold of {@code primitive}, a semaphore, condition or other kind
   * than a lock; null for a kind that has no holds.
   */
  private static Supplier<Optional<Hold>> oldestHoldOf(Object primitive) {
    Object held = primitive instanceof AsyncCondition condition ? condition.lock() : primitive;
    return held instanceof HoldTracking tracking ? tracking.holds()::oldest : null;
  }

  /** A counter read from the view. */
  private record Total(String name, String description, ToDoubleFunction<StallView> count) {}
}
