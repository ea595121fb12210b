package dev.baton.redis;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.baton.AcquireTimeoutException;
import dev.baton.Permit;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A randomized fault fuzz of the Redis lock and semaphore. Three instances (one connected
 * directly, two through a {@link ReplyDroppingProxy}) acquire (waiting, timed, with a zero
 * timeout, {@code tryAcquire}), cancel, hold and release at random, while commands are dropped
 * before they reach Redis, replies are dropped after Redis ran their command, connections are
 * killed with {@code CLIENT KILL}, and Redis is paused past the command timeout (SIGSTOP). Each
 * instance also holds a permit throughout, so that the faults hit its renewals. It checks the
 * README's promises:
 * <ul>
 *   <li>mutual exclusion: never more holders at once than permits whose leases were kept; the
 *       lock's fenced resource never rejects the token of a permit that kept its lease; tokens are
 *       never granted twice;
 *   <li>every call settles: granted, timed out ({@link AcquireTimeoutException}), cancelled, or
 *       failed by a dropped connection ({@link RedisUnavailableException});
 *   <li>nothing leaks: once the faults stop and every permit is released, both primitives are
 *       free, with no waiter, on every instance within a lease, and every key is gone within two
 *       leases (the ids of released permits, and a permit freed by its lease, stay until then);
 *   <li>on the instance whose replies are never dropped, a lease is reported lost only once it
 *       has about run out in Redis.
 * </ul>
 * A failure names the run's seed ({@link RedisFuzz}): {@code -Dbaton.fuzz.seed=<seed>} replays its
 * sequence of operations and faults (not the threads' interleaving); {@code -Dbaton.stress=N}
 * makes the run N times longer.
 */
class RedisFuzzTest {

  static final Duration LEASE = SharedRedis.LEASE;
  static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(1);
  /** Operations and faults of a run, about 20 ms apart. */
  static final int STEPS = 500 * RedisFuzz.STRESS;
  static final int SEMAPHORE_PERMITS = 2;
  /** The instance connected to Redis directly, not through the proxy. */
  static final int DIRECT = 0;
  /**
   * How long Redis is paused: past the command timeout, so that calls time out and run later,
   * and short enough that a renewal every third of a lease still comes in time (a pause shorter
   * than two thirds of a lease, less a margin).
   */
  static final int PAUSE_MILLIS = 1_000;
  static final int PAUSE_MILLIS_MAX = 1_600;
  /** How long Redis still holds permit ARGV[1] in holders KEYS[1] (ms), or -1 if it does not. */
  static final String LEASE_LEFT = "local d = redis.call('ZSCORE', KEYS[1], ARGV[1])"
      + " if not d then return -1 end local t = redis.call('TIME')"
      + " return tonumber(d) - (t[1] * 1000 + math.floor(t[2] / 1000))";
  /** What a dropped command or reply is picked from: any command, or one script's. */
  static final List<String> DROP_TARGETS = List.of("*", Scripts.ACQUIRE.function(),
      Scripts.RELEASE.function(), Scripts.CANCEL.function(), Scripts.RENEW.function());

  RedisFuzz.Instances fuzz;
  RedisServer server;
  ReplyDroppingProxy proxy;
  List<RedisBackend> instances;
  ScheduledExecutorService scheduler;
  /** For the calls that block a thread: {@code tryAcquire}, {@code redis-cli}. */
  ExecutorService blocking;

  /** Permits seen lost by {@link #watchLost}. */
  final Set<RedisPermit> lost = ConcurrentHashMap.newKeySet();
  /** Whether Redis is paused now by a fault. */
  final AtomicBoolean paused = new AtomicBoolean();
  final Queue<String> violations = new ConcurrentLinkedQueue<>();
  /** Each call's future, settled once it failed or its permit was released, and what it was. */
  final Map<CompletableFuture<Void>, String> settled = new ConcurrentHashMap<>();
  /** How the calls ended, by outcome: to see in the output that the run raced at all. */
  final Map<String, LongAdder> outcomes = new ConcurrentHashMap<>();

  @BeforeEach
  void start() throws Exception {
    fuzz = RedisFuzz.Instances.start(COMMAND_TIMEOUT);
    server = fuzz.server();
    proxy = fuzz.proxy();
    instances = fuzz.backends();
    scheduler = Executors.newScheduledThreadPool(2);
    blocking = Executors.newCachedThreadPool();
  }

  @AfterEach
  void stop() throws Exception {
    scheduler.shutdownNow();
    blocking.shutdownNow();
    fuzz.close();
  }

  @Test
  void locksAndSemaphoresKeepTheirPromisesUnderRandomFaults() throws Exception {
    long start = System.nanoTime();
    RedisFuzz.once(RedisFuzzTest.class, this::run);
    System.out.printf("Redis fuzz: %d calls in %d ms: %s, %d leases lost%n", settled.size(),
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start), outcomes, lost.size());
  }

  private void run(long seed) throws Exception {
    Shared lock = new Shared("lock", 1, backend -> (PermitHandle) backend.lock("fuzz"));
    Shared semaphore = new Shared("semaphore", SEMAPHORE_PERMITS,
        backend -> (PermitHandle) backend.semaphore("fuzz", SEMAPHORE_PERMITS));
    // Each instance also holds a permit for the whole run, so that the faults hit renewals too.
    Shared standing = new Shared("standing", instances.size(),
        backend -> (PermitHandle) backend.semaphore("fuzz-standing", instances.size()));
    List<Section> held = new ArrayList<>();
    for (int i = 0; i < instances.size(); i++) {
      held.add(standing.enter(i,
          (RedisPermit) standing.handles.get(i).acquire().get(5, TimeUnit.SECONDS)));
    }
    List<Shared> all = List.of(lock, semaphore, standing);
    ScheduledFuture<?> watch =
        scheduler.scheduleWithFixedDelay(() -> watchLost(all), 0, 50, MILLISECONDS);
    Random random = new Random(seed);
    List<ScheduledFuture<?>> steps = new ArrayList<>();
    long at = 0;
    for (int i = 0; i < STEPS; i++) {
      at += random.nextInt(40);
      Random step = new Random(random.nextLong());
      Shared target = random.nextBoolean() ? lock : semaphore;
      steps.add(scheduler.schedule(() -> step(target, step), at, MILLISECONDS));
    }
    for (ScheduledFuture<?> step : steps) {
      step.get(at + 30_000, MILLISECONDS);
    }
    proxy.disarm();
    server.resume();
    held.forEach(section -> standing.exit(section, true));

    awaitSettled(() -> "lock: " + state(lock) + "; semaphore: " + state(semaphore));
    // Within a lease, not at once: README, "A release a dropped connection failed is sent again
    // while the permit's lease lasts", and after that Redis frees the permit when the lease ends.
    // A permit read as lost is no longer renewed nor released: Redis frees it when its lease ends.
    await().atMost(LEASE.plusSeconds(2)).untilAsserted(() -> {
      for (int i = 0; i < instances.size(); i++) {
        for (Shared shared : all) {
          assertThat(shared.handles.get(i).permits.available())
              .as("%s permits available, on %d", shared.name, i).isEqualTo(shared.max);
          assertThat(shared.handles.get(i).waiters()).as("%s waiters, on %d", shared.name, i)
              .isZero();
        }
        assertThat(instances.get(i).heldPermits()).as("held permits, on %d", i).isZero();
        assertThat(instances.get(i).waitingAcquires()).as("waiting acquires, on %d", i).isZero();
      }
    });
    // A permit whose lease ran out is free at once, but its entry stays until a script of its
    // primitive purges it or its keys expire (README: "the keys expire one lease after their last
    // lease"); a permit still renewed, held by nobody, would keep them for good.
    await().atMost(LEASE.multipliedBy(2).plusSeconds(2)).until(() -> server.keys().isEmpty());

    watch.cancel(false);
    watchLost(all);
    blocking.shutdown();
    assertThat(blocking.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    all.forEach(Shared::checkExclusion);
    assertThat(violations).as("invariant violations").isEmpty();
  }

  /** One random operation on {@code target}, or a fault. */
  private void step(Shared target, Random random) {
    int dice = random.nextInt(100);
    if (dice < 8) {
      fault(random);
      return;
    }
    int instance = random.nextInt(instances.size());
    PermitHandle handle = target.handles.get(instance);
    CompletableFuture<Permit> call;
    if (dice < 20) {
      call = CompletableFuture.supplyAsync(
          () -> handle.tryAcquire().orElse(null), blocking); // never cancelled: it is synchronous
    } else {
      if (dice < 28) {
        call = handle.acquire(random.nextBoolean() ? Duration.ZERO : Duration.ofMillis(-1));
      } else if (dice < 60) {
        call = handle.acquire(Duration.ofMillis(1 + random.nextInt(400)));
      } else {
        call = handle.acquire();
      }
      if (random.nextInt(10) < 3) {
        boolean interrupt = random.nextBoolean();
        scheduler.schedule(() -> call.cancel(interrupt), random.nextInt(300), MILLISECONDS);
      }
    }
    // Now and then a hold that spans renewals, so that leases are renewed under the faults too.
    long holdMillis = random.nextInt(8) == 0 ? 500 + random.nextInt(2_000) : random.nextInt(120);
    boolean close = random.nextBoolean();
    CompletableFuture<Void> done = new CompletableFuture<>();
    settled.put(done, target.name + " call " + dice + " on " + instance + ": " + call);
    call.whenComplete((permit, failure) -> {
      if (failure != null) {
        expectWithdrawal(target, instance, failure);
        done.complete(null);
      } else if (permit == null) {
        count("busy");
        done.complete(null);
      } else {
        count("granted");
        Section section = target.enter(instance, (RedisPermit) permit);
        scheduler.schedule(() -> {
          target.exit(section, close);
          done.complete(null);
        }, holdMillis, MILLISECONDS);
      }
    });
  }

  /**
   * Drops a random command or reply of the proxied instances, kills connections, or pauses Redis
   * (SIGSTOP) past the command timeout, for less than a renewing instance can bear.
   */
  private void fault(Random random) {
    String target = DROP_TARGETS.get(random.nextInt(DROP_TARGETS.size()));
    switch (random.nextInt(7)) {
      case 0 -> proxy.dropCommand(target);
      case 1 -> proxy.dropReplyTo(target);
      case 2 -> kill("pubsub");
      case 3 -> kill("normal");
      default -> {
        long millis = PAUSE_MILLIS + random.nextInt(PAUSE_MILLIS_MAX - PAUSE_MILLIS);
        if (paused.compareAndSet(false, true)) { // one pause at a time, for its whole length
          server.pause();
          scheduler.schedule(() -> {
            server.resume();
            paused.set(false);
          }, millis, MILLISECONDS);
        }
      }
    }
  }

  /**
   * Kills every connection of {@code type} but while Redis is paused, when the kill would wait
   * for the pause to end and reconnect every instance at once as it ends.
   */
  private void kill(String type) {
    if (!paused.get()) {
      blocking.execute(() -> server.cli("CLIENT", "KILL", "TYPE", type));
    }
  }

  private void count(String outcome) {
    outcomes.computeIfAbsent(outcome, o -> new LongAdder()).increment();
  }

  /**
   * Checks against Redis each permit newly reported lost: README, "A permit whose lease could not
   * be renewed in time (Redis unreachable, a long GC pause) reads as lost". A lost lease is
   * allowed: a pause and a reconnect together can keep an instance from Redis long enough. But on
   * the instance connected directly, one reported while Redis still holds it for more than half a
   * lease is not: no reply is dropped there, so its renewals could still have come in time. (An
   * instance reads a lease as ending before Redis does, by up to the delay of its last renewal's
   * reply, less than a command timeout, and its clock estimate's error, so a report a little
   * early is by design; the proxied instances' renewals can run in Redis and lose their replies
   * for a lease, and an instance that hears of no renewal for a lease must read it as lost.)
   */
  private void watchLost(List<Shared> all) {
    for (Shared shared : all) {
      for (Section section : shared.sections) {
        if (section.permit.isLost() && lost.add(section.permit) && section.instance == DIRECT) {
          blocking.execute(() -> {
            long left = Long.parseLong(server.cli("EVAL", LEASE_LEFT, "1",
                section.permit.owner().keys().keys()[1], section.permit.id()));
            if (left > LEASE.toMillis() / 2) {
              violations.add(shared.name + ": " + section + " reported lost while Redis held it"
                  + " for " + left + " ms more");
            }
          });
        }
      }
    }
  }

  /** Records a failed call whose failure is none that the README documents. */
  private void expectWithdrawal(Shared target, int instance, Throwable failure) {
    Throwable cause = failure;
    while (cause instanceof CompletionException && cause.getCause() != null) {
      cause = cause.getCause();
    }
    count(cause.getClass().getSimpleName());
    if (!(cause instanceof CancellationException || cause instanceof AcquireTimeoutException
        || cause instanceof RedisUnavailableException)) {
      violations.add(target.name + " call on " + instance + " failed with " + cause);
    }
  }

  private void awaitSettled(Supplier<String> state) throws Exception {
    // The calls queued behind long holds may take a while to drain on a loaded machine: what
    // counts as stuck is a stretch of five leases in which not one of the rest settles.
    List<CompletableFuture<Void>> pending = new ArrayList<>(settled.keySet());
    while (!pending.isEmpty()) {
      try {
        CompletableFuture.anyOf(pending.toArray(CompletableFuture[]::new))
            .get(LEASE.multipliedBy(5).toMillis(), MILLISECONDS);
      } catch (TimeoutException e) {
        List<String> stuck = pending.stream().map(settled::get).toList();
        throw new AssertionError(stuck.size() + " of " + settled.size() + " calls never settled"
            + " (granted and released, or failed): " + stuck + "; " + state.get()
            + "; violations " + violations);
      }
      pending.removeIf(CompletableFuture::isDone);
    }
  }

  /** What each instance holds and waits for, and what Redis says of {@code shared}. */
  private String state(Shared shared) {
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < instances.size(); i++) {
      text.append(" [").append(i).append(": held ").append(instances.get(i).held().values())
          .append(", waiting ").append(instances.get(i).waiting().keySet()).append(']');
    }
    String[] keys = shared.handles.get(0).permits.keys().keys();
    return text.append(" in Redis: holders ").append(server.cli("ZRANGE", keys[1], "0", "-1"))
        .append(", waiters ").append(server.cli("ZRANGE", keys[2], "0", "-1")).toString()
        .replace('\n', ' ');
  }

  /** A critical section: a holder's permit, from its grant until just before its release. */
  private static final class Section {
    final int instance;
    final RedisPermit permit;
    final long enter = System.nanoTime();
    /** Whether the fenced resource accepted the holder's token (a lock's only). */
    final boolean accepted;
    volatile long exit = Long.MAX_VALUE;

    Section(int instance, RedisPermit permit, boolean accepted) {
      this.instance = instance;
      this.permit = permit;
      this.accepted = accepted;
    }

    @Override
    public String toString() {
      return "on " + instance + " " + permit + " [" + enter + ", " + exit + "]";
    }
  }

  /** One primitive, its handle in each instance, and the critical sections of its holders. */
  private final class Shared {
    final String name;
    final int max;
    final List<PermitHandle> handles;
    final FencedResource resource = new FencedResource();
    final Queue<Section> sections = new ConcurrentLinkedQueue<>();

    Shared(String name, int max, Function<RedisBackend, PermitHandle> handle) {
      this.name = name;
      this.max = max;
      this.handles = instances.stream().map(handle).toList();
    }

    synchronized Section enter(int instance, RedisPermit permit) {
      Section section = new Section(instance, permit, max > 1 || resource.write(permit.token()));
      sections.add(section);
      return section;
    }

    void exit(Section section, boolean close) {
      section.exit = System.nanoTime();
      try {
        if (close) {
          section.permit.close();
        } else {
          section.permit.release();
        }
      } catch (LeaseLostException lost) {
        // checked by watchLost
      } catch (RuntimeException e) {
        violations.add(name + " release " + section + " threw " + e);
      }
    }

    /**
     * More holders at once than permits, none of whose leases were lost (README: "A lease is not
     * mutual exclusion" only for a holder whose lease ran out), a lock's token rejected by the
     * fenced resource from a permit that kept its lease, or a token granted twice.
     */
    void checkExclusion() {
      List<Section> all = List.copyOf(sections);
      for (Section s : all) {
        List<Section> together = all.stream()
            .filter(t -> t.enter <= s.enter && s.enter < t.exit && !t.permit.isLost()).toList();
        if (together.size() > max) {
          violations.add(name + ": " + together.size() + " holders at once: " + together);
        }
        if (!s.accepted && !s.permit.isLost()) {
          violations.add(name + ": stale token rejected from a permit that kept its lease: " + s);
        }
      }
      long tokens = all.stream().map(s -> s.permit.token()).distinct().count();
      if (tokens != all.size()) {
        violations.add(name + ": " + (all.size() - tokens) + " tokens granted twice");
      }
    }
  }
}
