package dev.baton;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Shared machinery of the randomized concurrency ("fuzz") tests.
 *
 * <p>Every run draws one seed; each worker thread of the run gets its own {@link Random} derived
 * from it, so the sequence of operations each thread performs is reproducible (the interleaving
 * of the threads is not). A failing run names its seed; {@code -Dbaton.fuzz.seed=<seed>} replays
 * exactly that run (and only it). {@code -Dbaton.stress=N} multiplies the number of runs and
 * rounds.
 */
final class Fuzz {

  /** Scale of every fuzz test: runs and rounds are multiplied by it. */
  static final int STRESS = Math.max(1, Integer.getInteger("baton.stress", 1));
  /** A seed to replay: when set, each fuzz test performs only the run with this seed. */
  private static final Long REPLAY_SEED = Long.getLong("baton.fuzz.seed");
  /** How long a run may take to settle before it counts as stuck. */
  static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(30);

  private Fuzz() {}

  /** The body of one run, given its seed. */
  interface Run {
    void run(long seed) throws Exception;
  }

  /** The body of one worker thread. */
  interface Worker {
    void work(int thread, Random random) throws Exception;
  }

  /**
   * Performs {@code runs * STRESS} runs of {@code body}, each with a fresh seed, or only the
   * replayed one. A failure is rethrown with its seed and the command line that replays it.
   */
  static void repeat(String what, int runs, Run body) {
    if (REPLAY_SEED != null) {
      runOne(what, REPLAY_SEED, body);
      return;
    }
    long master = ThreadLocalRandom.current().nextLong();
    int total = runs * STRESS;
    for (int i = 0; i < total; i++) {
      runOne(what, mix(master + i), body);
    }
  }

  /**
   * Performs one run of {@code body} with a fresh seed, or the replayed one: for tests that scale
   * their own rounds by {@link #STRESS}.
   */
  static void once(String what, Run body) {
    runOne(what, REPLAY_SEED != null ? REPLAY_SEED : ThreadLocalRandom.current().nextLong(), body);
  }

  private static void runOne(String what, long seed, Run body) {
    try {
      body.run(seed);
    } catch (Throwable t) {
      throw new AssertionError(what + " failed with seed " + seed
          + " (replay: mvn -o test -pl core -Dtest=<class>#<method> -Dbaton.fuzz.seed=" + seed
          + "): " + t, t);
    }
  }

  /** The seed of worker {@code thread} in the run with {@code seed}. */
  static long threadSeed(long seed, int thread) {
    return mix(seed ^ (0x9E3779B97F4A7C15L * (thread + 1)));
  }

