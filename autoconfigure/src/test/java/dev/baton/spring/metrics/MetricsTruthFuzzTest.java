package dev.baton.spring.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.baton.AcquireTimeoutException;
import dev.baton.AsyncBarrier;
import dev.baton.AsyncCondition;
import dev.baton.AsyncEvent;
import dev.baton.AsyncLock;
import dev.baton.AsyncQueue;
import dev.baton.AsyncSemaphore;
import dev.baton.Permit;
import dev.baton.annotation.AwaitsEvent;
import dev.baton.annotation.Guarded;
import dev.baton.annotation.Limited;
import dev.baton.spring.BatonAutoConfiguration;
import dev.baton.spring.FuzzThreads;
import dev.baton.spring.LockFamily;
import dev.baton.spring.NamedPrimitive;
import dev.baton.spring.PrimitiveRegistry;
import dev.baton.spring.aspect.BatonAspectsAutoConfiguration;
import dev.baton.spring.endpoint.BatonEndpoint;
import dev.baton.spring.endpoint.BatonEndpointAutoConfiguration;
import dev.baton.spring.stall.BatonStallsAutoConfiguration;
import dev.baton.spring.stall.BatonStallsMetricsAutoConfiguration;
import dev.baton.spring.stall.StallMeters;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationContext;

/**
 * Randomized check that Baton's meters and its {@code baton} endpoint tell the truth, in a real
 * Spring context with a real meter registry, with the stall view off and on. Several threads
 * drive every kind of registry primitive (a lock, a per-key lock family and a plain lock of the
 * same name, a semaphore, an event, a condition, a barrier and bounded queues) and the
 * {@code @Guarded}, {@code @Limited} and {@code @AwaitsEvent} annotations with random calls:
 * plain and timed waits, {@code tryAcquire}, {@code withLock} and {@code withPermit}, waits
 * withdrawn at once or a little later by {@code cancel}, {@code completeExceptionally} or
 * {@code orTimeout} (so before or after the grant, where a withdrawal that loses hands over the
 * grant and the caller releases it), permits given back by {@code release()} or twice by
 * {@code close()}, queue put, take, offer, poll, taskDone, join, shutdown and shutdownNow,
 * barrier aborts and resets, event sets and clears, condition signals, awaits and
 * {@code awaitUntil} with a predicate that may hold at once, later, or throw.
 *
 * <p>Checked, as the README's "Metrics" section promises: while it runs, no gauge and no count of
 * the endpoint is sampled negative or above its bound; once quiet, every gauge is back to its
 * baseline (the stall view's oldest-wait and oldest-hold gauges at 0, absent when it is off) and
 * agrees with the primitive and the endpoint; {@code baton.wait} counts each wait once, under the
 * outcome its future ended with (the test's own tally of those futures; a future withdrawn from
 * outside is cancelled; for an annotated call, within what its result shows), and
 * {@code baton.held} counts each hold once, at its release. The seed is in the failure message
 * ({@code -Dbaton.fuzz.seed} replays each thread's plan; thread timing varies);
 * {@code -Dbaton.stress} multiplies the operations.
 */
@Timeout(120)
class MetricsTruthFuzzTest {

  private static final int OPS = 6_000 * Math.max(1, Integer.getInteger("baton.stress", 1));
  private static final Long REPLAY_SEED = Long.getLong("baton.fuzz.seed");
  private static final int THREADS = 4;
  private static final Duration SETTLE = Duration.ofSeconds(30);
  private static final String LOCK = "fz-lock";
  private static final String KEYS = "fz-keys";
  private static final String PERMITS = "fz-permits";
  private static final String EVENT = "fz-event";
  private static final String CONDITION = "fz-condition";
  private static final String BARRIER = "fz-barrier";
  private static final String QUEUE = "fz-queue-";
  private static final String ANN_LOCK = "fz-ann-lock";
  private static final String ANN_KEYS = "fz-ann-keys";
  private static final String ANN_PERMITS = "fz-ann-permits";
  private static final String ANN_EVENT = "fz-ann-event";
  private static final int MAX_PERMITS = 3;
  private static final int ANN_MAX_PERMITS = 2;
  private static final int PARTIES = 3;
  private static final int CAPACITY = 4;
  /** Queues used one after another: each shut down moves the run on to the next. */
  private static final int QUEUE_GENERATIONS = 4;
  private static final List<String> KEY_VALUES = List.of("k0", "k1", "k2");

