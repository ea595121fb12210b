package dev.baton.spring.metrics;

import dev.baton.spring.BatonProperties;
import dev.baton.spring.observation.WaitListener;
import dev.baton.spring.observation.WaitOutcome;
import dev.baton.spring.observation.WaitSite;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;

/**
 * The {@value #WAIT} and {@value #HELD} timers of a registry's primitives, tagged with the
 * primitive's kind and name (a per-key lock family reports under its name, never per key).
 * {@value #WAIT} also carries the {@code outcome}: acquired, timeout, cancelled or failed; all
 * four appear with a site's first wait, so a rate of timeouts reads 0 rather than nothing.
 * {@value #HELD} times each lock or permit from grant to release.
 *
 * <p>Waits before the binder is bound to a meter registry are not recorded.
 */
public final class BatonTimers implements WaitListener, MeterBinder {

  public static final String WAIT = "baton.wait";
  public static final String HELD = "baton.held";
  public static final String TAG_PRIMITIVE = "primitive";
  public static final String TAG_OUTCOME = "outcome";

  private static final WaitOutcome[] OUTCOMES = WaitOutcome.values();

  private final CompositeMeterRegistry meters = new CompositeMeterRegistry();
  private final BatonProperties.Metrics settings;
  /** Per site, its {@value #WAIT} timers indexed by outcome ordinal. */
  private final ConcurrentMap<WaitSite, Timer[]> waits = new ConcurrentHashMap<>();
  private final ConcurrentMap<WaitSite, Timer> holds = new ConcurrentHashMap<>();

  public BatonTimers(BatonProperties.Metrics settings) {
    this.settings = settings;
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    meters.add(registry);
  }

  @Override
  public Wait started(WaitSite site) {
    Timer[] timers = waitTimersOf(site);
    long start = System.nanoTime();
    return outcome ->
        timers[outcome.ordinal()].record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
  }

  @Override
  public void released(WaitSite site, long nanos) {
    Timer timer = holds.get(site);
    if (timer == null) { // get first: computeIfAbsent with a lambda on this allocates every call
      timer = holds.computeIfAbsent(site,
          s -> timer(HELD, "Time from grant to release of a lock or permit", s, Tags.empty()));
    }
    timer.record(nanos, TimeUnit.NANOSECONDS);
  }

  private Timer[] waitTimersOf(WaitSite site) {
    Timer[] timers = waits.get(site);
    return timers != null ? timers : waits.computeIfAbsent(site, this::waitTimers);
  }

  private Timer[] waitTimers(WaitSite site) {
    Timer[] timers = new Timer[OUTCOMES.length];
    for (WaitOutcome outcome : OUTCOMES) {
      timers[outcome.ordinal()] = timer(WAIT,
          "Time from the start of a wait to its grant, timeout, cancel or failure", site,
          Tags.of(TAG_OUTCOME, outcome.tag()));
    }
    return timers;
  }

  private Timer timer(String name, String description, WaitSite site, Tags extra) {
    return Timer.builder(name)
        .description(description)
        .tags(Tags.of(TAG_PRIMITIVE, site.primitive(), BatonGauges.TAG_NAME, site.name())
            .and(extra))
        .publishPercentileHistogram(settings.percentileHistogram())
        .publishPercentiles(settings.percentiles().stream().mapToDouble(Double::doubleValue)
            .toArray())
        .register(meters);
  }
}
