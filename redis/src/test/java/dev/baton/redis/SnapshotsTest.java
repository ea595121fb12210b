package dev.baton.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The snapshot the gauges and the endpoint read, with reads that answer at once or never (a
 * Redis that hangs), counted: a first read of a primitive reads it alone while the snapshot is
 * fresh, a hanging Redis is waited for once, and a primitive no longer read is forgotten.
 */
class SnapshotsTest {

  static final Duration MAX_AGE = Duration.ofMillis(100);
  static final Duration TIMEOUT = Duration.ofMillis(200);

  final Map<String, AtomicInteger> sent = new ConcurrentHashMap<>();

  /** A read of {@code key} that answers {@code value} at once, counted in {@link #sent}. */
  Supplier<CompletableFuture<Integer>> answering(String key, int value) {
    return () -> {
      sent.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
      return CompletableFuture.completedFuture(value);
    };
  }

  /**
   * Regression (found by review): each primitive's first read refreshed every primitive, so a
   * scrape meeting N primitives for the first time sent N(N+1)/2 reads.
   */
  @Test
  void aFirstReadWhileTheSnapshotIsFreshReadsThatPrimitiveAlone() {
    Snapshots snapshots = new Snapshots(Duration.ofMinutes(1), TIMEOUT, Duration.ofMinutes(5));
    for (int i = 0; i < 10; i++) {
      assertThat(snapshots.read("p" + i, answering("p" + i, i), -1)).isEqualTo(i);
    }
    assertThat(sent.values()).hasSize(10).allMatch(count -> count.get() == 1);
  }

  /**
   * While Redis does not answer, the first read that meets it waits one timeout; the reads of
   * other primitives met for the first time after it answer unknown without sending or waiting,
   * until the snapshot is old. Regression: each waited a timeout of its own.
   */
  @Test
  void aRedisThatDoesNotAnswerIsWaitedForOnceNotOncePerNewPrimitive() {
    Snapshots snapshots = new Snapshots(Duration.ofMinutes(1), TIMEOUT, Duration.ofMinutes(5));
    assertThat(snapshots.read("known", answering("known", 1), -1)).isOne();
    AtomicInteger hanging = new AtomicInteger();
    Supplier<CompletableFuture<Integer>> hangs = () -> {
      hanging.incrementAndGet();
      return new CompletableFuture<>();
    };
    for (int i = 0; i < 10; i++) {
      assertThat(snapshots.read("new" + i, hangs, -1)).isEqualTo(-1);
    }
    assertThat(hanging).as("reads sent to a Redis that did not answer the first").hasValue(1);
    assertThat(snapshots.read("known", answering("known", 1), -1)).isOne();
  }

  /** A primitive not read for {@code forgetAfter} leaves the snapshot: refreshes skip it. */
  @Test
  void aPrimitiveNoLongerReadIsForgottenAndNoLongerRefreshed() {
    Duration forgetAfter = Duration.ofMillis(300);
    Snapshots snapshots = new Snapshots(MAX_AGE, TIMEOUT, forgetAfter);
    snapshots.read("gone", answering("gone", 7), -1);
    long readAt = System.nanoTime();
    await().pollInterval(Duration.ofMillis(20)).until(() -> {
      snapshots.read("kept", answering("kept", 1), -1);
      return System.nanoTime() - readAt > forgetAfter.plus(MAX_AGE).toNanos() * 2;
    });
    int refreshesOfGone = sent.get("gone").get();
    long lastAt = System.nanoTime();
    await().pollInterval(Duration.ofMillis(20)).until(() -> {
      snapshots.read("kept", answering("kept", 1), -1);
      return System.nanoTime() - lastAt > MAX_AGE.toNanos() * 4;
    });
    assertThat(sent.get("gone")).as("reads of the forgotten primitive since")
        .hasValue(refreshesOfGone);
    assertThat(sent.get("kept").get()).as("refreshes of the one still read").isGreaterThan(3);
    assertThat(snapshots.read("gone", answering("gone", 8), -1)).as("read again when asked")
        .isEqualTo(8);
  }
}
