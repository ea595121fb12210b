package dev.baton.redis;

import static org.awaitility.Awaitility.await;

import java.time.Duration;

/**
 * A withdrawal (a cancel, a timeout) run on a thread of its own while a test holds a command of
 * the same call about to be written: started, then awaited until it has ended or waits for that
 * write (blocked on a monitor in Baton's code), so that the race between the two is decided as
 * the code under test decides it, not by timing.
 */
final class RacingWithdrawal {

  private RacingWithdrawal() {}

  /** Starts {@code withdrawal}; its thread, once it has ended or is blocked in Baton's code. */
  static Thread startUntilDoneOrBlocked(Runnable withdrawal) {
    Thread withdrawer = new Thread(withdrawal, "withdrawer");
    withdrawer.start();
    await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5))
        .until(() -> !withdrawer.isAlive() || blockedInBaton(withdrawer));
    return withdrawer;
  }

  private static boolean blockedInBaton(Thread thread) {
    StackTraceElement[] stack = thread.getStackTrace();
    return thread.getState() == Thread.State.BLOCKED && stack.length > 0
        && stack[0].getClassName().startsWith("dev.baton.redis.");
  }
}
