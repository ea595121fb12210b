package dev.baton.redis;

import static dev.baton.redis.RedisFuzz.SETTLE;
import static dev.baton.redis.RedisFuzz.STRESS;
import static dev.baton.redis.RedisFuzz.jitter;
import static dev.baton.redis.RedisFuzz.settle;
import static dev.baton.redis.RedisFuzz.soon;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.baton.AcquireTimeoutException;
import dev.baton.AsyncEvent;
import dev.baton.redis.RedisFuzz.Instances;
import dev.baton.redis.RedisFuzz.Workers;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Randomized test of an event shared by three instances on one redis-server, two of them behind
 * a {@link ReplyDroppingProxy} that keeps dropping, at random, a SET, a CLEAR or a waiter's
 * read, or its reply. Waiters on every instance wait with and without timeouts and cancel;
 * a setter sets and clears from any instance. Once quiet, every future has settled, and a last
 * {@code set()} wakes every wait still pending on every instance (README: "its {@code set()}
 * wakes every instance's"; a missed message is made up for on reconnection and renewal); then no
 * instance counts a waiter, Redis holds only the set event's hash, and once cleared, nothing
 * after a lease (README, Keys).
 *
 * <p>A failure names its seed ({@link RedisFuzz}: {@code -Dbaton.fuzz.seed} replays it);
 * {@code -Dbaton.stress=N} makes the run N times longer.
 */
class RedisEventFuzzTest {

  private static final Logger log = LoggerFactory.getLogger(RedisEventFuzzTest.class);

  private static final int WAITS = 1500 * STRESS;
  private static final List<String> COMMANDS = List.of(Scripts.EVENT_SET.function(),
      Scripts.EVENT_CLEAR.function(), "HMGET");

  private final AtomicBoolean waiting = new AtomicBoolean(true);
  /** Waits without a timeout that nobody cancels: the last set() must wake each. */
  private final ConcurrentLinkedQueue<CompletableFuture<Void>> kept =
      new ConcurrentLinkedQueue<>();

  @Test
  void everyWaitSettlesAndALastSetWakesEveryInstanceThroughDroppedConnections() {
    RedisFuzz.once(RedisEventFuzzTest.class, this::run);
  }

  private void run(long seed) throws Exception {
    try (Instances instances = Instances.start()) {
      List<RedisBackend> backends = instances.backends();
      List<AsyncEvent> events = backends.stream().map(backend -> backend.event("fuzz")).toList();
      instances.waitersAndDriver(new Workers(seed),
          (on, random) -> waitAtRandom(backends.get(on), events.get(on), random),
          "setter", random -> setAndClear(events, random), COMMANDS, waiting);

      events.get(0).set();
      for (CompletableFuture<Void> wait : kept) {
        Throwable failure = settle(wait, "a wait pending at the last set()");
        assertThat(failure == null || failure instanceof RedisUnavailableException)
            .as("a wait pending at the last set() ended with %s", failure).isTrue();
      }
      for (AsyncEvent event : events) {
        assertThat(event.await()).succeedsWithin(SETTLE);
        soon().until(() -> event.waiters() == 0);
      }
      String key = "{" + backends.get(0).keyPrefix() + ":event:fuzz}";
      assertThat(instances.server().keys()).as("keys of a set event").containsExactly(key);
      events.get(0).clear();
      await().atMost(SharedRedis.LEASE.multipliedBy(3))
          .until(() -> instances.server().keys().isEmpty());
      log.info("seed {}: {} commands or replies dropped; {} waits woken by the last set()", seed,
          instances.proxy().drops(), kept.size());
    }
  }

  private void waitAtRandom(RedisBackend backend, AsyncEvent event, Random random)
      throws Exception {
    for (int n = 0; n < WAITS; n++) {
      int op = random.nextInt(8);
      CompletableFuture<Void> wait = op < 2 ? event.await()
          : event.await(Duration.ofMillis(random.nextInt(50)));
      if (op == 0) {
        kept.add(wait); // waits for the last set() at the latest
        continue;
      }
      if (op < 3) {
        jitter(random);
        wait.cancel(true);
      }
      Throwable failure = settle(wait, "a wait");
      if (failure instanceof RedisUnavailableException) {
        soon().until(backend::isConnected);
      } else if (failure != null && !(failure instanceof AcquireTimeoutException
          || failure instanceof CancellationException)) {
        throw new AssertionError("a wait failed unexpectedly", failure);
      }
    }
  }

  private void setAndClear(List<AsyncEvent> events, Random random) {
    while (waiting.get()) {
      AsyncEvent event = events.get(random.nextInt(events.size()));
      try {
        if (random.nextBoolean()) {
          event.set();
        } else {
          event.clear();
        }
        event.isSet(); // one round trip between changes
      } catch (RedisUnavailableException e) {
        soon().until(() -> !waiting.get() || events.stream().allMatch(this::reachable));
      }
    }
  }

  private boolean reachable(AsyncEvent event) {
    try {
      event.isSet();
      return true;
    } catch (RedisUnavailableException e) {
      return false;
    }
  }
}
