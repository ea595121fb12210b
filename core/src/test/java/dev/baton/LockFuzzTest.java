package dev.baton;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Randomized concurrency tests of {@link AsyncLock}: several threads mix every operation, and the
 * end state must show no leaked, lost or doubly granted lock. Scaled by {@code baton.stress}; a
 * failure names the seed that replays it ({@code -Dbaton.fuzz.seed}).
 */
class LockFuzzTest {

  private static final int THREADS = 4;
  private static final int RUNS = 150;
  private static final int OPS_PER_THREAD = 400;
  private static final int RACE_ROUNDS = 10_000;

  @Test
  void randomMixOfWaitsCancelsAndReleasesNeverAdmitsTwoHoldersAndLeavesTheLockFree() {
    Fuzz.repeat("lock mix", RUNS, seed -> new MixRun(seed).run());
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
    java.lang.reflect.Field field = DefaultAsyncLock.class.getDeclaredField("guard");
    field.setAccessible(true);
    java.util.concurrent.locks.ReentrantLock guard =
        (java.util.concurrent.locks.ReentrantLock) field.get(lock);
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

  /** One run of the random mix on a fresh lock. */
  private static final class MixRun {
    private final long seed;
    private final AsyncLock lock = AsyncLock.create();
    private final Fuzz.Failures failures = new Fuzz.Failures();
    /** Parties inside the critical section (0 or 1), kept permits and running withLock actions. */
    private final Holdings holdings = new Holdings(failures);
    /** Fencing token of the latest holder. */
    private final AtomicLong lastToken = new AtomicLong(Long.MIN_VALUE);
    private final AtomicInteger grants = new AtomicInteger();
    /** Every future (or its checking dependent) that must settle before the end checks. */
    private final ConcurrentLinkedQueue<CompletableFuture<?>> all = new ConcurrentLinkedQueue<>();
    private final Fuzz.Ring ring = new Fuzz.Ring(16);

    MixRun(long seed) {
      this.seed = seed;
    }

    void run() throws Exception {
      Fuzz.concurrently("lock-mix", seed, THREADS, this::work);
      holdings.drain();
      Fuzz.awaitSettled(all, this::state);
      failures.assertNone(this::state);
      assertThat(holdings.holders()).as("holders at the end; %s", state()).isZero();
      assertThat(lock.isLocked()).as("locked at the end; %s", state()).isFalse();
      assertThat(lock.waiters()).as("waiters at the end; %s", state()).isZero();
      Optional<Permit> fresh = lock.tryAcquire();
      assertThat(fresh).as("a fresh tryAcquire; %s", state()).isPresent();
      assertThat(fresh.get().token()).as("fresh token vs last holder's")
          .isGreaterThan(lastToken.get());
      fresh.get().release();
      assertThat(lock.isLocked()).isFalse();
    }

    private String state() {
      return "seed=" + seed + ", " + lock + ", grants=" + grants + ", " + holdings;
    }

    private void work(int thread, Random r) {
      List<CompletableFuture<?>> mine = new ArrayList<>();
      for (int op = 0; op < OPS_PER_THREAD; op++) {
        switch (r.nextInt(13)) {
          case 0, 1 -> mine.add(track(lock.acquire(), r));
          case 2, 3 -> mine.add(track(lock.acquire(Fuzz.shortTimeout(r)), r));
          case 4 -> lock.tryAcquire()
              .ifPresent(p -> granted(p, r.nextInt(3) == 0, r.nextInt(8) == 0));
          case 5, 6 -> mine.add(withLock(r));
          case 7 -> {
            if (!mine.isEmpty()) {
              mine.remove(r.nextInt(mine.size())).cancel(r.nextBoolean());
            }
          }
          case 8 -> {
            CompletableFuture<?> f = ring.pick(r);
            if (f != null) {
              f.cancel(r.nextBoolean());
            }
          }
          case 9 -> {
            CompletableFuture<?> f = ring.pick(r);
            if (f != null) {
              Fuzz.withdrawSomehow(f, r);
            }
          }
          case 10 -> holdings.releaseOneHeld();
          case 11 -> holdings.finishOneAction(r.nextBoolean());
          default -> {
            if (lock.waiters() < 0) {
              failures.add("negative waiters(): %d", lock.waiters());
            }
          }
        }
        mine.removeIf(CompletableFuture::isDone);
        Fuzz.jitter(r);
      }
    }

    /** Checks the outcome of an acquire: a grant enters the critical section. */
    private CompletableFuture<Permit> track(CompletableFuture<Permit> f, Random r) {
      boolean keep = r.nextInt(3) == 0;
      boolean releaseTwice = r.nextInt(8) == 0;
      ring.add(f, r);
      all.add(f.whenComplete((p, t) -> {
        if (p != null) {
          granted(p, keep, releaseTwice);
        } else if (t != null && !Fuzz.isWithdrawal(t)) {
          failures.add("acquire failed with %s", t);
        }
      }));
      return f;
    }

    private void granted(Permit p, boolean keep, boolean releaseTwice) {
      enter();
      grants.incrementAndGet();
      long previous = lastToken.getAndSet(p.token());
      if (p.token() <= previous) {
        failures.add("token %d not greater than the previous holder's %d", p.token(), previous);
      }
      if (!lock.isLocked() || p.isReleased()) {
        failures.add("holder of %s sees the lock free: %s", p, lock);
      }
      holdings.keepOrRelease(p, keep, releaseTwice);
    }

    private void enter() {
      int h = holdings.enter();
      if (h != 1) {
        failures.add("%d holders at once", h);
      }
    }

    private CompletableFuture<String> withLock(Random r) {
      int mode = r.nextInt(3);
      CompletableFuture<String> result = lock.withLock(() -> {
        enter();
        if (!lock.isLocked()) {
          failures.add("withLock action runs with the lock free");
        }
        return holdings.actionBody(mode);
      });
      ring.add(result, r);
      all.add(result.whenComplete((v, t) -> {
        if (t != null && !Fuzz.isWithdrawal(t)) {
          failures.add("withLock failed with %s", t);
        }
      }));
      return result;
    }
  }
}
