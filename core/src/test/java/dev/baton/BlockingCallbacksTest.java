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
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Callbacks that block on a Baton future while grants are queued behind them on their thread
 * ({@code Grants.deliverBeforeBlocking}): the grants queued behind them must neither wait for a
 * thread that other callbacks may hold, nor run nested inside them, nor be completed out of
 * order.
 */
class BlockingCallbacksTest {

  private final AsyncLock lock = AsyncLock.create();

  /**
   * A callback that hands the lock to an acquire of its own and then blocks for it: the grant
   * waits on this thread behind the running callback, so the block hands it to another thread
   * rather than wait for itself. Regression: {@code join()} here never returned.
   */
  @Test
  void aCallbackThatBlocksForAGrantItDecidedItselfGetsIt() {
    Object got = blockForAGrantDecidedInTheCallback(lock, AsyncLock::acquire, () -> { });

    assertThat(got).as("what the callback's blocking wait returned").isInstanceOf(Permit.class);
    ((Permit) got).release();
    assertThat(lock.isLocked()).isFalse();
  }

  /**
   * As above, with a {@code withLock} scope: its future is not the waiter itself, so blocking on
   * it must hand on the grants queued behind the running callback too. Regression: the scope's
   * {@code get} timed out, the grant of its own acquire waiting behind the callback that blocked.
   */
  @Test
  void aCallbackThatBlocksForAWithLockScopeWhoseGrantItDecidedItselfGetsIt() {
    Object got = blockForAGrantDecidedInTheCallback(lock,
        l -> l.withLock(() -> CompletableFuture.completedFuture("ran")), () -> { });

    assertThat(got).as("what the callback's blocking wait returned").isEqualTo("ran");
    assertThat(lock.isLocked()).isFalse();
  }

  /**
   * As the first, while every completer of the timeouts is blocked (in the callbacks of timed-out
   * waits, which may block, waiting for a lock the callback lets go after its own wait).
   * Regression (found by review): its grant waited in the completers' queue behind them, and both
   * sides waited for ever.
   */
  @Test
  void aCallbackBlockingForItsOwnGrantGetsItWhileEveryCompleterIsBlocked() throws Exception {
    AsyncLock gate = AsyncLock.create();
    Permit gateHeld = gate.acquire().join();
    CompletableFuture<Void> blocked = blockEveryCompleterUntilFree(gate);

    Object got = blockForAGrantDecidedInTheCallback(lock, AsyncLock::acquire, gateHeld::release);

    blocked.get(10, TimeUnit.SECONDS);
    assertThat(got).as("what the callback's blocking wait returned").isInstanceOf(Permit.class);
    ((Permit) got).release();
  }

  /**
   * A callback that blocks for a grant another thread will give leaves the grants queued behind
   * it to another thread, rather than run their callbacks nested inside its own: one of them may
   * wait for what it holds. Here the first callback holds lock A and waits for C, which another
   * thread releases; the second, queued behind it, holds B and wants A. Regression (found by
   * review): run nested, the second waited for A inside the first, which held A, until its
   * timeout.
   */
  @Test
  void aCallbackBlockingForAnotherThreadsGrantLeavesTheGrantsQueuedBehindItToAnotherThread()
      throws Exception {
    AsyncLock a = AsyncLock.create();
    AsyncLock b = AsyncLock.create();
    AsyncLock c = AsyncLock.create();
    Permit heldA = a.acquire().join();
    Permit heldB = b.acquire().join();
    Permit heldC = c.acquire().join();
    Permit starter = lock.acquire().join();
    AtomicReference<Object> firstGot = new AtomicReference<>();
    AtomicReference<Object> secondGot = new AtomicReference<>();
    a.acquire().thenAccept(permitA -> {
      firstGot.set(blockFor(c.acquire())); // another thread releases C
      permitA.release();
    });
    b.acquire().thenAccept(permitB -> {
      secondGot.set(blockFor(a.acquire()));
      permitB.release();
    });
    lock.acquire().thenAccept(p -> {
      heldA.release(); // both grants queue behind this callback, A's first
      heldB.release();
      p.release();
    });
    Thread releaserOfC = new Thread(() -> {
      await().until(() -> c.waiters() == 1);
      heldC.release();
    });
    releaserOfC.start();

    starter.release();
    releaserOfC.join();

    assertThat(firstGot.get()).as("what the first callback got").isInstanceOf(Permit.class);
    await().until(() -> secondGot.get() != null);
    assertThat(secondGot.get()).as("what the second callback got").isInstanceOf(Permit.class);
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
   * What a callback gets that starts {@code wait} on {@code lock}, hands it the lock by releasing
   * its own permit, blocks for it (up to 5 s), then runs {@code afterwards}: what the wait
   * completed with, or how it failed.
   */
  private static Object blockForAGrantDecidedInTheCallback(AsyncLock lock,
      Function<AsyncLock, CompletableFuture<?>> wait, Runnable afterwards) {
    Permit holder = lock.acquire().join();
    AtomicReference<Object> blockedFor = new AtomicReference<>();
    lock.acquire().thenAccept(p -> {
      CompletableFuture<?> mine = wait.apply(lock);
      p.release(); // decides mine's grant, queued behind this callback
      blockedFor.set(blockFor(mine));
      afterwards.run();
    });
    holder.release();
    return blockedFor.get();
  }

  /** What {@code wait} completes with within 5 s, or how it failed. */
  private static Object blockFor(CompletableFuture<?> wait) {
    try {
      return wait.get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      return e;
    }
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
