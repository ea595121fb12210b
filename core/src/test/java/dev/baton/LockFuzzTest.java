package dev.baton;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Test;

/**
 * Randomized concurrency tests of {@link AsyncLock}: several threads mix every operation, and the
 * end state must show no leaked, lost or doubly granted lock. Scaled by {@code baton.stress}; a
 * failure names the seed that replays it ({@code -Dbaton.fuzz.seed}).
 */
class LockFuzzTest {

  private static final int RUNS = 150;
  private static final int RACE_ROUNDS = 10_000;

  /** The random mix of {@link PermitMixRun} on a lock: one holder at a time, tokens increase. */
  @Test
  void randomMixOfWaitsCancelsAndReleasesNeverAdmitsTwoHoldersAndLeavesTheLockFree() {
    Fuzz.repeat("lock mix", RUNS,
        seed -> new PermitMixRun("lock", seed, 1, new LockAsSemaphore(AsyncLock.create())).run());
  }

  /**
   * CPython bpo-32734: H holds the lock, W1 (and maybe W2) wait; one thread cancels W1 while
   * another releases H. Exactly one of "W1 holds the lock", "W2 holds it", "the lock is free (no
   * W2)" must be true afterwards, and nothing may be stranded ({@link CancelReleaseRace}).
   */
  @Test
  void cancelRacingReleaseGivesTheLockToExactlyOneAndStrandsNobody() {
    Fuzz.once("lock cancel/release race", seed -> new CancelReleaseRace("lock", seed,
        RACE_ROUNDS * Fuzz.STRESS, r -> new LockAsSemaphore(AsyncLock.create())).run());
  }

  /**
   * The window the race test above hits, opened deterministically: release() has seen QUEUED
   * and waits for the lock's internal guard while the last waiter withdraws under it. The
   * release must then simply unlock (found by the race test; see handOff in DefaultAsyncLock).
   */
  @Test
  void releaseThatFindsTheLastWaiterWithdrawnUnlocksInsteadOfThrowing() throws Exception {
    AsyncLock lock = AsyncLock.create();
    Permit holder = lock.tryAcquire().orElseThrow();
    CompletableFuture<Permit> waiter = lock.acquire();
    ReentrantLock guard = Guards.of(lock);
    CompletableFuture<Void> released = new CompletableFuture<>();
    Thread releaser = new Thread(() -> {
      try {
        holder.release();
        released.complete(null);
      } catch (Throwable t) {
        released.completeExceptionally(t);
      }
    }, "releaser");
    guard.lock();
    try {
      releaser.start();
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
          .until(() -> guard.hasQueuedThread(releaser)); // past its unguarded read of QUEUED
      assertThat(waiter.cancel(false)).isTrue(); // withdraws the last waiter, clears QUEUED
    } finally {
      guard.unlock();
    }
    releaser.join(10_000);
    assertThat(released).as("release() of the holder").succeedsWithin(Duration.ofSeconds(5));
    assertThat(holder.isReleased()).isTrue();
    assertThat(lock.isLocked()).isFalse();
    assertThat(lock.waiters()).isZero();
    assertThat(lock.tryAcquire()).isPresent();
  }

  /**
   * The opposite window, opened the same way: acquire() found the lock held and waits for the
   * guard to queue, while the holder releases by the fast path (nobody queued yet). Under the
   * guard the acquire must find the lock free and take it, not queue where no release will come.
   */
  @Test
  void anAcquireThatFindsTheLockFreedWhileItWaitedForTheGuardTakesIt() throws Exception {
    AsyncLock lock = AsyncLock.create();
    Permit holder = lock.tryAcquire().orElseThrow();
    ReentrantLock guard = Guards.of(lock);
    CompletableFuture<CompletableFuture<Permit>> acquiring = new CompletableFuture<>();
    Thread acquirer = new Thread(() -> {
      try {
        acquiring.complete(lock.acquire());
      } catch (Throwable t) {
        acquiring.completeExceptionally(t);
      }
    }, "acquirer");
    guard.lock();
    try {
      acquirer.start();
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
          .until(() -> guard.hasQueuedThread(acquirer)); // past its unguarded tryLock
      holder.release(); // the fast path: nobody is queued
      assertThat(lock.isLocked()).isFalse();
    } finally {
      guard.unlock();
    }
    assertThat(acquiring).succeedsWithin(Duration.ofSeconds(10));
    CompletableFuture<Permit> acquired = acquiring.join();
    assertThat(acquired).as("took the free lock").isCompleted();
    assertThat(lock.waiters()).isZero();
    acquired.join().release();
    assertThat(lock.isLocked()).isFalse();
  }

  /**
   * Two cancels of the same waiter, in the middle of the queue, that both read it waiting and
   * then meet at the guard: the first withdraws it, the second must find it gone (not unlink it
   * a second time through the links it had), so the count and the order of the others hold.
   */
  @Test
  void twoCancelsOfAMiddleWaiterThatMeetAtTheGuardWithdrawItOnce() throws Exception {
    AsyncLock lock = AsyncLock.create();
    Permit holder = lock.tryAcquire().orElseThrow();
    CompletableFuture<Permit> first = lock.acquire();
    CompletableFuture<Permit> middle = lock.acquire();
    CompletableFuture<Permit> last = lock.acquire();
    ReentrantLock guard = Guards.of(lock);
    List<CompletableFuture<Boolean>> cancels = List.of(new CompletableFuture<>(),
        new CompletableFuture<>());
    List<Thread> cancellers = cancels.stream().map(result -> new Thread(() -> {
      try {
        result.complete(middle.cancel(false));
      } catch (Throwable t) {
        result.completeExceptionally(t);
      }
    }, "canceller")).toList();
    guard.lock();
    try {
      cancellers.forEach(Thread::start);
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
          .until(() -> cancellers.stream().allMatch(guard::hasQueuedThread));
    } finally {
      guard.unlock();
    }
    assertThat(cancels).allSatisfy(c -> assertThat(c).succeedsWithin(Duration.ofSeconds(10)));
    assertThat(cancels.stream().filter(CompletableFuture::join)).as("cancels that won").hasSize(1);
    assertThat(middle).isCancelled();
    assertThat(lock.waiters()).isEqualTo(2);
    holder.release();
    assertThat(first).isCompleted();
    assertThat(last).isNotDone();
    assertThat(lock.waiters()).isOne();
    first.join().release();
    assertThat(last).isCompleted();
    assertThat(lock.waiters()).isZero();
    last.join().release();
    assertThat(lock.isLocked()).isFalse();
  }
}
