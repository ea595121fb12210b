package dev.baton;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * A timed wait that is withdrawn (cancelled, completed from outside, or by {@code orTimeout})
 * long before its deadline leaves nothing reachable behind: not the waiter, nor a putter's item.
 * The annotations' default timeout is 30 s, so anything kept until the deadline would pile up
 * under load.
 */
class WithdrawnTimedWaitsTest {

  private static final int WAITS = 100_000;
  private static final Duration DEADLINE = Duration.ofSeconds(30);
  /** Well under {@link #DEADLINE}: only what the deadline itself would free fails this. */
  private static final Duration COLLECTED_WITHIN = Duration.ofSeconds(10);

  @Test
  void aHundredThousandWithdrawnTimedLockAcquiresAreCollectableAtOnce() {
    AsyncLock lock = AsyncLock.create();
    Permit holder = lock.acquire().join();

    assertCollectableOnceWithdrawn(() -> new Wait(lock.acquire(DEADLINE), null));

    assertThat(lock.waiters()).isZero();
    holder.release();
    assertThat(lock.isLocked()).isFalse();
  }

  @Test
  void aHundredThousandWithdrawnTimedSemaphoreAcquiresAreCollectableAtOnce() {
    AsyncSemaphore semaphore = AsyncSemaphore.create(1);
    Permit holder = semaphore.acquire().join();

    assertCollectableOnceWithdrawn(() -> new Wait(semaphore.acquire(DEADLINE), null));

    assertThat(semaphore.waiters()).isZero();
    holder.release();
    assertThat(semaphore.availablePermits()).isOne();
  }

  @Test
  void aHundredThousandWithdrawnTimedPutsAndTheirItemsAreCollectableAtOnce() {
    AsyncQueue<Object> queue = AsyncQueue.bounded(1);
    queue.offer("filler");

    assertCollectableOnceWithdrawn(() -> {
      Object item = new Object();
      return new Wait(queue.put(item, DEADLINE), item);
    });

    assertThat(queue.putters()).isZero();
    assertThat(queue.size()).isOne();
  }

  /** A timed wait, and the item it carries (or null). */
  private record Wait(CompletableFuture<?> future, Object item) {}

  /**
   * Starts {@link #WAITS} timed waits, withdraws each in one of four ways, and checks that every
   * waiter and item can be collected well before the deadline.
   */
  private static void assertCollectableOnceWithdrawn(Supplier<Wait> start) {
    List<WeakReference<Object>> refs = startAndWithdraw(start);

    await().atMost(COLLECTED_WITHIN).pollInterval(Duration.ofMillis(200)).until(() -> {
      System.gc();
      return refs.stream().allMatch(r -> r.get() == null);
    });
  }

  /** Weak references to the waits started and withdrawn, and to their items; nothing strong. */
  private static List<WeakReference<Object>> startAndWithdraw(Supplier<Wait> start) {
    List<WeakReference<Object>> refs = new ArrayList<>(2 * WAITS);
    List<CompletableFuture<?>> settling = new ArrayList<>();
    for (int i = 0; i < WAITS; i++) {
      Wait w = start.get();
      CompletableFuture<?> f = w.future();
      assertThat(f).isNotDone();
      refs.add(new WeakReference<>(f));
      if (w.item() != null) {
        refs.add(new WeakReference<>(w.item()));
      }
      switch (i % 4) {
        case 0 -> f.cancel(false);
        case 1 -> f.completeExceptionally(new IllegalStateException("gave up"));
        case 2 -> f.complete(null);
        default -> settling.add(f.orTimeout(1, TimeUnit.NANOSECONDS).exceptionally(t -> null));
      }
    }
    CompletableFuture.allOf(settling.toArray(CompletableFuture<?>[]::new)).join();
    return refs;
  }
}
