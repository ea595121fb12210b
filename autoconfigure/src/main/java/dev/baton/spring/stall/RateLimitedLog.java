package dev.baton.spring.stall;

import java.util.concurrent.TimeUnit;
import org.apache.commons.logging.Log;

/**
 * Warnings, at most {@code perMinute} lines a minute: the lines over the limit are counted, and
 * the next line let through says how many were left out.
 */
final class RateLimitedLog {

  private static final long MINUTE = TimeUnit.MINUTES.toNanos(1);

  private final Log log;
  private final int perMinute;
  private long windowStart = System.nanoTime();
  private int written;
  private int leftOut;

  RateLimitedLog(Log log, int perMinute) {
    this.log = log;
    this.perMinute = perMinute;
  }

  synchronized void warn(String line) {
    long now = System.nanoTime();
    if (now - windowStart >= MINUTE) {
      windowStart = now;
      written = 0;
    }
    if (written >= perMinute) {
      leftOut++;
      return;
    }
    written++;
    log.warn(leftOut == 0 ? line : line + " (and " + leftOut + " more left out of the log)");
    leftOut = 0;
  }
}
