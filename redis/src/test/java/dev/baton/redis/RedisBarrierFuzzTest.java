package dev.baton.redis;

import static dev.baton.redis.RedisFuzz.STRESS;
import static dev.baton.redis.RedisFuzz.jitter;
import static dev.baton.redis.RedisFuzz.settle;
import static dev.baton.redis.RedisFuzz.soon;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.baton.AsyncBarrier;
import dev.baton.BrokenBarrierException;
import dev.baton.redis.RedisFuzz.Instances;
import dev.baton.redis.RedisFuzz.Workers;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Randomized test of a barrier shared by three instances on one redis-server, two of them behind
 * a {@link ReplyDroppingProxy} that keeps dropping, at random, a barrier's AWAIT, CANCEL, RESET or
 * ABORT before it reaches Redis, or its reply after Redis ran it (a RENEW is rarer than a round:
 * it would be aimed at too seldom). Each round (a generation, or a few once a reset broke one)
 * sends exactly {@code parties} awaits from random instances, cancels some, and sometimes resets
 * or aborts the barrier from any instance; a reset from any instance ends the round once every
 * party still waiting is waiting in Redis. It checks, per round:
 * <ul>
 *   <li>every await settles: with its index, broken ({@link BrokenBarrierException}), cancelled,
 *       or failed by a dropped connection ({@link RedisUnavailableException});
 *   <li>a generation trips only with {@code parties} arrivals, and its parties share its
 *       outcome: if any party of the round passed, the indices that passed are distinct and below
 *       {@code parties}, and no party of the round was broken; a round that nothing disturbed (no
 *       cancel, reset, abort or failed call) passes whole, with the indices 0 to
 *       {@code parties - 1};
 *   <li>nothing leaks: once quiet, no instance counts a waiting party, the barrier is not
 *       broken, and Redis holds no key once the outcomes kept for a lease have expired (README,
 *       Keys).
 * </ul>
 * A failure names its seed ({@link RedisFuzz}: {@code -Dbaton.fuzz.seed} replays it);
 * {@code -Dbaton.stress=N} makes the run N times longer.
 */
class RedisBarrierFuzzTest {

  private static final Logger log = LoggerFactory.getLogger(RedisBarrierFuzzTest.class);

  private static final int PARTIES = 3;
  private static final int ROUNDS = 400 * STRESS;
  /** The instance connected to Redis directly, whose calls are never dropped. */
  private static final int DIRECT = 0;
  private static final List<String> SCRIPTS = List.of(Scripts.BARRIER_AWAIT.function(),
      Scripts.BARRIER_CANCEL.function(), Scripts.BARRIER_BREAK.function());

  private final AtomicBoolean running = new AtomicBoolean(true);
  private final AtomicInteger trips = new AtomicInteger();

  @Test
  void generationsTripWholeOrBreakWholeThroughCancelsResetsAndDroppedConnections() {
    RedisFuzz.once(RedisBarrierFuzzTest.class, this::run);
  }

  private void run(long seed) throws Exception {
    try (Instances instances = Instances.start()) {
      List<RedisBackend> backends = instances.backends();
      List<AsyncBarrier> barriers =
          backends.stream().map(backend -> backend.barrier("fuzz", PARTIES)).toList();
      Workers workers = new Workers(seed);
      Thread rounds = workers.start("rounds", random -> {
        for (int n = 0; n < ROUNDS; n++) {
          round(backends, barriers, random);
        }
      });
      Thread faults = workers.start("faults",
          random -> instances.dropAtRandom(SCRIPTS, random, running::get));
      workers.finish(List.of(rounds));
      running.set(false);
      workers.finish(List.of(faults));
      instances.connected();

      for (AsyncBarrier barrier : barriers) {
        soon().until(() -> barrier.waiting() == 0 && !barrier.isBroken());
      }
      await().atMost(SharedRedis.LEASE.multipliedBy(3))
          .until(() -> instances.server().keys().isEmpty());
      log.info("seed {}: {} commands or replies dropped; {} of {} rounds tripped", seed,
          instances.proxy().drops(), trips.get(), ROUNDS);
    }
  }

  /** One round: {@link #PARTIES} awaits, some disturbed, all settled and checked. */
  private void round(List<RedisBackend> backends, List<AsyncBarrier> barriers, Random random)
      throws Exception {
    boolean disturbed = false;
    List<CompletableFuture<Integer>> parties = new ArrayList<>();
    for (int p = 0; p < PARTIES; p++) {
      CompletableFuture<Integer> party = barriers.get(random.nextInt(barriers.size())).await();
      parties.add(party);
      int op = random.nextInt(12);
      if (op == 0) {
        jitter(random);
        disturbed |= party.cancel(true);
      } else if (op == 1) {
        jitter(random);
        disturbed = true;
        int on = random.nextInt(barriers.size());
        breakAtRandom(backends.get(on), barriers.get(on), random);
      }
    }
    AsyncBarrier direct = barriers.get(DIRECT);
    soon().until(() -> {
      long open = parties.stream().filter(party -> !party.isDone()).count();
      if (open > 0 && direct.waiting() == open) {
        resetFrom(barriers.get(random.nextInt(barriers.size()))); // no trip can come now
      }
      return open == 0;
    });
    List<Integer> passed = new ArrayList<>();
    List<Throwable> broken = new ArrayList<>();
    for (CompletableFuture<Integer> party : parties) {
      Throwable failure = settle(party, "a party");
      if (failure == null) {
        passed.add(party.join());
      } else if (failure instanceof BrokenBarrierException) {
        broken.add(failure);
      } else if (failure instanceof RedisUnavailableException
          || failure instanceof CancellationException) {
        disturbed = true;
      } else {
        throw new AssertionError("a party failed unexpectedly", failure);
      }
    }
    if (!passed.isEmpty()) {
      trips.incrementAndGet();
      // A party of the trip may have failed with RedisUnavailableException or been cancelled
      // (README, Barriers: "a party that failed ... may have been counted in a trip the others
      // passed", "a party cancelled while its trip's message was on its way ends cancelled");
      // none of the trip was broken.
      assertThat(broken).as("parties broken in a round whose generation tripped").isEmpty();
      assertThat(passed).as("indices of a trip").doesNotHaveDuplicates()
          .allMatch(index -> index >= 0 && index < PARTIES);
    }
    if (!disturbed) {
      assertThat(passed).as("indices of an undisturbed round")
          .containsExactlyInAnyOrderElementsOf(IntStream.range(0, PARTIES).boxed().toList());
    }
    if (direct.isBroken()) {
      direct.reset();
    }
    // A party failed or cancelled in this round leaves once its CANCEL, sent again, has run.
    soon().until(() -> direct.waiting() == 0);
  }

  /** Resets {@code barrier}, unless a dropped connection fails that (polled again then). */
  private static void resetFrom(AsyncBarrier barrier) {
    try {
      barrier.reset();
    } catch (RedisUnavailableException e) {
      log.debug("A reset failed: {}", e.getMessage());
    }
  }

  /** Resets or aborts the barrier; a call failed by a dropped connection may have run. */
  private static void breakAtRandom(RedisBackend backend, AsyncBarrier barrier, Random random) {
    try {
      if (random.nextBoolean()) {
        barrier.reset();
      } else {
        barrier.abort();
      }
    } catch (RedisUnavailableException e) {
      soon().until(backend::isConnected);
    }
  }
}
