package dev.baton;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Randomized concurrency tests of {@link AsyncSemaphore}: several threads mix every operation,
 * and the end state must show no leaked, lost or extra permit. Scaled by {@code baton.stress}; a
 * failure names the seed that replays it ({@code -Dbaton.fuzz.seed}).
 */
class SemaphoreFuzzTest {

  private static final int THREADS = 4;
  private static final int RUNS = 150;
  private static final int OPS_PER_THREAD = 400;
  private static final int RACE_ROUNDS = 15_000;

  @Test
  void randomMixOfWaitsCancelsAndReleasesNeverExceedsThePermitsAndReturnsThemAll() {
    Fuzz.repeat("semaphore mix", RUNS, seed -> new MixRun(seed).run());
  }

  /**
   * CPython gh-90155 and bpo-32734 for semaphores, on 1 to 3 permits: every permit is held, W1
   * (and maybe W2) wait; one thread cancels W1 while another releases a permit. Exactly one of
   * "W1 got the permit", "W2 got it", "it went back to the pool (no W2)" must be true, and
   * afterwards every permit comes back and a new acquire succeeds at once
   * ({@link CancelReleaseRace}).
   */
  @Test
  void cancelRacingReleaseGivesThePermitToExactlyOneAndStrandsNobody() {
    Fuzz.once("semaphore cancel/release race", seed -> new CancelReleaseRace("semaphore", seed,
        RACE_ROUNDS * Fuzz.STRESS, r -> AsyncSemaphore.create(1 + r.nextInt(3))).run());
  }

  /** One run of the random mix on a fresh semaphore of 1 to 4 permits. */
  private static final class MixRun {
    private final long seed;
    private final int permits;
    private final AsyncSemaphore semaphore;
    private final Fuzz.Failures failures = new Fuzz.Failures();
    /** Parties holding a permit (at most {@link #permits}), kept permits and running actions. */
    private final Holdings holdings = new Holdings(failures);
    private final AtomicInteger maxHolders = new AtomicInteger();
    private final Set<Long> tokens = ConcurrentHashMap.newKeySet();
    private final ConcurrentLinkedQueue<CompletableFuture<?>> all = new ConcurrentLinkedQueue<>();
    private final Fuzz.Ring ring = new Fuzz.Ring(16);

    MixRun(long seed) {
      this.seed = seed;
      this.permits = 1 + new Random(seed).nextInt(4);
      this.semaphore = AsyncSemaphore.create(permits);
    }

    void run() throws Exception {
      Fuzz.concurrently("semaphore-mix", seed, THREADS, this::work);
      holdings.drain();
      Fuzz.awaitSettled(all, this::state);
      failures.assertNone(this::state);
      assertThat(holdings.holders()).as("holders at the end; %s", state()).isZero();
      assertThat(semaphore.availablePermits()).as("available at the end; %s", state())
          .isEqualTo(permits);
      assertThat(semaphore.maxPermits()).isEqualTo(permits);
      assertThat(semaphore.waiters()).as("waiters at the end; %s", state()).isZero();
      List<Permit> fresh = new ArrayList<>();
      for (int i = 0; i < permits; i++) {
        Optional<Permit> p = semaphore.tryAcquire();
        assertThat(p).as("fresh tryAcquire %d; %s", i, state()).isPresent();
        assertThat(tokens.add(p.get().token())).as("fresh token is new").isTrue();
        fresh.add(p.get());
      }
      assertThat(semaphore.tryAcquire()).as("one permit too many; %s", state()).isEmpty();
      fresh.forEach(Permit::release);
      assertThat(semaphore.availablePermits()).isEqualTo(permits);
    }

    private String state() {
      return "seed=" + seed + ", " + semaphore + ", maxHolders=" + maxHolders + ", grants="
          + tokens.size() + ", " + holdings;
    }

    private void work(int thread, Random r) {
      List<CompletableFuture<?>> mine = new ArrayList<>();
      for (int op = 0; op < OPS_PER_THREAD; op++) {
        switch (r.nextInt(13)) {
          case 0, 1 -> mine.add(track(semaphore.acquire(), r));
          case 2, 3 -> mine.add(track(semaphore.acquire(Fuzz.shortTimeout(r)), r));
          case 4 -> semaphore.tryAcquire()
              .ifPresent(p -> granted(p, r.nextInt(3) == 0, r.nextInt(8) == 0));
          case 5, 6 -> mine.add(withPermit(r));
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
            int available = semaphore.availablePermits();
            if (available < 0 || available > permits || semaphore.waiters() < 0) {
              failures.add("available %d of %d, waiters %d", available, permits,
                  semaphore.waiters());
            }
          }
        }
        mine.removeIf(CompletableFuture::isDone);
        Fuzz.jitter(r);
      }
    }

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
      if (!tokens.add(p.token())) {
        failures.add("token %d handed out twice", p.token());
      }
      if (p.isReleased()) {
        failures.add("granted permit %s is already released", p);
      }
      holdings.keepOrRelease(p, keep, releaseTwice);
    }

    private void enter() {
      int h = holdings.enter();
      maxHolders.accumulateAndGet(h, Math::max);
      if (h > permits) {
        failures.add("%d holders of %d permits", h, permits);
      }
    }

    private CompletableFuture<String> withPermit(Random r) {
      int mode = r.nextInt(3);
      CompletableFuture<String> result = semaphore.withPermit(() -> {
        enter();
        return holdings.actionBody(mode);
      });
      ring.add(result, r);
      all.add(result.whenComplete((v, t) -> {
        if (t != null && !Fuzz.isWithdrawal(t)) {
          failures.add("withPermit failed with %s", t);
        }
      }));
      return result;
    }
  }
}
