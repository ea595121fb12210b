package dev.baton.redis;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.awaitility.core.ConditionFactory;
import org.awaitility.core.ConditionTimeoutException;

/**
 * Shared machinery of the Redis backend's randomized tests, after core's {@code Fuzz}: one seed
 * per run, named by a failure and replayed with {@code -Dbaton.fuzz.seed=<seed>} (the same calls
 * per worker thread, not the same interleaving); {@code -Dbaton.stress=N} scales the runs. Three
 * instances on one redis-server, two of them behind a {@link ReplyDroppingProxy} that a fault
 * thread keeps dropping commands and replies of.
 */
final class RedisFuzz {

  static final int STRESS = Math.max(1, Integer.getInteger("baton.stress", 1));
  /** How long anything may take to settle before it counts as stuck. */
  static final Duration SETTLE = Duration.ofSeconds(30);
  private static final Long REPLAY_SEED = Long.getLong("baton.fuzz.seed");

  private RedisFuzz() {}

  /** The body of one run, given its seed. */
  interface Run {
    void run(long seed) throws Exception;
  }

  /** The body of one worker thread. */
  interface Worker {
    void work(Random random) throws Exception;
  }

  /** The body of a worker thread of one instance, given the instance's index. */
  interface InstanceWorker {
    void work(int instance, Random random) throws Exception;
  }

  /** Performs one run with a fresh seed, or the replayed one; a failure names it. */
  static void once(Class<?> test, Run body) {
    long seed = REPLAY_SEED != null ? REPLAY_SEED : ThreadLocalRandom.current().nextLong();
    try {
      body.run(seed);
    } catch (Throwable t) {
      throw new AssertionError(test.getSimpleName() + " failed with seed " + seed + " (replay:"
          + " mvn -o verify -pl core,redis -am -Dsurefire.failIfNoSpecifiedTests=false -Dtest="
          + test.getSimpleName() + " -Dbaton.fuzz.seed=" + seed + "): " + t, t);
    }
  }

  /**
   * A redis-server and three instances on it, past the restart quarantine: the first connected
   * directly, the other two through {@code proxy}.
   */
  record Instances(RedisServer server, ReplyDroppingProxy proxy, List<RedisBackend> backends)
      implements AutoCloseable {

    static Instances start() throws IOException {
      return start(Duration.ofSeconds(2));
    }

    /** As {@link #start()}, with {@code commandTimeout}. */
    static Instances start(Duration commandTimeout) throws IOException {
      RedisServer server = RedisServer.startedAhead();
      ReplyDroppingProxy proxy = new ReplyDroppingProxy(server.port());
      RedisBackendOptions options = RedisBackendOptions.DEFAULTS.withLease(SharedRedis.LEASE)
          .withCommandTimeout(commandTimeout);
      Instances instances = new Instances(server, proxy, List.of(
          RedisBackend.connect(server.uri(), options), RedisBackend.connect(proxy.uri(), options),
          RedisBackend.connect(proxy.uri(), options)));
      await().atMost(SharedRedis.LEASE.multipliedBy(3))
          .until(() -> instances.backends.stream().noneMatch(RedisBackend::isQuarantined));
      return instances;
    }

    /** Waits until every instance is connected. */
    void connected() {
      soon().until(() -> backends.stream().allMatch(RedisBackend::isConnected));
    }

    /**
     * While {@code running}, drops a command of one of {@code scripts} (by SHA) before Redis, or
     * its reply after Redis ran it, waits for the reconnection, and again.
     */
    void dropAtRandom(List<String> scripts, Random random, BooleanSupplier running) {
      while (running.getAsBoolean()) {
        int drops = proxy.drops();
        String script = scripts.get(random.nextInt(scripts.size()));
        if (random.nextBoolean()) {
          proxy.dropCommand(script);
        } else {
          proxy.dropReplyTo(script);
        }
        try {
          soon().atMost(Duration.ofSeconds(2))
              .until(() -> proxy.drops() > drops || !running.getAsBoolean());
        } catch (ConditionTimeoutException e) {
          proxy.disarm(); // that command was not sent meanwhile: aim at another
        }
        connected();
      }
      proxy.disarm();
    }

    /**
     * Runs {@code waiter} on a thread per instance and {@code driver} on one more, while a fault
     * thread drops commands of {@code scripts} or their replies; once the waiters have ended,
     * clears {@code running} (which the driver's loop and the faults follow), waits for the driver
     * and the faults to end and for every instance to be connected again.
     */
    void waitersAndDriver(Workers workers, InstanceWorker waiter, String driverName,
        Worker driver, List<String> scripts, AtomicBoolean running) throws InterruptedException {
      List<Thread> waiters = new ArrayList<>();
      for (int i = 0; i < backends.size(); i++) {
        int on = i;
        waiters.add(workers.start("waiter-" + i, random -> waiter.work(on, random)));
      }
      Thread driving = workers.start(driverName, driver);
      Thread faults =
          workers.start("faults", random -> dropAtRandom(scripts, random, running::get));
      workers.finish(waiters);
      running.set(false);
      workers.finish(List.of(driving, faults));
      connected();
    }

    @Override
    public void close() throws IOException {
      backends.forEach(RedisBackend::close);
      proxy.close();
      server.close();
    }
  }

  /** Worker threads, each with a {@link Random} derived from the run's seed. */
  static final class Workers {
    private final long seed;
    private final ConcurrentLinkedQueue<Throwable> thrown = new ConcurrentLinkedQueue<>();
    private int started;

    Workers(long seed) {
      this.seed = seed;
    }

    Thread start(String name, Worker worker) {
      long threadSeed = seed ^ (0x9E3779B97F4A7C15L * ++started);
      Thread thread = new Thread(() -> {
        try {
          worker.work(new Random(threadSeed));
        } catch (Throwable t) {
          thrown.add(new AssertionError(name + " threw " + t, t));
        }
      }, "fuzz-" + name);
      thread.setDaemon(true);
      thread.start();
      return thread;
    }

    /** Waits for {@code threads} to end; rethrows what any worker threw. */
    void finish(List<Thread> threads) throws InterruptedException {
      for (Thread thread : threads) {
        thread.join(SETTLE.toMillis());
        if (thread.isAlive()) {
          AssertionError stuck = new AssertionError(thread.getName() + " is stuck");
          stuck.setStackTrace(thread.getStackTrace());
          throw stuck;
        }
      }
      if (!thrown.isEmpty()) {
        throw (AssertionError) thrown.peek();
      }
    }
  }

  /** Waits until {@code future} is done; its failure, unwrapped, or null. */
  static Throwable settle(CompletableFuture<?> future, String what) throws Exception {
    try {
      future.get(SETTLE.toSeconds(), TimeUnit.SECONDS);
      return null;
    } catch (TimeoutException e) {
      throw new AssertionError(what + " never settled", e);
    } catch (CancellationException e) {
      return e;
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      return cause instanceof CompletionException && cause.getCause() != null
          ? cause.getCause() : cause;
    }
  }

  /** Awaits a state that workers wait for, polling often, up to {@link #SETTLE}. */
  static ConditionFactory soon() {
    return await().atMost(SETTLE).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(2));
  }

  /** Spins a random short while, to vary where a cancel lands. */
  static void jitter(Random random) {
    for (int i = random.nextInt(4) == 0 ? random.nextInt(200_000) : 0; i > 0; i--) {
      Thread.onSpinWait();
    }
  }
}
