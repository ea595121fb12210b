package dev.baton.redis;

import static dev.baton.redis.RedisFuzz.STRESS;
import static dev.baton.redis.RedisFuzz.jitter;
import static dev.baton.redis.RedisFuzz.settle;
import static dev.baton.redis.RedisFuzz.soon;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.baton.AcquireTimeoutException;
import dev.baton.AsyncCondition;
import dev.baton.Permit;
import dev.baton.redis.RedisFuzz.Instances;
import dev.baton.redis.RedisFuzz.Workers;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Randomized test of a condition shared by three instances on one redis-server, two of them
 * behind a {@link ReplyDroppingProxy} that keeps dropping, at random, a condition's AWAIT,
 * SIGNAL, CANCEL or RENEW before it reaches Redis, or its reply after Redis ran it. A waiter on
 * every instance takes the condition's lock and waits, with and without a timeout, cancelling
 * some of its waits; a notifier takes the lock on any instance and calls {@code signal()},
 * {@code signal(n)} or {@code signalAll()}. It checks the README's promises for conditions:
 * <ul>
 *   <li>every wait settles: with a permit of the lock, timed out ({@link AcquireTimeoutException}),
 *       cancelled, or failed by a dropped connection ({@link RedisUnavailableException});
 *   <li>a wait returns holding the lock: never two holders at once (but of a permit whose lease
 *       was lost: README, "A lease is not mutual exclusion");
 *   <li>every wait woken took a signal: no more waits return than signals could wake (a
 *       {@code signalAll()} wakes at most the waits started and not settled while it ran);
 *   <li>nothing leaks: once quiet, no instance counts a waiter, the lock is free and Redis holds
 *       no key once the ids of released permits have expired (README, Keys).
 * </ul>
 * A failure names its seed ({@link RedisFuzz}: {@code -Dbaton.fuzz.seed} replays it);
 * {@code -Dbaton.stress=N} makes the run N times longer.
 */
class RedisConditionFuzzTest {

  private static final Logger log = LoggerFactory.getLogger(RedisConditionFuzzTest.class);

  private static final int WAITS = 150 * STRESS;
  private static final List<String> SCRIPTS = List.of(Scripts.CONDITION_AWAIT.function(),
      Scripts.CONDITION_SIGNAL.function(), Scripts.CONDITION_CANCEL.function(),
      Scripts.CONDITION_RENEW.function());

  private final AtomicBoolean waiting = new AtomicBoolean(true);
  private final AtomicReference<Permit> holder = new AtomicReference<>();
  private final AtomicInteger started = new AtomicInteger();
  private final AtomicInteger settled = new AtomicInteger();
  private final AtomicInteger woken = new AtomicInteger();
  /** How many waits the signals sent so far may have woken, at most. */
  private final AtomicLong signals = new AtomicLong();

  @Test
  void waitsReturnHoldingTheLockWokenBySignalsThroughDroppedConnections() {
    RedisFuzz.once(RedisConditionFuzzTest.class, this::run);
  }

  private void run(long seed) throws Exception {
    try (Instances instances = Instances.start()) {
      List<RedisBackend> backends = instances.backends();
      List<AsyncCondition> conditions =
          backends.stream().map(backend -> backend.condition("fuzz")).toList();
      instances.waitersAndDriver(new Workers(seed),
          (on, random) -> waitAtRandom(backends.get(on), conditions.get(on), random),
          "notifier", random -> signalAtRandom(backends, random), SCRIPTS, waiting);

      assertThat((long) woken.get()).as("waits woken, of %s started, by signals that could wake %s",
          started.get(), signals.get()).isLessThanOrEqualTo(signals.get());
      for (int b = 0; b < backends.size(); b++) {
        AsyncCondition condition = conditions.get(b);
        RedisBackend backend = backends.get(b);
        soon().until(() -> condition.waiters() == 0 && !condition.lock().isLocked()
            && backend.heldPermits() == 0);
      }
      await().atMost(SharedRedis.LEASE.multipliedBy(3))
          .until(() -> instances.server().keys().isEmpty());
      log.info("seed {}: {} commands or replies dropped; {} of {} waits woken", seed,
          instances.proxy().drops(), woken.get(), started.get());
    }
  }

  private void waitAtRandom(RedisBackend backend, AsyncCondition condition, Random random)
      throws Exception {
    for (int n = 0; n < WAITS; n++) {
      Permit held = lock(backend, condition);
      if (held == null) {
        continue;
      }
      enter(held);
      leave(held);
      int op = random.nextInt(6);
      started.incrementAndGet();
      CompletableFuture<Permit> wait = op < 2 ? condition.await(held)
          : condition.await(held, Duration.ofMillis(1 + random.nextInt(100)));
      if (op == 0 || op == 2) {
        jitter(random);
        wait.cancel(true);
      }
      Throwable failure = settle(wait, "a wait");
      settled.incrementAndGet();
      if (failure == null) {
        woken.incrementAndGet();
        Permit permit = wait.join();
        enter(permit);
        leave(permit);
        release(permit);
      } else if (failure instanceof RedisUnavailableException) {
        soon().until(backend::isConnected);
      } else if (!(failure instanceof AcquireTimeoutException
          || failure instanceof CancellationException)) {
        throw new AssertionError("a wait failed unexpectedly", failure);
      }
    }
  }

  private void signalAtRandom(List<RedisBackend> backends, Random random) throws Exception {
    while (waiting.get()) {
      int on = random.nextInt(backends.size());
      AsyncCondition condition = backends.get(on).condition("fuzz");
      Permit held = lock(backends.get(on), condition);
      if (held == null) {
        continue;
      }
      enter(held);
      try {
        int op = random.nextInt(4);
        if (op == 0) {
          int before = settled.get();
          condition.signalAll();
          signals.addAndGet(started.get() - before);
        } else {
          int n = op == 1 ? 1 : 1 + random.nextInt(3);
          signals.addAndGet(n); // it may have run even if its reply was lost
          if (n == 1) {
            condition.signal();
          } else {
            condition.signal(n);
          }
        }
      } catch (RedisUnavailableException e) {
        soon().until(backends.get(on)::isConnected);
      } finally {
        leave(held);
        release(held);
      }
    }
  }

  /** Takes the condition's lock, or null if a dropped connection failed the acquire. */
  private static Permit lock(RedisBackend backend, AsyncCondition condition) throws Exception {
    CompletableFuture<Permit> acquire = condition.acquire();
    Throwable failure = settle(acquire, "an acquire of the condition's lock");
    if (failure instanceof RedisUnavailableException) {
      soon().until(backend::isConnected);
      return null;
    } else if (failure != null) {
      throw new AssertionError("an acquire failed unexpectedly", failure);
    }
    return acquire.join();
  }

  /** Checks that {@code permit}, just obtained, is the only live hold of the lock. */
  private void enter(Permit permit) {
    Permit other = holder.getAndSet(permit);
    if (other != null && !((RedisPermit) other).isLost()) {
      throw new AssertionError("two holders of the condition's lock: " + other + " and "
          + permit);
    }
  }

  /** The caller is about to let {@code permit} go: released, or given up by an await. */
  private void leave(Permit permit) {
    holder.compareAndSet(permit, null);
  }

  /** Releases {@code permit}; one whose lease was lost (README, Leases) throws, and is gone. */
  private static void release(Permit permit) {
    try {
      permit.release();
    } catch (LeaseLostException e) {
      log.warn("A permit of the condition's lock lost its lease: {}", e.getMessage());
    }
  }
}
