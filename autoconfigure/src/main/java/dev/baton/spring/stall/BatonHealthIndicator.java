package dev.baton.spring.stall;

import java.util.List;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * The {@code baton} health indicator, while the stall view is on: DOWN only for what lasts until
 * the application is restarted, with a detail for each kind, naming calls by site and primitives
 * by kind and name, never a key:
 * <ul>
 *   <li>{@value #DEADLOCKS}: each confirmed {@link Deadlock} none of whose waits has a timeout
 *       ({@link Deadlock#lastsUntilRestart()}), {@link Deadlock#describe() described};
 *   <li>{@value #LEAKED_PERMITS}: each {@link LeakedPermit}, a permit dropped unreleased,
 *       {@link LeakedPermit#describe() described}. Once one is found the indicator stays DOWN,
 *       since that permit stays held.
 * </ul>
 * UP otherwise: with no deadlock, with one only suspected (not yet confirmed), with one that
 * a timeout will end by itself, and in strict mode, where the check that confirms a deadlock
 * breaks it.
 *
 * <p>Each read checks the {@link StallView} ({@link StallView#check()}), as the
 * {@code batonstalls} endpoint does. It is unfit for a liveness or readiness probe: restarting
 * an instance ends its deadlock but not what causes it, and a probe must not flap on it.
 */
public final class BatonHealthIndicator implements HealthIndicator {

  /** The detail listing the deadlocks that last until restart. */
  public static final String DEADLOCKS = "deadlocks";
  /** The detail listing the permits dropped unreleased. */
  public static final String LEAKED_PERMITS = "leakedPermits";

  private final StallView view;

  public BatonHealthIndicator(StallView view) {
    this.view = view;
  }

  @Override
  public Health health() {
    StallReport report = view.check();
    // In strict mode the check that confirms a deadlock breaks it: none lasts until restart.
    boolean broken = "strict".equals(report.level());
    List<String> lasting = report.deadlocks().stream()
        .filter(deadlock -> !broken && deadlock.confirmed() && deadlock.lastsUntilRestart())
        .map(Deadlock::describe).toList();
    List<String> leaked = report.leakedPermits().stream().map(LeakedPermit::describe).toList();
    if (lasting.isEmpty() && leaked.isEmpty()) {
      return Health.up().build();
    }
    Health.Builder down = Health.down();
    if (!lasting.isEmpty()) {
      down.withDetail(DEADLOCKS, lasting);
    }
    if (!leaked.isEmpty()) {
      down.withDetail(LEAKED_PERMITS, leaked);
    }
    return down.build();
  }
}