  private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(AopAutoConfiguration.class,
          BatonStallsAutoConfiguration.class, BatonAutoConfiguration.class,
          BatonAspectsAutoConfiguration.class, BatonMetricsAutoConfiguration.class,
          BatonStallsMetricsAutoConfiguration.class, BatonEndpointAutoConfiguration.class,
          MetricsAutoConfiguration.class, SimpleMetricsExportAutoConfiguration.class,
          CompositeMeterRegistryAutoConfiguration.class))
      .withPropertyValues("baton.default-timeout=60s",
          "management.endpoints.web.exposure.include=baton")
      .withPropertyValues(queueCapacities())
      .withBean(Annotated.class);

  @ParameterizedTest(name = "stall view {0}")
  @ValueSource(strings = {"off", "basic"})
  void theMetersAndTheEndpointTellTheTruthThroughARandomRun(String level) {
    long seed = REPLAY_SEED != null ? REPLAY_SEED : ThreadLocalRandom.current().nextLong();
    contextRunner.withPropertyValues("baton.stalls.level=" + level).run(context -> {
      assertThat(context).hasNotFailed();
      try {
        new FuzzRun(context, seed, !level.equals("off")).run();
      } catch (Throwable t) {
        throw new AssertionError("stall view " + level + ", seed " + seed + " (replay: -Dtest="
            + getClass().getSimpleName() + " -Dbaton.fuzz.seed=" + seed + "): " + t, t);
      }
    });
  }

  private static String[] queueCapacities() {
    String[] capacities = new String[QUEUE_GENERATIONS];
    for (int g = 0; g < QUEUE_GENERATIONS; g++) {
      capacities[g] = "baton.queues." + QUEUE + g + ".capacity=" + CAPACITY;
    }
    return capacities;
  }

  /**
   * How a wait's future ended, named as the {@code outcome} tag of {@code baton.wait}: a future
   * completed from outside (here only with {@link Withdrawn}, or by {@code orTimeout}) withdrew
   * its wait, as a cancel does.
   */
  static String outcome(Throwable failure) {
    Throwable cause = failure instanceof CompletionException && failure.getCause() != null
        ? failure.getCause() : failure;
    if (cause == null) {
      return "acquired";
    }
    if (cause instanceof AcquireTimeoutException) {
      return "timeout";
    }
    return cause instanceof CancellationException || cause instanceof Withdrawn
        || cause instanceof TimeoutException ? "cancelled" : "failed";
  }

  /** What the test completes a wait's future with from outside, which withdraws the wait. */
  static final class Withdrawn extends RuntimeException {
    Withdrawn() {
      super("withdrawn by the test", null, false, false);
    }
  }

  /** The annotated methods; each body counts its entry and ends when its call's {@code done}. */
  public static class Annotated {

    @Guarded(ANN_LOCK)
    public CompletableFuture<String> guarded(Call call) {
      return call.enter();
    }

    @Guarded(value = ANN_LOCK, timeout = "2ms")
    public CompletableFuture<String> timedGuarded(Call call) {
      return call.enter();
    }

    @Guarded(value = ANN_KEYS, key = "#key")
    public CompletableFuture<String> keyed(String key, Call call) {
      return call.enter();
    }

    @Limited(value = ANN_PERMITS, permits = ANN_MAX_PERMITS)
    public CompletableFuture<String> limited(Call call) {
      return call.enter();
    }

    @Limited(value = ANN_PERMITS, permits = ANN_MAX_PERMITS, timeout = "2ms")
    public CompletableFuture<String> timedLimited(Call call) {
      return call.enter();
    }

    @AwaitsEvent(value = ANN_EVENT, timeout = "3ms")
    public CompletableFuture<String> awaiting(Call call) {
      return call.enter();
    }
  }

  /** One annotated call: its gate's name, whether its body ran, and what ends its body. */
  public static final class Call {
    final String name;
    final CompletableFuture<String> done = new CompletableFuture<>();
    final Tally tally;

    Call(String name, Tally tally) {
      this.name = name;
      this.tally = tally;
    }

    CompletableFuture<String> enter() {
      tally.add("ran", name);
      return done;
    }
  }

  /** Counts by key, thread-safe: what the test saw happen. */
  static final class Tally {
    private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();

    void add(String... key) {
      counts.computeIfAbsent(String.join("|", key), k -> new LongAdder()).increment();
    }

    long get(String... key) {
      LongAdder count = counts.get(String.join("|", key));
      return count == null ? 0 : count.sum();
    }
  }

  /** One run: the context's primitives, the threads, and what they saw. */
  private static final class FuzzRun {
    private final PrimitiveRegistry registry;
    private final Annotated annotated;
    private final MeterRegistry meters;
    private final BatonEndpoint endpoint;
    private final boolean stallView;
    private final long seed;
    private final Tally tally = new Tally();
    private final List<String> problems = new ArrayList<>();
    private final ScheduledExecutorService scheduler =
        Executors.newScheduledThreadPool(2, FuzzThreads.daemon("fz-scheduler"));
    private final ExecutorService threads = Executors.newFixedThreadPool(THREADS,
        FuzzThreads.daemon("fz-worker"));
    /** Waits, holds and delayed steps begun and not yet over: quiet at 0. */
    private final AtomicInteger outstanding = new AtomicInteger();
    /** Futures of waits not yet ended, cancelled at the end of the run. */
    private final Set<CompletableFuture<?>> pending = ConcurrentHashMap.newKeySet();
    private final AtomicInteger generation = new AtomicInteger();
    /** Made greater by each signaller: what the predicates of {@code awaitUntil} read. */
    private final AtomicInteger readiness = new AtomicInteger();
    private final AtomicLong samples = new AtomicLong();
    private final Map<String, LockFamily> families = new ConcurrentHashMap<>();

    FuzzRun(ApplicationContext context, long seed, boolean stallView) {
      this.registry = context.getBean(PrimitiveRegistry.class);
      this.annotated = context.getBean(Annotated.class);
      this.meters = context.getBean(MeterRegistry.class);
      this.endpoint = context.getBean(BatonEndpoint.class);
      this.stallView = stallView;
      this.seed = seed;
      registry.onPrimitive(named -> {
        if (named.kind() == NamedPrimitive.Kind.LOCK_FAMILY) {
          families.put(named.name(), (LockFamily) named.primitive());
        }
      });
    }

    void run() throws Exception {
      registry.semaphore(PERMITS, MAX_PERMITS);
      registry.barrier(BARRIER, PARTIES);
      registry.condition(CONDITION);
      registry.lock(KEYS, KEY_VALUES.get(0));
      registry.lock(ANN_KEYS, KEY_VALUES.get(0));
      registry.event(ANN_EVENT);
      var sampler = scheduler.scheduleWithFixedDelay(this::sample, 0, 1, TimeUnit.MILLISECONDS);
      List<CompletableFuture<Void>> workers = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        Random random = new Random(seed * 31 + t + 1);
        workers.add(CompletableFuture.runAsync(() -> work(random), threads));
      }
      try {
        try {
          CompletableFuture.allOf(workers.toArray(CompletableFuture[]::new))
              .get(SETTLE.toSeconds(), TimeUnit.SECONDS);
          quiesce();
        } catch (TimeoutException | ConditionTimeoutException e) {
          throw new AssertionError("stuck: " + stuck(), e);
        }
        sampler.cancel(false);
        sample();
        synchronized (problems) {
          assertThat(problems).as("gauges sampled out of bounds").isEmpty();
        }
        assertThat(samples).as("gauge samples taken").hasPositiveValue();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(this::assertTheMetersTellTheTruth);
      } finally {
        scheduler.shutdownNow();
        threads.shutdownNow();
      }
    }

    /** What a stuck run shows: its state and where its threads are. */
    private String stuck() {
      StringBuilder dump = new StringBuilder(state());
      Thread.getAllStackTraces().forEach((thread, stack) -> {
        if (thread.getName().startsWith("fz-")) {
          dump.append("\n").append(thread.getName());
          for (StackTraceElement frame : stack) {
            dump.append("\n  ").append(frame);
          }
        }
      });
      return dump.toString();
    }

    /** The levels of the primitives, the endpoint and the tally. */
    private String state() {
      AsyncCondition condition = registry.condition(CONDITION);
      return "outstanding=" + outstanding + " pending=" + pending.size()
          + " lock=" + registry.lock(LOCK).isLocked() + "/" + registry.lock(LOCK).waiters()
          + " keys=" + families.get(KEYS).heldKeys() + "/" + families.get(KEYS).waiters()
          + " permits=" + registry.semaphore(PERMITS).availablePermits() + "/"
          + registry.semaphore(PERMITS).waiters()
          + " condition=" + condition.lock().isLocked() + "/" + condition.lock().waiters() + "/"
          + condition.waiters()
          + " annLock=" + registry.lock(ANN_LOCK).isLocked() + "/"
          + registry.lock(ANN_LOCK).waiters()
          + " annKeys=" + families.get(ANN_KEYS).heldKeys() + "/"
          + families.get(ANN_KEYS).waiters()
          + " annPermits=" + registry.semaphore(ANN_PERMITS).availablePermits() + "/"
          + registry.semaphore(ANN_PERMITS).waiters()
          + " endpoint=" + endpoint.primitives().primitives() + " tally=" + tally.counts;
    }

    private void work(Random random) {
      for (int i = 0; i < OPS / THREADS; i++) {
        CompletableFuture<?> bounded = switch (random.nextInt(9)) {
          case 0 -> lockOp(random, "lock", LOCK, () -> registry.lock(LOCK));
          case 1 -> lockOp(random, "lock", KEYS, () -> random.nextInt(4) == 0
              ? registry.lock(KEYS)
              : registry.lock(KEYS, KEY_VALUES.get(random.nextInt(KEY_VALUES.size()))));
          case 2 -> lockOp(random, "semaphore", PERMITS, () -> registry.semaphore(PERMITS));
          case 3 -> eventOp(random);
          case 4 -> conditionOp(random);
          case 5 -> barrierOp(random);
          case 6, 7 -> queueOp(random);
          default -> annotatedOp(random);
        };
        if (bounded != null && random.nextInt(3) == 0) {
          try {
            bounded.handle((v, t) -> null).get(SETTLE.toSeconds(), TimeUnit.SECONDS);
          } catch (Exception e) {
            throw new IllegalStateException("a bounded operation did not end", e);
          }
        }
      }
    }

    /**
     * Tallies the wait {@code wait} on {@code kind} {@code name} by how its future ends, withdraws
     * it from outside now or soon as {@code random} says, and returns it.
     */
    private <T> CompletableFuture<T> waited(Random random, String kind, String name,
        CompletableFuture<T> wait) {
      tallyWait(kind, name, wait);
      switch (random.nextInt(9)) {
        case 0 -> wait.cancel(random.nextBoolean());
        case 1 -> later(random.nextInt(3), () -> wait.cancel(false));
        case 2 -> later(random.nextInt(3), () -> wait.completeExceptionally(new Withdrawn()));
        case 3 -> wait.orTimeout(1 + random.nextInt(2), TimeUnit.MILLISECONDS);
        default -> {
        }
      }
      return wait;
    }

    /** Runs {@code step} after {@code millis}, counted outstanding until it has run. */
    private void later(int millis, Runnable step) {
      outstanding.incrementAndGet();
      scheduler.schedule(() -> {
        try {
          step.run();
        } finally {
          outstanding.decrementAndGet();
        }
      }, millis, TimeUnit.MILLISECONDS);
    }

    /**
     * Releases {@code permit} of {@code kind} {@code name} now or after {@code millis}: by
     * {@code release()}, or for an odd {@code millis} by {@code close()} twice, whose second call
     * does nothing.
     */
    private void release(String kind, String name, Permit permit, int millis) {
      Runnable release = () -> {
        tally.add("held", kind, name);
        if (millis % 2 == 0) {
          permit.release();
        } else {
          permit.close();
          permit.close();
        }
      };
      if (millis == 0) {
        release.run();
      } else {
        later(millis, release);
      }
    }

    private CompletableFuture<?> lockOp(Random random, String kind, String name,
        Supplier<? extends Object> primitive) {
      Object target = primitive.get();
      int hold = random.nextInt(3);
      int op = random.nextInt(6);
      if (op == 0) {
        tryAcquire(target).ifPresent(permit -> release(kind, name, permit, hold));
        return null;
      }
      if (op == 5) {
        return holding(kind, name, target, random.nextBoolean() ? null
            : Duration.ofMillis(random.nextInt(4)), hold);
      }
      CompletableFuture<Permit> acquire = op == 1
          ? timedAcquire(target, Duration.ofMillis(random.nextInt(4))) : acquire(target);
      waited(random, kind, name, acquire).thenAccept(permit -> release(kind, name, permit, hold));
      return acquire;
    }

    /**
     * {@code withLock} or {@code withPermit}, never cancelled: its wait is granted exactly when its
     * action runs, and its hold ends when the action's stage completes, {@code millis} later.
     */
    private CompletableFuture<?> holding(String kind, String name, Object target,
        Duration timeout, int millis) {
      Supplier<CompletableFuture<String>> action = () -> {
        tally.add("wait", kind, name, "acquired");
        tally.add("held", kind, name);
        CompletableFuture<String> done = new CompletableFuture<>();
        later(millis, () -> done.complete("done"));
        return done;
      };
      CompletableFuture<String> result = target instanceof AsyncLock lock
          ? timeout == null ? lock.withLock(action) : lock.withLock(timeout, action)
          : timeout == null ? ((AsyncSemaphore) target).withPermit(action)
          : ((AsyncSemaphore) target).withPermit(timeout, action);
      outstanding.incrementAndGet();
      result.whenComplete((v, t) -> {
        if (t != null) {
          tally.add("wait", kind, name, outcome(t));
        }
        outstanding.decrementAndGet();
      });
      return result;
    }

    private static Optional<Permit> tryAcquire(Object target) {
      return target instanceof AsyncLock lock ? lock.tryAcquire()
          : ((AsyncSemaphore) target).tryAcquire();
    }

    private static CompletableFuture<Permit> acquire(Object target) {
      return target instanceof AsyncLock lock ? lock.acquire()
          : ((AsyncSemaphore) target).acquire();
    }

    private static CompletableFuture<Permit> timedAcquire(Object target, Duration timeout) {
      return target instanceof AsyncLock lock ? lock.acquire(timeout)
          : ((AsyncSemaphore) target).acquire(timeout);
    }

    private CompletableFuture<?> eventOp(Random random) {
      AsyncEvent event = registry.event(EVENT);
      switch (random.nextInt(6)) {
        case 0 -> event.set();
        case 1 -> event.clear();
        case 2 -> {
          return waited(random, "event", EVENT,
              event.await(Duration.ofMillis(random.nextInt(4))));
        }
        default -> waited(random, "event", EVENT, event.await());
      }
      return null;
    }

    private CompletableFuture<?> conditionOp(Random random) {
      AsyncCondition condition = registry.condition(CONDITION);
      int action = random.nextInt(9);
      boolean throwing = random.nextInt(4) == 0;
      int hold = random.nextInt(2);
      boolean cancelAwait = random.nextInt(5) == 0;
      int timeout = 1 + random.nextInt(3);
      CompletableFuture<Permit> acquire = waited(random, "condition", CONDITION,
          random.nextBoolean() ? condition.acquire()
              : condition.lock().acquire(Duration.ofMillis(random.nextInt(4))));
      acquire.thenAccept(permit -> {
        switch (action) {
          case 0, 1 -> {
            readiness.incrementAndGet();
            condition.signal();
            release("condition", CONDITION, permit, hold);
          }
          case 2 -> {
            readiness.incrementAndGet();
            condition.signalAll();
            release("condition", CONDITION, permit, hold);
          }
          case 3, 4 -> conditionAwait(condition.await(permit, Duration.ofMillis(timeout)), false);
          case 5 -> conditionAwait(condition.await(permit), cancelAwait);
          case 6 -> {
            CompletableFuture<Permit> kept = condition.awaitUntil(() -> true, permit);
            tallyWait("condition", CONDITION, kept);
            kept.thenAccept(same -> release("condition", CONDITION, same, hold));
          }
          default -> awaitUntil(condition, permit, throwing, cancelAwait);
        }
      });
      return acquire;
    }

    /**
     * {@code awaitUntil} with a predicate that the signallers make true and false in turn, and
     * that may throw: the hold of {@code permit} ends if the await gave the lock back, else the
     * future completes with {@code permit} itself, still held.
     */
    private void awaitUntil(AsyncCondition condition, Permit permit, boolean throwing,
        boolean cancel) {
      CompletableFuture<Permit> awaiting = condition.awaitUntil(() -> {
        int now = readiness.get();
        if (throwing && now % 5 == 0) {
          throw new IllegalStateException("a predicate that throws");
        }
        return now % 2 == 0;
      }, permit);
      if (permit.isReleased()) {
        tally.add("held", "condition", CONDITION);
      }
      tallyWait("condition", CONDITION, awaiting);
      awaiting.thenAccept(held -> release("condition", CONDITION, held, 0));
      if (cancel) {
        later(1, () -> awaiting.cancel(false));
      }
    }

    /** An await that gave the condition's lock back, which ended the hold of its permit. */
    private void conditionAwait(CompletableFuture<Permit> awaiting, boolean cancel) {
      tally.add("held", "condition", CONDITION);
      tallyWait("condition", CONDITION, awaiting);
      awaiting.thenAccept(permit -> release("condition", CONDITION, permit, 0));
      if (cancel) {
        later(1, () -> awaiting.cancel(false));
      }
    }

    /** Tallies a wait begun in a callback, where the worker's {@code Random} is not to be used. */
    private void tallyWait(String kind, String name, CompletableFuture<?> wait) {
      outstanding.incrementAndGet();
      pending.add(wait);
      wait.whenComplete((v, t) -> {
        tally.add("wait", kind, name, outcome(t));
        pending.remove(wait);
        outstanding.decrementAndGet();
      });
    }

    private CompletableFuture<?> barrierOp(Random random) {
      AsyncBarrier barrier = registry.barrier(BARRIER);
      int op = random.nextInt(20);
      if (op == 0) {
        barrier.abort();
      } else if (op <= 2) {
        barrier.reset();
      } else {
        waited(random, "barrier", BARRIER, barrier.await());
      }
      return null;
    }

    private CompletableFuture<?> queueOp(Random random) {
      int gen = generation.get();
      String name = QUEUE + gen;
      AsyncQueue<Integer> queue = registry.queue(name);
      int op = random.nextInt(40);
      if (op == 0 && gen < QUEUE_GENERATIONS - 1 && generation.compareAndSet(gen, gen + 1)) {
        if (random.nextBoolean()) {
          tally.add("shutdownNow", name);
          queue.shutdownNow();
        } else {
          queue.shutdown();
        }
        return null;
      }
      int done = random.nextInt(3);
      switch (op % 8) {
        case 0, 1 -> {
          waited(random, "queue", name, queue.put(op)).thenRun(() -> tally.add("in", name));
          return null;
        }
        case 2 -> {
          CompletableFuture<Void> put = waited(random, "queue", name,
              queue.put(op, Duration.ofMillis(random.nextInt(4))));
          put.thenRun(() -> tally.add("in", name));
          return put;
        }
        case 3 -> {
          if (offer(queue, op)) {
            tally.add("in", name);
          }
          return null;
        }
        case 4 -> {
          CompletableFuture<Integer> take = waited(random, "queue", name,
              queue.take(Duration.ofMillis(random.nextInt(4))));
          take.thenAccept(item -> taken(name, queue, done));
          return take;
        }
        case 5 -> {
          if (poll(queue) != null) {
            taken(name, queue, done);
          }
          return null;
        }
        case 6 -> {
          queue.join();
          return null;
        }
        default -> {
          waited(random, "queue", name, queue.take())
              .thenAccept(item -> taken(name, queue, done));
          return null;
        }
      }
    }

    private static boolean offer(AsyncQueue<Integer> queue, int item) {
      try {
        return queue.offer(item);
      } catch (RuntimeException shutDown) {
        return false;
      }
    }

    private static Integer poll(AsyncQueue<Integer> queue) {
      try {
        return queue.poll();
      } catch (RuntimeException shutDownAndEmpty) {
        return null;
      }
    }

    /** An item taken from {@code queue}, marked done now or soon. */
    private void taken(String name, AsyncQueue<Integer> queue, int millis) {
      tally.add("out", name);
      if (millis == 0) {
        queue.taskDone();
      } else {
        later(millis, queue::taskDone);
      }
    }

    private CompletableFuture<?> annotatedOp(Random random) {
      int op = random.nextInt(8);
      if (op == 0) {
        AsyncEvent event = registry.event(ANN_EVENT);
        if (random.nextBoolean()) {
          event.set();
        } else {
          event.clear();
        }
        return null;
      }
      String name = switch (op) {
        case 1, 2 -> ANN_LOCK;
        case 3 -> ANN_KEYS;
        case 4, 5 -> ANN_PERMITS;
        default -> ANN_EVENT;
      };
      Call call = new Call(name, tally);
      tally.add("calls", name);
      CompletableFuture<String> result = switch (op) {
        case 1 -> annotated.guarded(call);
        case 2 -> annotated.timedGuarded(call);
        case 3 -> annotated.keyed(KEY_VALUES.get(random.nextInt(KEY_VALUES.size())), call);
        case 4 -> annotated.limited(call);
        case 5 -> annotated.timedLimited(call);
        default -> annotated.awaiting(call);
      };
      outstanding.incrementAndGet();
      result.whenComplete((v, t) -> {
        String outcome = outcome(t);
        if (!outcome.equals("acquired")) {
          tally.add("result", name, outcome);
        }
        outstanding.decrementAndGet();
      });
      later(random.nextInt(3), () -> call.done.complete("done"));
      int cancel = random.nextInt(5);
      if (cancel == 0) {
        tally.add("cancelled", name);
        result.cancel(true);
      } else if (cancel == 1) {
        tally.add("cancelled", name);
        later(random.nextInt(3), () -> result.cancel(true));
      }
      return result;
    }

    /**
     * Sets the events, breaks and re-arms the barrier and cancels every wait still pending, then
     * waits until nothing is outstanding. Annotated calls end by themselves: each waits with a
     * timeout or for holds that end soon, and its body ends soon.
     */
    private void quiesce() {
      registry.event(EVENT).set();
      registry.event(ANN_EVENT).set();
      AsyncBarrier barrier = registry.barrier(BARRIER);
      barrier.abort();
      barrier.reset();
      await().atMost(SETTLE).until(() -> {
        pending.forEach(wait -> wait.cancel(false));
        return outstanding.get() == 0;
      });
    }

    /** Reads every gauge, and now and then the endpoint, once and notes any out of bounds. */
    private void sample() {
      if (samples.incrementAndGet() % 8 == 0) {
        sampleEndpoint();
      }
      for (Meter meter : meters.getMeters()) {
        if (!(meter instanceof Gauge gauge)) {
          continue;
        }
        double value = gauge.value();
        double bound = bound(meter);
        if (!(value >= 0) || value > bound) {
          synchronized (problems) {
            if (problems.size() < 20) {
              problems.add(meter.getId() + " read " + value + ", bound " + bound);
            }
          }
        }
      }
    }

    /** Notes any count the endpoint shows negative or above its bound. */
    private void sampleEndpoint() {
      for (Map<String, Object> view : endpoint.primitives().primitives()) {
        List<String> wrong = new ArrayList<>();
        view.forEach((field, value) -> {
          if (value instanceof Integer count && count < 0) {
            wrong.add(field);
          }
        });
        int holders = view.get("holders") instanceof Integer count ? count : 0;
        int bound = switch (String.valueOf(view.get("kind"))) {
          case "lock", "condition" -> 1;
          case "lock-family" -> KEY_VALUES.size();
          case "semaphore" -> MAX_PERMITS;
          default -> 0;
        };
        if (holders > bound) {
          wrong.add("holders");
        }
        if (view.get("permits") instanceof Map<?, ?> permits
            && !(permits.get("available") instanceof Integer available
                && available >= 0 && available <= (Integer) permits.get("max"))) {
          wrong.add("permits");
        }
        if (view.get("size") instanceof Integer size && size > CAPACITY) {
          wrong.add("size");
        }
        if (!wrong.isEmpty()) {
          synchronized (problems) {
            if (problems.size() < 20) {
              problems.add("endpoint showed " + wrong + " out of bounds in " + view);
            }
          }
        }
      }
    }

    /** The highest value the gauge {@code meter} may read. */
    private double bound(Meter meter) {
      String name = meter.getId().getTag("name");
      boolean family = KEYS.equals(name) || ANN_KEYS.equals(name);
      return switch (meter.getId().getName()) {
        case BatonGauges.LOCK_HELD -> KEYS.equals(name) ? KEY_VALUES.size() + 1
            : family ? KEY_VALUES.size() : 1;
        case BatonGauges.LOCK_KEYS_ACTIVE -> KEY_VALUES.size();
        case BatonGauges.SEMAPHORE_AVAILABLE ->
            registry.semaphore(name).maxPermits();
        case BatonGauges.EVENT_SET -> 1;
        case BatonGauges.QUEUE_SIZE -> CAPACITY;
        case BatonGauges.BARRIER_WAITING -> PARTIES;
        default -> Double.MAX_VALUE;
      };
    }

    private void assertTheMetersTellTheTruth() {
      Map<String, Map<String, Object>> views = new ConcurrentHashMap<>();
      for (Map<String, Object> view : endpoint.primitives().primitives()) {
        views.put(view.get("kind") + "/" + view.get("name"), view);
      }
      assertLock(views, LOCK);
      assertLock(views, ANN_LOCK);
      assertFamily(views, KEYS);
      assertFamily(views, ANN_KEYS);
      assertSemaphore(views, PERMITS);
      assertSemaphore(views, ANN_PERMITS);
      assertEvent(views, EVENT);
      assertEvent(views, ANN_EVENT);
      assertCondition(views);
      assertBarrier(views);
      for (int g = 0; g <= generation.get(); g++) {
        assertQueue(views, QUEUE + g);
      }
      for (String name : List.of(LOCK, KEYS, PERMITS, EVENT, CONDITION, BARRIER)) {
        assertWaitsAsTallied(kindOf(name), name);
      }
      for (int g = 0; g <= generation.get(); g++) {
        assertWaitsAsTallied("queue", QUEUE + g);
      }
      for (String name : List.of(LOCK, KEYS, PERMITS, CONDITION)) {
        assertThat(held(kindOf(name), name)).as("holds of %s", name)
            .isEqualTo(tally.get("held", kindOf(name), name));
      }
      for (String name : List.of(ANN_LOCK, ANN_KEYS, ANN_PERMITS, ANN_EVENT)) {
        assertAnnotatedWaits(name);
      }
      if (stallView) {
        for (Meter meter : meters.find(StallMeters.WAIT_OLDEST).meters()) {
          assertThat(((Gauge) meter).value()).as("%s", meter.getId()).isZero();
        }
        for (Meter meter : meters.find(StallMeters.HOLD_OLDEST).meters()) {
          assertThat(((Gauge) meter).value()).as("%s", meter.getId()).isZero();
        }
        assertThat(meters.find(StallMeters.WAIT_OLDEST).meters()).hasSizeGreaterThan(10);
      } else {
        assertThat(meters.find(StallMeters.WAIT_OLDEST).meters()).isEmpty();
      }
    }

    private static String kindOf(String name) {
      return switch (name) {
        case LOCK, KEYS, ANN_LOCK, ANN_KEYS -> "lock";
        case PERMITS, ANN_PERMITS -> "semaphore";
        case EVENT, ANN_EVENT -> "event";
        case CONDITION -> "condition";
        default -> "barrier";
      };
    }

    private void assertLock(Map<String, Map<String, Object>> views, String name) {
      AsyncLock lock = registry.lock(name);
      assertThat(lock.isLocked()).as("%s locked", name).isFalse();
      assertThat(lock.waiters()).as("%s waiters", name).isZero();
      assertThat(gauge(BatonGauges.LOCK_HELD, name)).as("%s held gauge", name).isZero();
      assertThat(gauge(BatonGauges.LOCK_WAITERS, name)).as("%s waiters gauge", name).isZero();
      assertThat(views.get("lock/" + name)).as("endpoint of %s", name)
          .containsEntry("state", "free").containsEntry("waiters", 0)
          .containsEntry("holders", 0).containsEntry("oldestHolder", null);
    }

    private void assertFamily(Map<String, Map<String, Object>> views, String name) {
      LockFamily family = families.get(name);
      assertThat(family.activeKeys()).as("%s active keys", name).isZero();
      assertThat(family.heldKeys()).as("%s held keys", name).isZero();
      assertThat(family.waiters()).as("%s waiters", name).isZero();
      assertThat(family.oldestHold()).as("%s oldest hold", name).isEmpty();
      assertThat(gauge(BatonGauges.LOCK_HELD, name)).as("%s held gauge", name).isZero();
      assertThat(gauge(BatonGauges.LOCK_WAITERS, name)).as("%s waiters gauge", name).isZero();
      assertThat(gauge(BatonGauges.LOCK_KEYS_ACTIVE, name)).as("%s keys gauge", name).isZero();
      assertThat(views.get("lock-family/" + name)).as("endpoint of %s", name)
          .containsEntry("state", "free").containsEntry("waiters", 0)
          .containsEntry("activeKeys", 0).containsEntry("heldKeys", 0)
          .containsEntry("holders", 0).containsEntry("oldestHolder", null);
    }

    private void assertSemaphore(Map<String, Map<String, Object>> views, String name) {
      AsyncSemaphore semaphore = registry.semaphore(name);
      int max = semaphore.maxPermits();
      assertThat(semaphore.availablePermits()).as("%s available", name).isEqualTo(max);
      assertThat(semaphore.waiters()).as("%s waiters", name).isZero();
      assertThat(gauge(BatonGauges.SEMAPHORE_AVAILABLE, name)).as("%s available gauge", name)
          .isEqualTo(max);
      assertThat(gauge(BatonGauges.SEMAPHORE_MAX, name)).as("%s max gauge", name).isEqualTo(max);
      assertThat(gauge(BatonGauges.SEMAPHORE_WAITERS, name)).as("%s waiters gauge", name)
          .isZero();
      assertThat(views.get("semaphore/" + name)).as("endpoint of %s", name)
          .containsEntry("state", "free").containsEntry("waiters", 0)
          .containsEntry("permits", Map.of("max", max, "available", max, "inUse", 0))
          .containsEntry("holders", 0).containsEntry("oldestHolder", null);
    }

    private void assertEvent(Map<String, Map<String, Object>> views, String name) {
      AsyncEvent event = registry.event(name);
      assertThat(event.waiters()).as("%s waiters", name).isZero();
      assertThat(gauge(BatonGauges.EVENT_WAITERS, name)).as("%s waiters gauge", name).isZero();
      assertThat(gauge(BatonGauges.EVENT_SET, name)).as("%s set gauge", name)
          .isEqualTo(event.isSet() ? 1 : 0);
      assertThat(views.get("event/" + name)).as("endpoint of %s", name)
          .containsEntry("state", event.isSet() ? "set" : "clear").containsEntry("waiters", 0);
    }

    private void assertCondition(Map<String, Map<String, Object>> views) {
      AsyncCondition condition = registry.condition(CONDITION);
      assertThat(condition.waiters()).as("condition waiters").isZero();
      assertThat(condition.lock().isLocked()).as("condition locked").isFalse();
      assertThat(condition.lock().waiters()).as("condition lock waiters").isZero();
      assertThat(gauge(BatonGauges.CONDITION_WAITERS, CONDITION)).as("condition waiters gauge")
          .isZero();
      assertThat(views.get("condition/" + CONDITION)).as("endpoint of the condition")
          .containsEntry("state", "free").containsEntry("waiters", 0)
          .containsEntry("lockWaiters", 0).containsEntry("holders", 0)
          .containsEntry("oldestHolder", null);
    }

    private void assertBarrier(Map<String, Map<String, Object>> views) {
      AsyncBarrier barrier = registry.barrier(BARRIER);
      assertThat(barrier.waiting()).as("barrier waiting").isZero();
      assertThat(gauge(BatonGauges.BARRIER_WAITING, BARRIER)).as("barrier waiting gauge")
          .isZero();
      assertThat(views.get("barrier/" + BARRIER)).as("endpoint of the barrier")
          .containsEntry("state", barrier.isBroken() ? "broken" : "ready")
          .containsEntry("waiting", 0).containsEntry("waiters", 0);
    }

    private void assertQueue(Map<String, Map<String, Object>> views, String name) {
      AsyncQueue<Integer> queue = registry.queue(name);
      boolean dropped = tally.get("shutdownNow", name) > 0;
      long expected = dropped ? 0 : tally.get("in", name) - tally.get("out", name);
      assertThat(queue.size()).as("%s size", name).isEqualTo(expected);
      assertThat(queue.unfinishedTasks()).as("%s unfinished", name).isEqualTo(expected);
      assertThat(queue.putters() + queue.takers()).as("%s waiters", name).isZero();
      assertThat(gauge(BatonGauges.QUEUE_SIZE, name)).as("%s size gauge", name)
          .isEqualTo(expected);
      assertThat(gauge(BatonGauges.QUEUE_UNFINISHED, name)).as("%s unfinished gauge", name)
          .isEqualTo(expected);
      assertThat(gauge(BatonGauges.QUEUE_CAPACITY, name)).as("%s capacity gauge", name)
          .isEqualTo(CAPACITY);
      for (String side : List.of("put", "take")) {
        assertThat(meters.get(BatonGauges.QUEUE_WAITERS).tag("name", name).tag("side", side)
            .gauge().value()).as("%s %s waiters gauge", name, side).isZero();
      }
      assertThat(views.get("queue/" + name)).as("endpoint of %s", name)
          .containsEntry("state", queue.isShutdown() ? "shut-down" : "open")
          .containsEntry("waiters", 0).containsEntry("size", (int) expected)
          .containsEntry("capacity", CAPACITY).containsEntry("unfinished", (int) expected)
          .containsEntry("putters", 0).containsEntry("takers", 0);
      if (expected == 0) {
        assertThat(queue.join()).as("join of %s, all done", name).isDone();
      }
    }

    private void assertWaitsAsTallied(String kind, String name) {
      for (String outcome : List.of("acquired", "timeout", "cancelled", "failed")) {
        assertThat(waits(kind, name, outcome)).as("%s waits of %s %s", outcome, kind, name)
            .isEqualTo(tally.get("wait", kind, name, outcome));
      }
    }

    /**
     * An annotated call waits once: every call is one wait, a granted one is one hold, a body
     * that ran was granted, and a call that timed out waited until its timeout.
     */
    private void assertAnnotatedWaits(String name) {
      String kind = kindOf(name);
      long acquired = waits(kind, name, "acquired");
      long timeout = waits(kind, name, "timeout");
      long cancelled = waits(kind, name, "cancelled");
      assertThat(acquired + timeout + cancelled).as("waits of %s", name)
          .isEqualTo(tally.get("calls", name));
      assertThat(waits(kind, name, "failed")).as("failed waits of %s", name).isZero();
      assertThat(acquired).as("granted waits of %s", name).isGreaterThanOrEqualTo(
          tally.get("ran", name));
      assertThat(timeout).as("timed-out waits of %s", name)
          .isGreaterThanOrEqualTo(tally.get("result", name, "timeout"));
      assertThat(cancelled).as("cancelled waits of %s", name)
          .isLessThanOrEqualTo(tally.get("cancelled", name));
      if (!kind.equals("event")) {
        assertThat(held(kind, name)).as("holds of %s", name).isEqualTo(acquired);
      }
    }

    private double gauge(String meter, String name) {
      return meters.get(meter).tag("name", name).gauge().value();
    }

    private long waits(String kind, String name, String outcome) {
      Timer timer = meters.find(BatonTimers.WAIT).tags(BatonTimers.TAG_PRIMITIVE, kind,
          "name", name, BatonTimers.TAG_OUTCOME, outcome).timer();
      return timer == null ? 0 : timer.count();
    }

    private long held(String kind, String name) {
      Timer timer = meters.find(BatonTimers.HELD).tags(BatonTimers.TAG_PRIMITIVE, kind,
          "name", name).timer();
      return timer == null ? 0 : timer.count();
    }
  }

}
