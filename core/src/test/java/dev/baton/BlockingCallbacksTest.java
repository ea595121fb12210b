package dev.baton;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Callbacks that block on a Baton future while grants are queued behind them on their thread
 * ({@code Grants.deliverBeforeBlocking}): the grants queued behind them must neither wait for a
 * thread that other callbacks may hold nor be completed out of order. The two first cases are in
 * {@link LockTest}.
 */
class BlockingCallbacksTest {

  /**
   * A callback that blocks for a grant it decided itself gets it while every completer is
   * blocked (in the callbacks of timed-out waits, which may block, waiting for a lock the first
   * callback lets go after its own wait). Regression (found by review): its grant waited in the
   * completers' queue behind them, and both sides waited for ever.
   */
  @Test
  void aCallbackBlockingForItsOwnGrantGetsItWhileEveryCompleterIsBlocked() throws Exception {
    AsyncLock lock = AsyncLock.create();
    AsyncLock gate = AsyncLock.create();
    Permit gateHeld = gate.acquire().join();
    CompletableFuture<Void> blocked = blockEveryCompleterUntilFree(gate);

    Permit holder = lock.acquire().join();
    CompletableFuture<Permit> a = lock.acquire();
    AtomicReference<Object> blockedFor = new AtomicReference<>();
    a.thenAccept(p -> {
      CompletableFuture<Permit> mine = lock.acquire();
      p.release(); // decides mine's grant, queued behind this callback
      try {
        blockedFor.set(mine.get(3, TimeUnit.SECONDS));
      } catch (Exception e) {
        blockedFor.set(e);
      } finally {
        gateHeld.release(); // frees the completers
      }
    });
    holder.release();

    blocked.get(10, TimeUnit.SECONDS);
    assertThat(blockedFor.get()).as("what the callback's blocking wait returned")
        .isInstanceOf(Permit.class);
  }

  /**
   * Grants one thread decides are completed in the order decided, though a callback blocked
   * between them: the first, queued behind that callback, is handed to another thread, and so is
   * the second, decided by the same callback after its wait, behind the first. Here the first
   * taker's callback is still running when the second's grant is decided, so the second's must
   * wait. Regression (found by review): the second was completed at once on this thread.
   */
  @Test
  void grantsDecidedByOneCallbackAroundABlockingWaitAreCompletedInOrder() throws Exception {
    AsyncQueue<Integer> queue = AsyncQueue.unbounded();
    List<Integer> seen = new CopyOnWriteArrayList<>();
    CountDownLatch firstMayEnd = new CountDownLatch(1);
    queue.take().thenAccept(item -> {
      seen.add(item);
      await().until(() -> firstMayEnd.getCount() == 0);
    });
    queue.take().thenAccept(seen::add);
    AsyncLock trigger = AsyncLock.create();
    AsyncEvent go = AsyncEvent.create();
    Permit triggerHeld = trigger.acquire().join();
    trigger.acquire().thenAccept(p -> {
      queue.put(1); // grants the first taker, queued behind this callback
      go.await().join(); // another thread sets it
      queue.put(2); // grants the second taker
      p.release();
    });
    Thread setter = new Thread(() -> {
      await().until(() -> go.waiters() == 1);
      go.set();
    });
    setter.start();

    triggerHeld.release();

    await().until(() -> !seen.isEmpty());
    assertThat(seen).as("the second taker ran while the first was running").containsExactly(1);
    firstMayEnd.countDown();
    await().until(() -> seen.size() == 2);
    assertThat(seen).containsExactly(1, 2);
    setter.join();
  }

  /**
   * Blocks every completer thread of the timeouts until {@code gate}, held, is free: the
   * callbacks of timed-out waits, which run there, wait for it. Completes once they all have it.
   */
  private static CompletableFuture<Void> blockEveryCompleterUntilFree(AsyncLock gate)
      throws InterruptedException {
    AsyncLock never = AsyncLock.create();
    Permit neverFree = never.acquire().join();
    CountDownLatch busy = new CountDownLatch(Timeouts.COMPLETERS);
    List<CompletableFuture<?>> blocked = new ArrayList<>();
    for (int i = 0; i < Timeouts.COMPLETERS; i++) {
      // Times out on the expiry thread; its failure, and so this callback, runs on a completer.
      blocked.add(never.acquire(Duration.ofMillis(300)).handle((p, e) -> {
        busy.countDown();
        gate.acquire().join().release();
        return null;
      }));
    }
    assertThat(busy.await(10, TimeUnit.SECONDS)).as("every completer blocked").isTrue();
    return CompletableFuture.allOf(blocked.toArray(CompletableFuture[]::new))
        .whenComplete((done, failure) -> neverFree.release());
  }
}
