package dev.baton.spring.stall;

import java.time.Duration;
import java.util.Locale;

/** Durations as the stall view's messages show them: {@code 31 s}, {@code 2.5 s}, {@code 40 ms}. */
final class Durations {

  private Durations() {}

  static String read(Duration duration) {
    return read(duration.toMillis());
  }

  static String read(long millis) {
    return millis >= 10_000 ? millis / 1000 + " s"
        : millis >= 1000 ? String.format(Locale.ROOT, "%.1f s", millis / 1000.0)
        : millis + " ms";
  }
}
