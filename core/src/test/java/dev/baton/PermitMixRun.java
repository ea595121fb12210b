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
import java.util.concurrent.atomic.AtomicLong;

/**
 * One run of the random mix of {@link LockFuzzTest} and {@link SemaphoreFuzzTest}, on a fresh
 * primitive that hands out {@link Permit}s, seen as an {@link AsyncSemaphore} (a lock through
 * {@link LockAsSemaphore}).
 *
 * <p>Contract of {@link #run}: {@value #THREADS} threads mix {@value #OPS_PER_THREAD} random
 * operations each (acquires with and without timeouts, tryAcquire, withPermit, cancels and other
 * withdrawals of their own and each other's waits, releases, permits closed again by other
 * workers, some while the first close is under way, reads). While they run, at most
 * {@code permits} parties hold a permit, a holder never sees every permit free, every token is
 * new (so no two holders, live or not, ever share a fencing token), and with one permit each
 * grant's token exceeds the previous holder's. Once every wait has
 * settled and every holder released, every permit is back, nobody waits, and exactly
 * {@code permits} fresh tryAcquires succeed, with tokens above every earlier one.
 */
final class PermitMixRun {

  private static final int THREADS = 4;
  private static final int OPS_PER_THREAD = 400;

  private final String name;
  private final long seed;
  private final int permits;
  private final AsyncSemaphore primitive;
  /** With one permit grants are serial, so each token must exceed the previous holder's. */
  private final boolean serial;
  private final Fuzz.Failures failures = new Fuzz.Failures();
  /** Parties holding a permit (at most {@link #permits}), kept permits and running actions. */
  private final Holdings holdings = new Holdings(failures);
  private final AtomicInteger maxHolders = new AtomicInteger();
  private final Set<Long> tokens = ConcurrentHashMap.newKeySet();
  /** The highest token granted so far. */
  private final AtomicLong highestToken = new AtomicLong(Long.MIN_VALUE);
  /** Every future (or its checking dependent) that must settle before the end checks. */
  private final ConcurrentLinkedQueue<CompletableFuture<?>> all = new ConcurrentLinkedQueue<>();
  private final Fuzz.Ring ring = new Fuzz.Ring(16);

  /**
   * A run named {@code name} (for its threads) on {@code primitive}, which was made with
   * {@code permits} permits, all free.
   */
  PermitMixRun(String name, long seed, int permits, AsyncSemaphore primitive) {
    this.name = name;
    this.seed = seed;
    this.permits = permits;
    this.primitive = primitive;
    this.serial = permits == 1;
  }

  void run() throws Exception {
    Fuzz.concurrently(name + "-mix", seed, THREADS, this::work);
    holdings.drain();
    Fuzz.awaitSettled(all, this::state);
    failures.assertNone(this::state);
    assertThat(holdings.holders()).as("holders at the end; %s", state()).isZero();
    assertThat(primitive.availablePermits()).as("available at the end; %s", state())
        .isEqualTo(permits);
    assertThat(primitive.maxPermits()).isEqualTo(permits);
    assertThat(primitive.waiters()).as("waiters at the end; %s", state()).isZero();
    List<Permit> fresh = new ArrayList<>();
    for (int i = 0; i < permits; i++) {
      Optional<Permit> p = primitive.tryAcquire();
      assertThat(p).as("fresh tryAcquire %d; %s", i, state()).isPresent();
      assertThat(tokens.add(p.get().token())).as("fresh token is new").isTrue();
      assertThat(p.get().token()).as("fresh token vs the highest earlier one")
          .isGreaterThan(highestToken.get());
      fresh.add(p.get());
    }
    assertThat(primitive.tryAcquire()).as("one permit too many; %s", state()).isEmpty();
    fresh.forEach(Permit::release);
    assertThat(primitive.availablePermits()).isEqualTo(permits);
  }

  private String state() {
    return "seed=" + seed + ", " + primitive + ", maxHolders=" + maxHolders + ", grants="
        + tokens.size() + ", " + holdings;
  }

  private void work(int thread, Random r) {
    List<CompletableFuture<?>> mine = new ArrayList<>();
    for (int op = 0; op < OPS_PER_THREAD; op++) {
      switch (r.nextInt(14)) {
        case 0, 1 -> mine.add(track(primitive.acquire(), r));
        case 2, 3 -> mine.add(track(primitive.acquire(Fuzz.shortTimeout(r)), r));
        case 4 -> primitive.tryAcquire()
            .ifPresent(p -> granted(p, r.nextInt(3) == 0, Holdings.Release.pick(r)));
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
        case 12 -> holdings.closeOneClosedLately(r);
        default -> {
          int available = primitive.availablePermits();
          if (available < 0 || available > permits || primitive.waiters() < 0) {
            failures.add("available %d of %d, waiters %d", available, permits,
                primitive.waiters());
          }
        }
      }
      mine.removeIf(CompletableFuture::isDone);
      Fuzz.jitter(r);
    }
  }

  /** Checks the outcome of an acquire: a grant enters. */
  private CompletableFuture<Permit> track(CompletableFuture<Permit> f, Random r) {
    boolean keep = r.nextInt(3) == 0;
    Holdings.Release how = Holdings.Release.pick(r);
    ring.add(f, r);
    all.add(f.whenComplete((p, t) -> {
      if (p != null) {
        granted(p, keep, how);
      } else if (t != null && !Fuzz.isWithdrawal(t)) {
        failures.add("acquire failed with %s", t);
      }
    }));
    return f;
  }

  private void granted(Permit p, boolean keep, Holdings.Release how) {
    enter();
    if (!tokens.add(p.token())) {
      failures.add("token %d handed out twice: two holders share a fencing token", p.token());
    }
    long previous = highestToken.getAndAccumulate(p.token(), Math::max);
    if (serial && p.token() <= previous) {
      failures.add("token %d not greater than the previous holder's %d", p.token(), previous);
    }
    if (p.isReleased()) {
      failures.add("granted permit %s is already released", p);
    }
    if (primitive.availablePermits() == permits) {
      failures.add("holder of %s sees every permit free: %s", p, primitive);
    }
    holdings.keepOrRelease(p, keep, how);
  }

  private void enter() {
    int h = holdings.enter();
    maxHolders.accumulateAndGet(h, Math::max);
    if (h < 1 || h > permits) {
      failures.add("%d holders of %d permits", h, permits);
    }
  }

  private CompletableFuture<String> withPermit(Random r) {
    int mode = r.nextInt(3);
    CompletableFuture<String> result = primitive.withPermit(() -> {
      enter();
      if (primitive.availablePermits() == permits) {
        failures.add("scoped action runs with every permit free: %s", primitive);
      }
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
