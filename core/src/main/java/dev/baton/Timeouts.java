package dev.baton;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The one scheduler thread that expires every timed wait in the JVM, started on first use.
 *
 * <p>A granted or withdrawn waiter cancels its task, and cancelled tasks leave the scheduler's
 * queue at once, so pending timeouts never outlive their waiters. Expiry runs on this thread:
 * callbacks of a timed-out future run there too, so they should hand long work elsewhere.
 */
final class Timeouts {

  /** "Wait as long as it takes": a wait with this timeout arms no timer. Compared by identity. */
  static final Duration NEVER = Duration.ofSeconds(Long.MAX_VALUE);

  private Timeouts() {}

  private static final class Scheduler {
    static final ScheduledThreadPoolExecutor INSTANCE = create();

    private static ScheduledThreadPoolExecutor create() {
      ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, r -> {
        Thread t = new Thread(r, "baton-timeouts");
        t.setDaemon(true);
        return t;
      });
      executor.setRemoveOnCancelPolicy(true);
      return executor;
    }
  }

  static ScheduledFuture<?> schedule(Runnable task, Duration delay) {
    return Scheduler.INSTANCE.schedule(task, saturatedNanos(delay), TimeUnit.NANOSECONDS);
  }

  /** Whether a wait with this timeout may be queued at all; zero and negative time out at once. */
  static boolean isPositive(Duration timeout) {
    return !(timeout.isNegative() || timeout.isZero());
  }

  private static long saturatedNanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException tooLong) {
      return Long.MAX_VALUE;
    }
  }
}
