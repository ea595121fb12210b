package dev.baton.spring.stall;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.apache.commons.logging.Log;

/**
 * Warnings, at most {@code perMinute} lines in any 60 seconds: the lines over the limit are
 * counted, and the next line let through says how many were left out.
 *
 * <p>Keeps the times of the last {@code perMinute} lines written in a ring whose slot
 * {@link #oldest} holds the earliest; a line is written only once that earliest is a minute old,
 * so a burst at the end of one minute and one at the start of the next cannot double the rate.
 */
final class RateLimitedLog {

  private static final long MINUTE = TimeUnit.MINUTES.toNanos(1);

  private final Log log;
  private final LongSupplier nanoTime;
  /** When the last lines were written; at first a minute before this log began. */
  private final long[] writtenAt;
  private int oldest;
  private int leftOut;

  RateLimitedLog(Log log, int perMinute) {
    this(log, perMinute, System::nanoTime);
  }

  RateLimitedLog(Log log, int perMinute, LongSupplier nanoTime) {
    this.log = log;
    this.nanoTime = nanoTime;
    this.writtenAt = new long[perMinute];
    Arrays.fill(writtenAt, nanoTime.getAsLong() - MINUTE);
  }

  synchronized void warn(String line) {
    long now = nanoTime.getAsLong();
    if (now - writtenAt[oldest] < MINUTE) {
      leftOut++;
      return;
    }
    writtenAt[oldest] = now;
    oldest = (oldest + 1) % writtenAt.length;
    log.warn(leftOut == 0 ? line : line + " (and " + leftOut + " more left out of the log)");
    leftOut = 0;
  }
}
