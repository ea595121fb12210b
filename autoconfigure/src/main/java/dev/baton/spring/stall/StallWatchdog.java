package dev.baton.spring.stall;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Looks at the {@link StallView} on a daemon thread of its own, twice per confirmation time,
 * also when nothing else happens (a deadlock makes a system quiet): for stalls and leaked permits
 * every time, and for deadlocks when a wait has been pending for the confirmation time. Each
 * tick first lets go of the waits that ended since the last ({@link StallView#dropEndedWaits}).
 */
final class StallWatchdog implements SmartLifecycle {

  private static final Log LOG = LogFactory.getLog(StallWatchdog.class);

  private final StallView view;
  private final long periodNanos;
  private ScheduledExecutorService timer;

  StallWatchdog(StallView view, Duration confirmAfter) {
    this.view = view;
    this.periodNanos = Math.max(confirmAfter.toNanos() / 2, TimeUnit.MILLISECONDS.toNanos(10));
  }

  @Override
  public synchronized void start() {
    timer = Executors.newSingleThreadScheduledExecutor(task -> {
      Thread thread = new Thread(task, "baton-stalls");
      thread.setDaemon(true);
      return thread;
    });
    timer.scheduleWithFixedDelay(this::tick, periodNanos, periodNanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public synchronized void stop() {
    timer.shutdownNow();
    timer = null;
  }

  @Override
  public synchronized boolean isRunning() {
    return timer != null;
  }

  private void tick() {
    try {
      view.dropEndedWaits();
      if (view.anyWaitOlderThanConfirmation()) {
        view.check(); // its report scans for stalls too
      } else {
        view.stalls();
        view.leakedPermits();
        view.quiet();
      }
    } catch (RuntimeException e) {
      LOG.warn("Baton: the stall view's check failed; it runs again at the next tick", e);
    }
  }
}
