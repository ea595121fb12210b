package dev.baton.spring.stall;

import java.util.List;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * The {@code baton} health indicator, while the stall view is on: DOWN only for what lasts until
 * the application is restarted, which is a confirmed {@link Deadlock} none of whose waits has a
 * timeout ({@link Deadlock#lastsUntilRestart()}), with the detail {@value #DEADLOCKS}: each such
 * deadlock's {@link Deadlock#describe() description}, naming calls by site and primitives by kind
 * and name, never a key. UP otherwise: with no deadlock, with one only suspected (not yet
 * confirmed), and with one that a timeout will end by itself.
 *
 * <p>Each read checks the {@link StallView} ({@link StallView#check()}), as the
 * {@code batonstalls} endpoint does. It is unfit for a liveness or readiness probe: restarting
 * an instance ends its deadlock but not what causes it, and a probe must not flap on it.
 */
public final class BatonHealthIndicator implements HealthIndicator {

  /** The detail listing the deadlocks that last until restart. */
  public static final String DEADLOCKS = "deadlocks";

  private final StallView view;

  public BatonHealthIndicator(StallView view) {
    this.view = view;
  }

  @Override
  public Health health() {
    List<String> lasting = view.check().deadlocks().stream()
        .filter(deadlock -> deadlock.confirmed() && deadlock.lastsUntilRestart())
        .map(Deadlock::describe).toList();
    return lasting.isEmpty() ? Health.up().build()
        : Health.down().withDetail(DEADLOCKS, lasting).build();
  }
}