  /** SplitMix64's finalizer: spreads nearby seeds apart. */
  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /**
   * Runs {@code threads} workers at once, each with its own seeded {@link Random}, and waits for
   * all of them; rethrows the first failure with the thread and seed that produced it.
   */
  static void concurrently(String what, long seed, int threads, Worker worker) throws Exception {
    CountDownLatch start = new CountDownLatch(1);
    ConcurrentLinkedQueue<Throwable> thrown = new ConcurrentLinkedQueue<>();
    List<Thread> started = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int index = t;
      long threadSeed = threadSeed(seed, t);
      Thread thread = new Thread(() -> {
        try {
          start.await();
          worker.work(index, new Random(threadSeed));
        } catch (Throwable e) {
          thrown.add(new AssertionError(
              what + ": worker " + index + " (thread seed " + threadSeed + ") threw " + e, e));
        }
      }, "fuzz-" + what + "-" + t);
      thread.setDaemon(true);
      thread.start();
      started.add(thread);
    }
    start.countDown();
    long deadline = System.nanoTime() + SETTLE_TIMEOUT.toNanos();
    for (Thread thread : started) {
      thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
      if (thread.isAlive()) {
        AssertionError stuck = new AssertionError(
            what + ": worker " + thread.getName() + " did not finish within " + SETTLE_TIMEOUT);
        stuck.setStackTrace(thread.getStackTrace());
        throw stuck;
      }
    }
    Throwable first = thrown.peek();
    if (first instanceof AssertionError a) {
      throw a;
    }
  }

  /**
   * Races two threads, round after round, for the race tests. Each round is made on the calling
   * thread by {@code newRound} (from the round's index and a {@link Random} seeded from
   * {@code seed}); then both threads line up to the same instant ({@link #lineUp}) and run their
   * part: {@code main} on the calling thread, {@code other} on a second thread named
   * {@code "fuzz-" + otherName}. Once both parts have returned, {@code check} runs on the calling
   * thread, and the next round begins. However the race ends, the second thread is stopped.
   *
   * <p>{@code other} keeps what it catches in the round, for {@code check} to report: an error
   * it let through would end its thread, and the race would fail only at the next round's 10 s
   * barrier timeout (as does a round that hangs).
   */
  static <R> void race(String otherName, long seed, int rounds,
      BiFunction<Integer, Random, R> newRound, Consumer<R> main, Consumer<R> other,
      Consumer<R> check) throws Exception {
    CyclicBarrier barrier = new CyclicBarrier(2);
    AtomicReference<RaceRound<R>> current = new AtomicReference<>();
    Thread otherThread = new Thread(() -> {
      for (int i = 0; i < rounds; i++) {
        try {
          barrier.await();
        } catch (Exception stop) {
          return;
        }
        RaceRound<R> round = current.get();
        if (round == null) {
          return;
        }
        lineUp(round.gate());
        other.accept(round.round());
        try {
          barrier.await();
        } catch (Exception stop) {
          return;
        }
      }
    }, "fuzz-" + otherName);
    otherThread.setDaemon(true);
    otherThread.start();
    Random random = new Random(threadSeed(seed, 0));
    try {
      for (int i = 0; i < rounds; i++) {
        RaceRound<R> round = new RaceRound<>(newRound.apply(i, random), new AtomicInteger());
        current.set(round);
        barrier.await(10, TimeUnit.SECONDS);
        lineUp(round.gate());
        main.accept(round.round());
        barrier.await(10, TimeUnit.SECONDS);
        check.accept(round.round());
      }
    } finally {
      current.set(null);
      barrier.reset();
      otherThread.interrupt();
      otherThread.join(10_000);
    }
  }

  /** A round of a {@link #race}, and the gate its two threads line up at. */
  private record RaceRound<R>(R round, AtomicInteger gate) {}

  /**
   * The rounds of a {@link #race} that a cancel won and lost. A race of 2 000 rounds or more must
   * see both, or it never really raced.
   */
  static final class CancelOutcomes {
    private int won;
    private int lost;

    void count(boolean cancelWon) {
      if (cancelWon) {
        won++;
      } else {
        lost++;
      }
    }

    /**
     * Asserts that a race of {@code rounds} rounds (2 000 or more) saw both outcomes;
     * {@code otherOutcome} names the rounds the cancel lost, as in "rounds the release won".
     */
    void assertBothSeen(long seed, int rounds, String otherOutcome) {
      if (rounds >= 2_000) {
        assertThat(won).as("rounds the cancel won (seed=%d)", seed).isPositive();
        assertThat(lost).as("rounds the %s (seed=%d)", otherOutcome, seed).isPositive();
      }
    }
  }

  /**
   * Waits until every future of {@code futures} is done, however it completed; fails naming how
   * many are stuck and the primitive's {@code state} if they do not settle in time.
   */
  static void awaitSettled(Collection<? extends CompletableFuture<?>> futures,
      Supplier<String> state) throws InterruptedException {
    awaitSettled(futures, SETTLE_TIMEOUT, state);
  }

  /** As {@link #awaitSettled(Collection, Supplier)}, allowing {@code timeout}. */
  static void awaitSettled(Collection<? extends CompletableFuture<?>> futures, Duration timeout,
      Supplier<String> state) throws InterruptedException {
    CompletableFuture<?>[] all = futures.stream()
        .map(f -> f.handle((v, t) -> null))
        .toArray(CompletableFuture<?>[]::new);
    try {
      CompletableFuture.allOf(all).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      long stuck = futures.stream().filter(f -> !f.isDone()).count();
      throw new AssertionError(stuck + " of " + futures.size() + " futures never settled (a waiter"
          + " was stranded); state: " + state.get());
    } catch (ExecutionException e) {
      throw new AssertionError("unreachable: handled futures cannot fail", e);
    }
  }

  /** Spins for a random short while to vary the interleaving; never sleeps. */
  static void jitter(Random random) {
    int spins = random.nextInt(8) == 0 ? random.nextInt(2_000) : random.nextInt(40);
    for (int i = 0; i < spins; i++) {
      Thread.onSpinWait();
    }
    if (random.nextInt(64) == 0) {
      Thread.yield();
    }
  }

  /**
   * Lines two threads up: each increments {@code gate} and spins until both have. Much tighter
   * than a barrier's wake-up, which takes tens of microseconds.
   */
  static void lineUp(AtomicInteger gate) {
    gate.incrementAndGet();
    awaitStep(gate, 2);
  }

  /** Spins (yielding now and then) until {@code step} reaches {@code value}. */
  static void awaitStep(AtomicInteger step, int value) {
    for (int spins = 0; step.get() < value; spins++) {
      Thread.onSpinWait();
      if (spins > 10_000) {
        Thread.yield();
      }
    }
  }

  /** Spins {@code spins} times. */
  static void spin(int spins) {
    for (int i = 0; i < spins; i++) {
      Thread.onSpinWait();
    }
  }

  /**
   * A short timeout: zero, negative, a few nanoseconds (expires about at once) or up to two
   * milliseconds.
   */
  static Duration shortTimeout(Random random) {
    switch (random.nextInt(6)) {
      case 0:
        return Duration.ZERO;
      case 1:
        return Duration.ofMillis(-1 - random.nextInt(5));
      case 2:
        return Duration.ofNanos(1 + random.nextInt(1_000));
      case 3:
        return Duration.ofMillis(2);
      default:
        return Duration.ofNanos(1 + random.nextInt(300_000));
    }
  }

  /** The cause of a failed future's outcome, unwrapping {@link CompletionException}. */
  static Throwable unwrap(Throwable t) {
    while (t instanceof CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  /** Whether {@code t} is an outcome of a withdrawal: cancel, timeout or outside completion. */
  static boolean isWithdrawal(Throwable t) {
    Throwable cause = unwrap(t);
    return cause instanceof CancellationException
        || cause instanceof AcquireTimeoutException
        || cause instanceof TimeoutException
        || cause instanceof ExternalFailure;
  }

  /** Withdraws {@code f} the way a user might: one of the cancel, timeout or complete paths. */
  static void withdrawSomehow(CompletableFuture<?> f, Random random) {
    switch (random.nextInt(8)) {
      case 0:
        f.completeExceptionally(new ExternalFailure());
        break;
      case 1:
        f.orTimeout(1 + random.nextInt(300), TimeUnit.MICROSECONDS);
        break;
      default:
        f.cancel(random.nextBoolean());
    }
  }

  /** Thrown by the tests themselves: an expected failure, never a bug. */
  static final class ExternalFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ExternalFailure() {
      super("failed on purpose by the test", null, false, false);
    }
  }

  /**
   * Invariant violations seen by callbacks and worker threads, which cannot throw usefully;
   * {@link #assertNone} turns them into one assertion failure.
   */
  static final class Failures {
    private final ConcurrentLinkedQueue<String> seen = new ConcurrentLinkedQueue<>();
    private final AtomicInteger count = new AtomicInteger();

    void add(String format, Object... args) {
      if (count.incrementAndGet() <= 20) {
        seen.add(String.format(format, args) + " [on " + Thread.currentThread().getName() + "]");
      }
    }

    boolean any() {
      return count.get() > 0;
    }

    /** The violations seen so far, for a message about a later symptom. */
    String summary() {
      return count.get() == 0 ? "no invariant violations seen"
          : count.get() + " invariant violation(s) seen first:\n  " + String.join("\n  ", seen);
    }

    void assertNone(Supplier<String> state) {
      if (count.get() > 0) {
        throw new AssertionError(count.get() + " invariant violation(s), first ones:\n  "
            + String.join("\n  ", seen) + "\nstate: " + state.get());
      }
    }
  }

  /** A small set of recent futures shared by the workers, so any thread may cancel any of them. */
  static final class Ring {
    private final AtomicReferenceArray<CompletableFuture<?>> slots;

    Ring(int size) {
      slots = new AtomicReferenceArray<>(size);
    }

    void add(CompletableFuture<?> f, Random random) {
      slots.set(random.nextInt(slots.length()), f);
    }

    /** A recent future, or null. */
    CompletableFuture<?> pick(Random random) {
      return slots.get(random.nextInt(slots.length()));
    }
  }
}
