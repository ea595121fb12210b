package dev.baton.spring.stall;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.commons.logging.Log;
import org.junit.jupiter.api.Test;

/**
 * The README: "Deadlock lines, like stall and leaked-permit lines, are at most 10 a minute each:
 * past that they are only counted and listed, and the next line logged says how many were left
 * out". Its clock is moved by hand, so no test waits a minute.
 */
class RateLimitedLogTest {

  private final List<String> lines = new ArrayList<>();
  private final Log recording = (Log) Proxy.newProxyInstance(Log.class.getClassLoader(),
      new Class<?>[] {Log.class}, (proxy, method, args) -> {
        if (method.getName().equals("warn")) {
          lines.add(String.valueOf(args[0]));
        }
        return method.getReturnType() == boolean.class ? Boolean.TRUE : null;
      });
  private final AtomicLong now = new AtomicLong(-5);
  private final RateLimitedLog log = new RateLimitedLog(recording, 10, now::get);

  @Test
  void theFirstLineAfterTheLimitEndsSaysHowManyWereLeftOut() {
    for (int i = 0; i < 13; i++) {
      log.warn("line " + i);
    }
    assertThat(lines).hasSize(10);

    later(59_999);
    log.warn("line 13");
    assertThat(lines).as("still within the minute of the first line").hasSize(10);
    later(1);
    log.warn("line 14");

    assertThat(lines).hasSize(11).last().isEqualTo("line 14 (and 4 more left out of the log)");
  }

  /** A burst at a minute's end and one at the next minute's start are not 20 lines. */
  @Test
  void noSixtySecondsSeeMoreThanTheLimit() {
    later(59_000);
    for (int i = 0; i < 10; i++) {
      log.warn("early " + i);
    }
    later(2_000);
    for (int i = 0; i < 10; i++) {
      log.warn("late " + i);
    }
    assertThat(lines).hasSize(10);

    later(58_000);
    for (int i = 0; i < 10; i++) {
      log.warn("next " + i);
    }
    assertThat(lines).as("a minute after the early ones").hasSize(20)
        .contains("next 0 (and 10 more left out of the log)", "next 9");
  }

  private void later(long millis) {
    now.addAndGet(TimeUnit.MILLISECONDS.toNanos(millis));
  }
}
