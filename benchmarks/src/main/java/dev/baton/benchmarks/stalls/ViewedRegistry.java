package dev.baton.benchmarks.stalls;

import dev.baton.spring.BatonProperties;
import dev.baton.spring.local.DefaultPrimitiveRegistry;
import dev.baton.spring.local.LocalPrimitives;
import dev.baton.spring.metrics.BatonTimers;
import dev.baton.spring.observation.Call;
import dev.baton.spring.observation.CurrentCall;
import dev.baton.spring.observation.WaitListener;
import dev.baton.spring.stall.StallView;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A registry of this JVM's primitives as an application at one {@code level} gets it from
 * Baton's auto-configuration, built without Spring so that the stall-view benchmarks time the
 * registry alone:
 * <ul>
 * <li>{@code off}: no listener, no hold tracking, no view: the registry of an application that
 * sets nothing;
 * <li>{@code observed}: the {@code baton.wait} and {@code baton.held} timers on a
 * {@link SimpleMeterRegistry}, and holds tracked, as with the actuator and the {@code baton}
 * endpoint exposed;
 * <li>{@code basic}: {@code off} with a {@link StallView} ({@code baton.stalls.level=basic}),
 * which also makes the registry track holds;
 * <li>{@code observedBasic}: {@code observed} with the view.
 * </ul>
 *
 * @param registry the registry
 * @param view its stall view, or null at {@code off} and {@code observed}
 */
record ViewedRegistry(DefaultPrimitiveRegistry registry, StallView view) {

  /**
   * The registry at {@code level}; its view, if it has one, confirms deadlocks after
   * {@code confirmAfter} and calls a hold or wait a stall after {@code tooLong}.
   */
  static ViewedRegistry at(String level, Duration confirmAfter, Duration tooLong) {
    if (!List.of("off", "observed", "basic", "observedBasic").contains(level)) {
      throw new IllegalArgumentException("unknown level: " + level);
    }
    boolean observed = level.startsWith("observed");
    boolean viewed = level.equals("basic") || level.equals("observedBasic");
    StallView view = viewed
        ? new StallView(new BatonProperties.Stalls(BatonProperties.Stalls.Level.BASIC,
            confirmAfter, tooLong, tooLong, Map.of()))
        : null;
    List<WaitListener> listeners = List.of();
    BatonProperties properties = properties();
    if (observed) {
      BatonTimers timers = new BatonTimers(properties.metrics());
      timers.bindTo(new SimpleMeterRegistry());
      listeners = List.of(timers);
    }
    return new ViewedRegistry(new DefaultPrimitiveRegistry(properties, new LocalPrimitives(),
        listeners, observed, view), view);
  }

  /** A new call at {@code site}, made from none, not current anywhere. */
  static Call call(String site) {
    try (CurrentCall.Scope scope = CurrentCall.in(null); CurrentCall.Scope call =
        CurrentCall.open(site)) {
      return call.call();
    }
  }

  /** Lets go of the view (it is registered JVM-wide until then). */
  void close() {
    if (view != null) {
      view.destroy();
    }
  }

  /** {@code baton.*} as bound from an empty configuration. */
  private static BatonProperties properties() {
    return new BatonProperties(true, BatonProperties.Backend.LOCAL, Duration.ofSeconds(30), false,
        BatonProperties.DEFAULT_ASPECT_ORDER, null, null, null, null, null, null, null, null, null,
        null);
  }
}
