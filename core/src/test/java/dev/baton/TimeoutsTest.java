package dev.baton;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/**
 * The expiry thread behind every timed wait: a timeout runs once, not before its delay; a
 * cancelled one never runs; an earlier deadline armed behind later ones still runs on time; and
 * arming from many threads at once loses nothing.
 */
class TimeoutsTest {

  @Test
  void runsOnceAndNotBeforeItsDelay() {
    long armedAt = System.nanoTime();
    CompletableFuture<Long> ranAt = new CompletableFuture<>();
    AtomicInteger runs = new AtomicInteger();
    Timeouts.schedule(() -> {
      runs.incrementAndGet();
      ranAt.complete(System.nanoTime());
    }, Duration.ofMillis(30));

    assertThat(ranAt.orTimeout(10, TimeUnit.SECONDS).join() - armedAt)
        .isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(30));
    CompletableFuture<Void> later = new CompletableFuture<>();
    Timeouts.schedule(() -> later.complete(null), Duration.ofMillis(30));
    later.orTimeout(10, TimeUnit.SECONDS).join();
    assertThat(runs).hasValue(1);
  }

  @Test
  void aCancelledTimeoutNeverRuns() {
    AtomicInteger runs = new AtomicInteger();
    List<Timeouts.Timeout> cancelled = new ArrayList<>();
    for (int i = 0; i < 5_000; i++) {
      cancelled.add(Timeouts.schedule(runs::incrementAndGet, Duration.ofMillis(20)));
    }
    cancelled.forEach(Timeouts.Timeout::cancel);
    CompletableFuture<Void> after = new CompletableFuture<>();
    Timeouts.schedule(() -> after.complete(null), Duration.ofMillis(60));

    after.orTimeout(10, TimeUnit.SECONDS).join();
    assertThat(runs).hasValue(0);
  }

  @Test
  void anEarlierDeadlineArmedBehindLaterOnesRunsOnTime() {
    List<Timeouts.Timeout> far = new ArrayList<>();
    for (int i = 0; i < 3_000; i++) {
      far.add(Timeouts.schedule(() -> { }, Duration.ofHours(1)));
    }
    CompletableFuture<Void> soon = new CompletableFuture<>();
    Timeouts.schedule(() -> soon.complete(null), Duration.ofMillis(10));

    soon.orTimeout(10, TimeUnit.SECONDS).join();
    far.forEach(Timeouts.Timeout::cancel);
  }

  @Test
  void survivesAnInterruptOfTheExpiryThread() {
    Timeouts.schedule(() -> { }, Duration.ofMillis(1));
    Thread expiry = Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().equals("baton-timeouts"))
        .findFirst().orElseThrow();
    expiry.interrupt();

    CompletableFuture<Void> ran = new CompletableFuture<>();
    Timeouts.schedule(() -> ran.complete(null), Duration.ofMillis(10));
    ran.orTimeout(10, TimeUnit.SECONDS).join();
    await().atMost(Duration.ofSeconds(10))
        .until(() -> expiry.getState() == Thread.State.TIMED_WAITING);
  }

  /**
   * Four threads arm 20,000 timeouts each, of 0 to 5 ms, and cancel every other one at once with
   * an hour-long delay instead: each short one runs exactly once, and no cancelled one runs.
   */
  @Test
  void armingFromManyThreadsLosesNothing() throws InterruptedException {
    int threads = 4;
    int perThread = 20_000;
    AtomicIntegerArray runs = new AtomicIntegerArray(threads * perThread);
    List<Thread> armers = new ArrayList<>();
    for (int n = 0; n < threads; n++) {
      int first = n * perThread;
      armers.add(new Thread(() -> {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int i = first; i < first + perThread; i++) {
          int slot = i;
          if (i % 2 == 0) {
            Timeouts.schedule(() -> runs.incrementAndGet(slot),
                Duration.ofNanos(random.nextLong(5_000_000)));
          } else {
            Timeouts.schedule(() -> runs.incrementAndGet(slot), Duration.ofHours(1)).cancel();
          }
        }
      }));
    }
    armers.forEach(Thread::start);
    for (Thread t : armers) {
      t.join();
    }

    await().atMost(Duration.ofSeconds(30)).until(() -> {
      for (int i = 0; i < runs.length(); i += 2) {
        if (runs.get(i) == 0) {
          return false;
        }
      }
      return true;
    });
    for (int i = 0; i < runs.length(); i++) {
      assertThat(runs.get(i)).as("runs of timeout %d", i).isEqualTo(i % 2 == 0 ? 1 : 0);
    }
  }
}
