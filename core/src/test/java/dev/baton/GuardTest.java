package dev.baton;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/**
 * The primitives' guard: mutual exclusion whether a contender gets it while spinning or after
 * parking, and a spin that gives up, so that a long hold parks its contenders as a plain
 * {@code ReentrantLock} does.
 */
class GuardTest {

  private static final int ROUNDS = 200_000;

  private final Guard guard = new Guard();
  /** Written only under the guard, with plain reads and writes. */
  private long count;

  @Test
  void twoThreadsTakingTurnsNeverHoldItTogether() throws Exception {
    CountDownLatch start = new CountDownLatch(1);
    CompletableFuture<Void> other = CompletableFuture.runAsync(() -> {
      awaitQuietly(start);
      addUnderGuard();
    }, runnable -> new Thread(runnable, "guard-contender").start());
    start.countDown();
    addUnderGuard();
    other.get();

    assertThat(count).isEqualTo(2L * ROUNDS);
    assertThat(guard.isLocked()).isFalse();
  }

  @Test
  void aContenderOfALongHoldParksAndGetsItWhenItIsReleased() throws Exception {
    guard.lock();
    CompletableFuture<Boolean> gotIt = new CompletableFuture<>();
    Thread contender = new Thread(() -> {
      guard.lock();
      try {
        gotIt.complete(guard.isHeldByCurrentThread());
      } finally {
        guard.unlock();
      }
    }, "guard-contender");
    contender.start();

    // It has stopped spinning and queued to park: the spin is bounded.
    await().atMost(Duration.ofSeconds(10)).until(() -> guard.hasQueuedThread(contender));
    assertThat(gotIt).isNotDone();
    guard.unlock();

    assertThat(gotIt.get()).isTrue();
    contender.join();
    assertThat(guard.isLocked()).isFalse();
  }

  private void addUnderGuard() {
    for (int i = 0; i < ROUNDS; i++) {
      guard.lock();
      try {
        count++;
      } finally {
        guard.unlock();
      }
    }
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
