package dev.baton.spring.stall;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.AcquireTimeoutException;
import dev.baton.AsyncCondition;
import dev.baton.AsyncSemaphore;
import dev.baton.Permit;
import dev.baton.annotation.AwaitsEvent;
import dev.baton.annotation.Guarded;
import dev.baton.annotation.Limited;
import dev.baton.annotation.SetsEvent;
import dev.baton.spring.BatonAutoConfiguration;
import dev.baton.spring.FuzzThreads;
import dev.baton.spring.LockFamily;
import dev.baton.spring.NamedPrimitive;
import dev.baton.spring.PrimitiveRegistry;
import dev.baton.spring.aspect.BatonAspectsAutoConfiguration;
import dev.baton.spring.observation.Call;
import dev.baton.spring.observation.CurrentCall;
import dev.baton.spring.observation.HoldTracking;
import dev.baton.spring.observation.SetterTracking;
import io.micrometer.context.ContextSnapshotFactory;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.health.autoconfigure.contributor.HealthContributorAutoConfiguration;
import org.springframework.boot.health.autoconfigure.registry.HealthContributorRegistryAutoConfiguration;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationContext;
import reactor.core.publisher.Mono;

/**
 * The whole stall view at level {@code strict}, in a real Spring context, against false
 * positives and leaks: trees of annotated calls (futures, {@code Mono}s and blocking methods, some
 * with short timeouts) that take locks, per-key locks, semaphores, an event and a condition, by
 * annotation and through the registry, nest, fan out, fire and forget children, hand permits to
 * other calls, wait, and are cancelled or time out at random, while the watchdog looks every
 * 50 ms with thresholds of 100 ms.
 *
 * <p>Every workload is deadlock-free and inversion-free by construction: the primitives have one
 * global order (the per-key family {@code accounts}, which declares an ascending key order, by its
 * keys too), and every call takes what it takes above all that it and the calls it was made from
 * hold, as the view reasons (a call awaits the calls it made). A child whose caller may go on
 * without it (fired and forgotten, or cancelled) takes only what is above everything its callers
 * will ever take.
 *
 * <p>Checked: no request or wait fails with a {@link DeadlockException}, no body runs as a call
 * other than its own made from its caller, the view finds no inversion, re-entry, confirmed
 * deadlock or leaked permit, the health indicator stays UP; and once all is quiet, nothing is
 * held, waited for or stalled, in the primitives, the view, or the calls. Then one call takes two
 * locks against the order: it is refused at once, and the inversion is reported once, with the
 * sites of both orders. The seed is in the failure message ({@code -Dbaton.fuzz.seed} replays
 * each worker's plans; thread timing varies); {@code -Dbaton.stress} multiplies the calls.
 */
@Timeout(120)
class StrictStallViewFuzzTest {

  private static final int ROOTS = 450 * Math.max(1, Integer.getInteger("baton.stress", 1));
  private static final Long REPLAY_SEED = Long.getLong("baton.fuzz.seed");
  private static final int WORKERS = 3;
  private static final int OUTSTANDING = 4;
  private static final int MAX_DEPTH = 3;
  private static final int KEYS = 4;
  private static final Duration SETTLE = Duration.ofSeconds(60);
  private static final ContextSnapshotFactory SNAPSHOTS = ContextSnapshotFactory.builder().build();

  private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(AopAutoConfiguration.class,
          BatonStallsAutoConfiguration.class, BatonAutoConfiguration.class,
          BatonAspectsAutoConfiguration.class, BatonStallsHealthAutoConfiguration.class,
          HealthContributorAutoConfiguration.class,
          HealthContributorRegistryAutoConfiguration.class))
      .withPropertyValues("baton.stalls.level=strict", "baton.stalls.confirm-after=100ms",
          "baton.stalls.held-too-long=100ms", "baton.stalls.waited-too-long=100ms",
          "baton.default-timeout=30s", "baton.locks.accounts.key-order=ascending",
          "baton.semaphores.pool.permits=2", "baton.semaphores.gates.permits=3")
      .withBean(Desk.class);

  @Test
  void callsTakingWhatTheyTakeInOneOrderAreNeverRefusedNorReportedAndLeaveNothingBehind() {
    long seed = REPLAY_SEED != null ? REPLAY_SEED : ThreadLocalRandom.current().nextLong();
    contextRunner.run(context -> {
      assertThat(context).hasNotFailed();
      try {
        new FuzzRun(context, seed).run();
      } catch (Throwable t) {
        throw new AssertionError("seed " + seed + " (replay: -Dtest=" + getClass().getSimpleName()
            + " -Dbaton.fuzz.seed=" + seed + "): " + t, t);
      }
    });
  }

  /**
   * The primitives in their global order. A call holding one may only ask for those after it;
   * {@code accounts} declares ascending keys, so its keys are ordered among themselves, and
   * {@code orders} does not, so a call and its callers hold at most one of its keys.
   */
  enum Res {
    ALPHA, ACCOUNTS, POOL, READY, BETA, COND, ORDERS, GATES, GAMMA;

    /** Where {@code key} of it stands in the order: keys of {@code accounts} apart. */
    double rank(int key) {
      return this == ACCOUNTS ? ordinal() + (key + 1) / 10.0 : ordinal();
    }
  }

  /** What an annotated method waits for before its body runs, by the prefix of its name. */
  enum Entry {
    ALPHA("alpha", Res.ALPHA, Res.ALPHA), ACCOUNTS("accounts", Res.ACCOUNTS, Res.ACCOUNTS),
    POOL("pool", Res.POOL, Res.POOL), AWAIT_READY("awaitReady", Res.READY, Res.READY),
    SET_READY("setReady", Res.READY, Res.READY), BETA("beta", Res.BETA, Res.BETA),
    ORDERS("orders", Res.ORDERS, Res.ORDERS), GATES("gates", Res.GATES, Res.GATES),
    GAMMA("gamma", Res.GAMMA, Res.GAMMA), GATES_GAMMA("gatesGamma", Res.GATES, Res.GAMMA);

    final String prefix;
    final Res first;
    final Res last;

    Entry(String prefix, Res first, Res last) {
      this.prefix = prefix;
      this.first = first;
      this.last = last;
    }

    /** Whether a variant with a short timeout exists: not for the event's setter. */
    boolean timed() {
      return this != SET_READY;
    }
  }

  /** The annotated method's return type, the suffix of its name; TIMED is a short timeout. */
  enum Type {
    FUTURE("Future"), MONO("Mono"), SYNC("Sync"), TIMED("Timed");

    final String suffix;

    Type(String suffix) {
      this.suffix = suffix;
    }
  }

  /** The annotated methods, named by entry and return type; each runs its plan's body. */
  public static class Desk {

    @Guarded("alpha")
    public CompletableFuture<Void> alphaFuture(Plan plan) {
      return plan.body();
    }

    @Guarded("alpha")
    public Mono<Void> alphaMono(Plan plan) {
      return plan.mono();
    }

    @Guarded("alpha")
    public void alphaSync(Plan plan) {
      plan.sync();
    }

    @Guarded(value = "alpha", timeout = "20ms")
    public CompletableFuture<Void> alphaTimed(Plan plan) {
      return plan.body();
    }

    @Guarded(value = "accounts", key = "#plan.key()")
    public CompletableFuture<Void> accountsFuture(Plan plan) {
      return plan.body();
    }

    @Guarded(value = "accounts", key = "#plan.key()")
    public Mono<Void> accountsMono(Plan plan) {
      return plan.mono();
    }

    @Guarded(value = "accounts", key = "#plan.key()")
    public void accountsSync(Plan plan) {
      plan.sync();
    }

    @Guarded(value = "accounts", key = "#plan.key()", timeout = "20ms")
    public CompletableFuture<Void> accountsTimed(Plan plan) {
      return plan.body();
    }

    @Limited("pool")
    public CompletableFuture<Void> poolFuture(Plan plan) {
      return plan.body();
    }

    @Limited("pool")
    public Mono<Void> poolMono(Plan plan) {
      return plan.mono();
    }

    @Limited("pool")
    public void poolSync(Plan plan) {
      plan.sync();
    }

    @Limited(value = "pool", timeout = "20ms")
    public CompletableFuture<Void> poolTimed(Plan plan) {
      return plan.body();
    }

    @AwaitsEvent(value = "ready", timeout = "60ms")
    public CompletableFuture<Void> awaitReadyFuture(Plan plan) {
      return plan.body();
    }

    @AwaitsEvent(value = "ready", timeout = "60ms")
    public Mono<Void> awaitReadyMono(Plan plan) {
      return plan.mono();
    }

    @AwaitsEvent(value = "ready", timeout = "60ms")
    public void awaitReadySync(Plan plan) {
      plan.sync();
    }

    @AwaitsEvent(value = "ready", timeout = "5ms")
    public CompletableFuture<Void> awaitReadyTimed(Plan plan) {
      return plan.body();
    }

    @SetsEvent("ready")
    public CompletableFuture<Void> setReadyFuture(Plan plan) {
      return plan.body();
    }

    @SetsEvent("ready")
    public Mono<Void> setReadyMono(Plan plan) {
      return plan.mono();
    }

    @SetsEvent("ready")
    public void setReadySync(Plan plan) {
      plan.sync();
    }

    @Guarded("beta")
    public CompletableFuture<Void> betaFuture(Plan plan) {
      return plan.body();
    }

    @Guarded("beta")
    public Mono<Void> betaMono(Plan plan) {
      return plan.mono();
    }

    @Guarded("beta")
    public void betaSync(Plan plan) {
      plan.sync();
    }

    @Guarded(value = "beta", timeout = "20ms")
    public CompletableFuture<Void> betaTimed(Plan plan) {
      return plan.body();
    }

    @Guarded(value = "orders", key = "#plan.key()")
    public CompletableFuture<Void> ordersFuture(Plan plan) {
      return plan.body();
    }

    @Guarded(value = "orders", key = "#plan.key()")
    public Mono<Void> ordersMono(Plan plan) {
      return plan.mono();
    }

    @Guarded(value = "orders", key = "#plan.key()")
    public void ordersSync(Plan plan) {
      plan.sync();
    }

    @Guarded(value = "orders", key = "#plan.key()", timeout = "20ms")
    public CompletableFuture<Void> ordersTimed(Plan plan) {
      return plan.body();
    }

    @Limited("gates")
    public CompletableFuture<Void> gatesFuture(Plan plan) {
      return plan.body();
    }

    @Limited("gates")
    public Mono<Void> gatesMono(Plan plan) {
      return plan.mono();
    }

    @Limited("gates")
    public void gatesSync(Plan plan) {
      plan.sync();
    }

    @Limited(value = "gates", timeout = "20ms")
    public CompletableFuture<Void> gatesTimed(Plan plan) {
      return plan.body();
    }

    @Guarded("gamma")
    public CompletableFuture<Void> gammaFuture(Plan plan) {
      return plan.body();
    }

    @Guarded("gamma")
    public Mono<Void> gammaMono(Plan plan) {
      return plan.mono();
    }

    @Guarded("gamma")
    public void gammaSync(Plan plan) {
      plan.sync();
    }

    @Guarded(value = "gamma", timeout = "20ms")
    public CompletableFuture<Void> gammaTimed(Plan plan) {
      return plan.body();
    }

    @Limited("gates")
    @Guarded("gamma")
    public CompletableFuture<Void> gatesGammaFuture(Plan plan) {
      return plan.body();
    }

    @Limited("gates")
    @Guarded("gamma")
    public Mono<Void> gatesGammaMono(Plan plan) {
      return plan.mono();
    }

    @Limited("gates")
    @Guarded("gamma")
    public void gatesGammaSync(Plan plan) {
      plan.sync();
    }

    @Limited("gates")
    @Guarded(value = "gamma", timeout = "20ms")
    public CompletableFuture<Void> gatesGammaTimed(Plan plan) {
      return plan.body();
    }
  }

  /** One step of a body, run in order; a failure of one is checked and the body goes on. */
  sealed interface Step {
  }

  /**
   * Takes {@code res} through the registry ({@code keys} for a per-key lock: several of
   * {@code accounts} at once through {@code lockAll}); held to the body's end if {@code held},
   * else let go after {@code micros}. A handed permit goes to another call, which lets it go
   * later. {@code timeoutMillis} 0 waits without a timeout; {@code cancelMicros} 0 never cancels.
   * A scoped take holds it briefly through {@code withLock} or {@code withPermit}.
   */
  record Take(Res res, List<Integer> keys, Hold hold, int micros, int timeoutMillis,
      int cancelMicros, boolean tryOnly, boolean scoped) implements Step {
  }

  /** What becomes of a permit a {@link Take} got. */
  enum Hold {
    BRIEFLY, TO_THE_END, HANDED
  }

  /** Calls {@code children}, at once; awaits them unless {@code forgotten}. */
  record Calls(List<Plan> children, boolean forgotten) implements Step {
  }

  /** Waits {@code micros}, holding what the body holds. */
  record Work(int micros) implements Step {
  }

  /** Sets or clears the event {@code ready}. */
  record Flip(boolean set) implements Step {
  }

  /**
   * One annotated call: the method it invokes ({@code entry} and {@code type}), the key of a
   * per-key entry, its body's steps, whether its caller cancels it after {@code cancelMicros},
   * and for a {@code Mono}, whether it is subscribed with the caller's context captured in its
   * Reactor context ({@code contextCapture()}).
   */
  public static final class Plan {
    private final Entry entry;
    private final Type type;
    private final int key;
    private final List<Step> steps = new ArrayList<>();
    private final int cancelMicros;
    private final boolean captured;
    private FuzzRun run;
    /** The call the method was invoked from, set as it is invoked. */
    private volatile Call caller;
    private volatile boolean invoked;

    Plan(Entry entry, Type type, int key, int cancelMicros, boolean captured) {
      this.entry = entry;
      this.type = type;
      this.key = key;
      this.cancelMicros = cancelMicros;
      this.captured = captured;
    }

    /** The per-key lock's key, read by the methods' key expression. */
    public int key() {
      return key;
    }

    CompletableFuture<Void> body() {
      return new Body(this, run).start();
    }

    Mono<Void> mono() {
      return Mono.fromFuture(body(), true);
    }

    void sync() {
      body().join();
    }

    @Override
    public String toString() {
      return entry.prefix + type.suffix + (entry == Entry.ACCOUNTS || entry == Entry.ORDERS
          ? "[" + key + "]" : "") + steps;
    }
  }

  /** Makes plans that take what they take in the global order. */
  private static final class Planner {
    private final Random random;

    Planner(Random random) {
      this.random = random;
    }

    /**
     * A call whose entry and everything its body takes rank above {@code floor}, and whose
     * children that its body may not await take what ranks above {@code ceiling}: above all its
     * callers, and itself, will ever take. Null if nothing ranks above {@code floor}.
     */
    Plan plan(double floor, double ceiling, int depth, boolean cancellable) {
      List<Entry> entries = new ArrayList<>();
      for (Entry entry : Entry.values()) {
        if (entry.first.rank(KEYS - 1) > floor) {
          entries.add(entry);
        }
      }
      if (entries.isEmpty()) {
        return null;
      }
      Entry entry = entries.get(random.nextInt(entries.size()));
      int key = entry == Entry.ACCOUNTS ? keyAbove(floor) : random.nextInt(KEYS);
      Type type = Type.values()[random.nextInt(Type.values().length)];
      if (type == Type.TIMED && !entry.timed()) {
        type = Type.FUTURE;
      }
      int cancelMicros = cancellable && random.nextInt(5) == 0 ? 1 + random.nextInt(3_000) : 0;
      Plan plan = new Plan(entry, type, key, cancelMicros, random.nextBoolean());
      double held = entry.last.rank(key);
      List<Take> own = new ArrayList<>();
      int steps = depth >= MAX_DEPTH ? random.nextInt(2) : 1 + random.nextInt(4);
      List<Calls> later = new ArrayList<>();
      List<Double> laterFloors = new ArrayList<>();
      for (int i = 0; i < steps; i++) {
        int kind = random.nextInt(10);
        if (kind < 4) {
          Take take = take(held);
          if (take != null) {
            plan.steps.add(take);
            own.add(take);
            if (take.hold() != Hold.BRIEFLY || take.scoped() && take.cancelMicros() > 0) {
              // A cancelled scope lets go as its action's stage completes, or once a grant
              // that beat the cancel arrives: after the body may have gone on. It may hold on
              // while the steps after it run, so they take only what ranks above it.
              held = rank(take);
            }
          }
        } else if (kind < 7 && depth < MAX_DEPTH) {
          Calls calls = new Calls(new ArrayList<>(), random.nextInt(3) == 0);
          plan.steps.add(calls);
          later.add(calls);
          laterFloors.add(held);
        } else if (kind < 9) {
          plan.steps.add(new Work(micros()));
        } else {
          plan.steps.add(new Flip(random.nextBoolean()));
        }
      }
      double ownMost = entry.last.rank(key);
      for (Take take : own) {
        ownMost = Math.max(ownMost, rank(take));
      }
      double above = Math.max(ceiling, ownMost);
      for (int i = 0; i < later.size(); i++) {
        Calls calls = later.get(i);
        int count = calls.forgotten() ? 1 : 1 + random.nextInt(random.nextBoolean() ? 3 : 1);
        for (int c = 0; c < count; c++) {
          boolean mayCancel = random.nextInt(4) == 0;
          // a child whose caller may go on without it takes only what is above all of theirs
          boolean detached = calls.forgotten() || mayCancel;
          Plan child = detached ? plan(above, above, depth + 1, mayCancel)
              : plan(laterFloors.get(i), above, depth + 1, false);
          if (child != null) {
            calls.children().add(child);
          }
        }
      }
      plan.steps.removeIf(step -> step instanceof Calls calls && calls.children().isEmpty());
      return plan;
    }

    private int keyAbove(double floor) {
      List<Integer> keys = new ArrayList<>();
      for (int k = 0; k < KEYS; k++) {
        if (Res.ACCOUNTS.rank(k) > floor) {
          keys.add(k);
        }
      }
      return keys.get(random.nextInt(keys.size()));
    }

    /** A registry take of something above {@code held}, or null if nothing is. */
    private Take take(double held) {
      List<Res> above = new ArrayList<>();
      for (Res res : Res.values()) {
        if (res.rank(KEYS - 1) > held) {
          above.add(res);
        }
      }
      if (above.isEmpty()) {
        return null;
      }
      Res res = above.get(random.nextInt(above.size()));
      List<Integer> keys = new ArrayList<>();
      if (res == Res.ACCOUNTS) {
        keys.add(keyAbove(held));
        for (int k = 0; k < KEYS; k++) {
          if (Res.ACCOUNTS.rank(k) > held && !keys.contains(k) && random.nextInt(3) == 0) {
            keys.add(k); // lockAll takes them in ascending order, whatever the order here
          }
        }
      } else if (res == Res.ORDERS) {
        keys.add(random.nextInt(KEYS));
      }
      boolean lockOrSemaphore = res != Res.READY && res != Res.COND;
      Hold hold = !lockOrSemaphore ? Hold.BRIEFLY
          : Hold.values()[random.nextInt(Hold.values().length)];
      if (hold == Hold.HANDED && keys.size() > 1) {
        hold = Hold.TO_THE_END;
      }
      // a wait for the event always has a timeout: nothing may ever set it
      int timeoutMillis = res == Res.READY || random.nextInt(3) == 0 ? 1 + random.nextInt(30) : 0;
      int cancelMicros = random.nextInt(6) == 0 ? 1 + random.nextInt(2_000) : 0;
      boolean tryOnly = lockOrSemaphore && keys.size() <= 1 && random.nextInt(8) == 0;
      boolean scoped = lockOrSemaphore && hold == Hold.BRIEFLY && keys.size() <= 1 && !tryOnly
          && random.nextInt(3) == 0;
      return new Take(res, keys, hold, micros(), timeoutMillis, cancelMicros, tryOnly, scoped);
    }

    /** Where a take ranks: its highest key for {@code accounts}. */
    private static double rank(Take take) {
      return take.res().rank(take.keys().isEmpty() ? 0 : take.keys().stream()
          .mapToInt(Integer::intValue).max().getAsInt());
    }

    /** A short while, sometimes past half the hold threshold, so that permits are watched. */
    private int micros() {
      return random.nextInt(10) == 0 ? 50_000 + random.nextInt(70_000) : random.nextInt(1_500);
    }
  }

  /** A body being run: its steps in order, then what it still holds let go. */
  private static final class Body {
    private final Plan plan;
    private final FuzzRun run;
    private final Call call;
    /** Runs a continuation as this body's call, wherever the step before it ended. */
    private final Executor here;
    private final List<Permit> held = new ArrayList<>();

    Body(Plan plan, FuzzRun run) {
      this.plan = plan;
      this.run = run;
      this.call = CurrentCall.get();
      this.here = SNAPSHOTS.captureAll().wrapExecutor(run.continuations);
    }

    CompletableFuture<Void> start() {
      run.ranAs(plan, call);
      CompletableFuture<Void> done = CompletableFuture.completedFuture(null);
      for (Step step : plan.steps) {
        done = done.thenComposeAsync(nothing -> step(step), here);
      }
      CompletableFuture<Void> ended = done.handleAsync((nothing, failure) -> {
        if (failure != null) {
          run.problems.add("the body of " + plan + " failed: " + failure);
        }
        for (int i = held.size() - 1; i >= 0; i--) {
          held.get(i).release();
        }
        return null;
      }, here);
      run.inFlight.add(ended);
      return ended;
    }

    /** Runs {@code step}; completes normally once it ended, however it did. */
    private CompletableFuture<Void> step(Step step) {
      if (step instanceof Take take) {
        return take(take);
      }
      if (step instanceof Calls calls) {
        return calls(calls);
      }
      if (step instanceof Work work) {
        return delay(work.micros());
      }
      if (((Flip) step).set()) {
        run.registry.event("ready").set();
      } else {
        run.registry.event("ready").clear();
      }
      return done();
    }

    private CompletableFuture<Void> delay(int micros) {
      return CompletableFuture.runAsync(() -> { },
          CompletableFuture.delayedExecutor(micros, TimeUnit.MICROSECONDS, here));
    }

    private CompletableFuture<Void> take(Take take) {
      return switch (take.res()) {
        case READY -> settled(take, run.registry.event("ready").await(timeout(take)))
            .thenApply(nothing -> null);
        case COND -> condition(take);
        default -> permit(take);
      };
    }

    private CompletableFuture<Void> permit(Take take) {
      if (take.scoped()) {
        // a scope cancelled once its action has started holds on until the action ends (and
        // lets go just after: the planner has the steps after it take only what ranks above)
        CompletableFuture<CompletableFuture<Void>> action = new CompletableFuture<>();
        Supplier<CompletableFuture<Void>> briefly = () -> {
          CompletableFuture<Void> work = delay(take.micros());
          action.complete(work);
          return work;
        };
        return settled(take, switch (take.res()) {
          case POOL, GATES -> semaphore(take).withPermit(briefly);
          case ACCOUNTS, ORDERS -> run.registry.lock(take.res().name().toLowerCase(),
              take.keys().get(0)).withLock(briefly);
          default -> run.registry.lock(take.res().name().toLowerCase()).withLock(briefly);
        }).thenCompose(nothing -> action.getNow(done()));
      }
      if (take.tryOnly()) {
        Optional<Permit> taken = switch (take.res()) {
          case POOL, GATES -> semaphore(take).tryAcquire();
          case ACCOUNTS, ORDERS -> run.registry.lock(take.res().name().toLowerCase(),
              take.keys().get(0)).tryAcquire();
          default -> run.registry.lock(take.res().name().toLowerCase()).tryAcquire();
        };
        return taken.map(permit -> keep(take, permit)).orElse(done());
      }
      Duration timeout = timeout(take);
      CompletableFuture<Permit> acquire = switch (take.res()) {
        case POOL, GATES -> semaphore(take).acquire(timeout);
        case ACCOUNTS -> take.keys().size() > 1
            ? run.registry.lockAll("accounts", take.keys(), timeout)
            : run.registry.lock("accounts", take.keys().get(0)).acquire(timeout);
        case ORDERS -> run.registry.lock("orders", take.keys().get(0)).acquire(timeout);
        default -> run.registry.lock(take.res().name().toLowerCase()).acquire(timeout);
      };
      return settled(take, acquire).thenComposeAsync(
          permit -> permit == null ? done() : keep(take, permit), here);
    }

    private AsyncSemaphore semaphore(Take take) {
      return run.registry.semaphore(take.res().name().toLowerCase());
    }

    /** Holds {@code permit} as {@code take} says. */
    private CompletableFuture<Void> keep(Take take, Permit permit) {
      switch (take.hold()) {
        case TO_THE_END -> held.add(permit);
        case HANDED -> run.hand(permit, take.micros());
        default -> {
          return delay(take.micros()).thenRun(permit::release);
        }
      }
      return done();
    }

    /** Takes the condition's lock, then waits for a signal briefly or signals the others. */
    private CompletableFuture<Void> condition(Take take) {
      AsyncCondition condition = run.registry.condition("cond");
      return settled(take, condition.acquire()).thenComposeAsync(permit -> {
        if (permit == null) {
          return done();
        }
        if (take.timeoutMillis() == 0) {
          condition.signalAll();
          permit.release();
          return done();
        }
        return condition.await(permit, Duration.ofMillis(take.timeoutMillis()))
            .handle((again, failure) -> {
              if (again != null) {
                again.release();
              } else {
                run.expect(failure, "a condition's wait", true, false);
              }
              return null;
            });
      }, here);
    }

    /**
     * {@code wait}, cancelled after the take's {@code cancelMicros} if it says so; completes with
     * its grant, or with null once its failure is checked.
     */
    private <T> CompletableFuture<T> settled(Take take, CompletableFuture<T> wait) {
      if (take.cancelMicros() > 0) {
        run.scheduler.schedule(() -> wait.cancel(false), take.cancelMicros(),
            TimeUnit.MICROSECONDS);
      }
      return wait.handle((granted, failure) -> {
        if (failure != null) {
          run.expect(failure, "a take of " + take, take.timeoutMillis() > 0,
              take.cancelMicros() > 0);
          return null;
        }
        return granted;
      });
    }

    private CompletableFuture<Void> calls(Calls calls) {
      List<CompletableFuture<Void>> ended = new ArrayList<>();
      for (Plan child : calls.children()) {
        CompletableFuture<Void> outcome = run.invoke(child, here);
        if (!calls.forgotten()) {
          ended.add(outcome);
        }
      }
      return CompletableFuture.allOf(ended.toArray(CompletableFuture[]::new));
    }

    private Duration timeout(Take take) {
      return take.timeoutMillis() == 0 ? Duration.ofSeconds(30)
          : Duration.ofMillis(take.timeoutMillis());
    }

    private static CompletableFuture<Void> done() {
      return CompletableFuture.completedFuture(null);
    }
  }

  /** Invariant violations seen on any thread, the first 20 kept. */
  private static final class Problems {
    private final List<String> seen = new CopyOnWriteArrayList<>();
    private final AtomicInteger count = new AtomicInteger();

    void add(String problem) {
      if (count.incrementAndGet() <= 20) {
        seen.add(problem + " [on " + Thread.currentThread().getName() + "]");
      }
    }

    void assertNone() {
      assertThat(seen).as(count.get() + " invariant violation(s), first ones").isEmpty();
    }
  }

  /** One run: the context, the workers, the watcher, and what they saw. */
  private static final class FuzzRun {
    private final Desk desk;
    private final PrimitiveRegistry registry;
    private final StallView view;
    private final BatonHealthIndicator health;
    private final long seed;
    private final Problems problems = new Problems();
    private final ScheduledExecutorService scheduler =
        Executors.newScheduledThreadPool(2, FuzzThreads.daemon("fuzz-timer"));
    private final ExecutorService continuations =
        Executors.newFixedThreadPool(4, FuzzThreads.daemon("fuzz-continuation"));
    /** For blocking calls and the workers, which block. */
    private final ExecutorService blocking =
        Executors.newCachedThreadPool(FuzzThreads.daemon("fuzz-blocking"));
    /** The outcome of every call invoked, body run and permit handed on. */
    private final List<CompletableFuture<Void>> inFlight = new CopyOnWriteArrayList<>();
    private final Map<String, Optional<LockFamily>> families = new ConcurrentHashMap<>();
    /** Every call a body ran as, to check that none still holds a lock at the end. */
    private final Map<Call, Boolean> calls = new ConcurrentHashMap<>();
    private final AtomicInteger suspected = new AtomicInteger();
    private final AtomicInteger timedOut = new AtomicInteger();
    private final AtomicInteger cancelled = new AtomicInteger();
    private final AtomicInteger bodies = new AtomicInteger();

    FuzzRun(ApplicationContext context, long seed) {
      this.desk = context.getBean(Desk.class);
      this.registry = context.getBean(PrimitiveRegistry.class);
      this.view = context.getBean(StallView.class);
      this.health = context.getBean(BatonHealthIndicator.class);
      this.seed = seed;
    }

    void run() throws Exception {
      AtomicBoolean working = new AtomicBoolean(true);
      CompletableFuture<Void> watcher = CompletableFuture.runAsync(() -> watch(working),
          blocking);
      List<CompletableFuture<Void>> workers = new ArrayList<>();
      for (int w = 0; w < WORKERS; w++) {
        Random random = new Random(seed * 31 + w + 1);
        int worker = w;
        workers.add(CompletableFuture.runAsync(() -> work(worker, random), blocking));
      }
      try {
        CompletableFuture.allOf(workers.toArray(CompletableFuture[]::new))
            .get(SETTLE.toSeconds(), TimeUnit.SECONDS);
        awaitQuiet();
        working.set(false);
        watcher.get(SETTLE.toSeconds(), TimeUnit.SECONDS);
        problems.assertNone();
        assertThat(view.reentriesSeen()).as("re-entries").isZero();
        assertThat(view.inversionsFound()).as("inversions").isZero();
        assertThat(view.deadlocksConfirmed()).as("confirmed deadlocks").isZero();
        assertThat(view.leaksFound()).as("leaked permits").isZero();
        Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(this::assertAllFree);
        assertThat(bodies).as("bodies run").hasValueGreaterThan(ROOTS / 2);
        plantAnInversion();
      } catch (Throwable t) {
        throw new AssertionError(t + "; " + bodies + " bodies, " + timedOut + " timed out, "
            + cancelled + " cancelled, " + suspected + " deadlocks suspected; " + view.explain(),
            t);
      } finally {
        working.set(false);
        scheduler.shutdownNow();
        continuations.shutdownNow();
        blocking.shutdownNow();
      }
    }

    /** Makes this worker's root calls, at most a few at a time. */
    private void work(int worker, Random random) {
      Planner planner = new Planner(random);
      Semaphore outstanding = new Semaphore(OUTSTANDING);
      for (int i = 0; i < ROOTS / WORKERS; i++) {
        Plan plan = planner.plan(-1, -1, 0, true);
        outstanding.acquireUninterruptibly();
        CompletableFuture<Void> outcome;
        if (random.nextInt(4) == 0) {
          outcome = invoke(plan, Runnable::run); // made outside any call
        } else {
          try (CurrentCall.Scope root = CurrentCall.open("Worker.run" + worker)) {
            outcome = invoke(plan, Runnable::run);
          }
        }
        outcome.whenComplete((nothing, failure) -> outstanding.release());
      }
    }

    /**
     * Invokes {@code plan}'s method from the call current in {@code here} (a blocking one on a
     * thread of its own), cancels it if the plan says so, and checks how it ended; the outcome
     * completes normally once it has.
     */
    CompletableFuture<Void> invoke(Plan plan, Executor here) {
      plan.run = this;
      CompletableFuture<CompletableFuture<?>> started = new CompletableFuture<>();
      here.execute(() -> started.complete(call(plan)));
      CompletableFuture<Void> outcome = started.thenCompose(result -> {
        if (plan.cancelMicros > 0) {
          scheduler.schedule(() -> result.cancel(false), plan.cancelMicros,
              TimeUnit.MICROSECONDS);
        }
        return result.handle((nothing, failure) -> {
          if (failure != null) {
            expect(failure, "call " + plan, plan.type == Type.TIMED
                || plan.entry == Entry.AWAIT_READY, plan.cancelMicros > 0);
          }
          return null;
        });
      });
      inFlight.add(outcome);
      return outcome;
    }

    private CompletableFuture<?> call(Plan plan) {
      plan.caller = CurrentCall.get();
      plan.invoked = true;
      Method method;
      try {
        method = Desk.class.getMethod(plan.entry.prefix + plan.type.suffix, Plan.class);
      } catch (NoSuchMethodException e) {
        throw new IllegalStateException(e);
      }
      Supplier<Object> invocation = () -> {
        try {
          return method.invoke(desk, plan);
        } catch (InvocationTargetException e) {
          throw e.getCause() instanceof RuntimeException failure ? failure
              : new CompletionException(e.getCause());
        } catch (IllegalAccessException e) {
          throw new IllegalStateException(e);
        }
      };
      try {
        return switch (plan.type) {
          case SYNC -> CompletableFuture.supplyAsync(invocation,
              SNAPSHOTS.captureAll().wrapExecutor(blocking));
          case MONO -> {
            Mono<?> mono = (Mono<?>) invocation.get();
            yield (plan.captured ? mono.contextCapture() : mono).toFuture();
          }
          default -> (CompletableFuture<?>) invocation.get();
        };
      } catch (RuntimeException e) {
        return CompletableFuture.failedFuture(e);
      }
    }

    /** A body runs as {@code call}: its plan's own, made from where the plan was invoked. */
    void ranAs(Plan plan, Call call) {
      bodies.incrementAndGet();
      if (call == null) {
        problems.add("the body of " + plan + " ran outside any call");
        return;
      }
      calls.put(call, true);
      String site = "Desk." + plan.entry.prefix + plan.type.suffix;
      if (!call.site().equals(site) || !plan.invoked) {
        problems.add("the body of " + plan + " ran as " + call.site());
      } else if (call.parent() != plan.caller
          && !(call.parent() != null && call.parent().site().equals(site)
              && call.parent().parent() == plan.caller)) {
        // two annotations of a reactive method: the inner one's call is made from the outer's
        problems.add("the call of " + plan + " was made from " + call.parent() + ", not from "
            + plan.caller);
      }
    }

    /** A failure seen somewhere is one the plan allows: a timeout or cancel it asked for. */
    void expect(Throwable failure, String what, boolean mayTimeOut, boolean mayBeCancelled) {
      Throwable cause = failure;
      while ((cause instanceof CompletionException || cause instanceof ExecutionException)
          && cause.getCause() != null) {
        cause = cause.getCause();
      }
      if (cause instanceof AcquireTimeoutException && mayTimeOut) {
        timedOut.incrementAndGet();
      } else if (cause instanceof CancellationException && mayBeCancelled) {
        cancelled.incrementAndGet();
      } else {
        problems.add(what + " failed with " + cause);
      }
    }

    /** Hands {@code permit} to another call, which lets it go after {@code micros}. */
    void hand(Permit permit, int micros) {
      CompletableFuture<Void> released = new CompletableFuture<>();
      inFlight.add(released);
      scheduler.schedule(() -> {
        try (CurrentCall.Scope courier = CurrentCall.open("Courier.deliver")) {
          permit.release();
          released.complete(null);
        } catch (RuntimeException e) {
          problems.add("a handed permit failed to release: " + e);
          released.complete(null);
        }
      }, micros, TimeUnit.MICROSECONDS);
    }

    /**
     * While the workers work: reads the health and checks the view as the endpoint would, now
     * and then collecting garbage so that a permit dropped would be found.
     */
    private void watch(AtomicBoolean working) {
      int round = 0;
      while (working.get()) {
        Status status = health.health().getStatus();
        if (!Status.UP.equals(status)) {
          problems.add("health " + status + ": " + view.explain());
        }
        StallReport report = view.check();
        for (Deadlock deadlock : report.deadlocks()) {
          if (deadlock.confirmed()) {
            problems.add("confirmed: " + deadlock.describe());
          } else {
            suspected.incrementAndGet();
          }
        }
        if (!report.inversions().isEmpty() || !report.reentries().isEmpty()) {
          problems.add("reported: " + report.inversions() + " " + report.reentries());
        }
        if (++round % 10 == 0) {
          System.gc();
        }
        CompletableFuture.runAsync(() -> { },
            CompletableFuture.delayedExecutor(20, TimeUnit.MILLISECONDS)).join();
      }
    }

    /**
     * Once all is quiet, a call takes {@code gamma} and then asks for {@code alpha}, against the
     * order every call took them in: refused at once, naming the inversion, reported once with
     * the sites of both orders (the way back from {@code alpha} to {@code gamma} is whichever
     * orders the calls taught the view), and nothing is left held or waited for.
     */
    private void plantAnInversion() {
      try (CurrentCall.Scope forward = CurrentCall.open("Planted.forward");
          Permit alpha = registry.lock("alpha").acquire().join()) {
        registry.lock("gamma").acquire().join().release();
      }
      CompletableFuture<Permit> refused;
      try (CurrentCall.Scope backward = CurrentCall.open("Planted.backward");
          Permit gamma = registry.lock("gamma").acquire().join()) {
        refused = registry.lock("alpha").acquire();
      }

      assertThat(refused).failsWithin(Duration.ofSeconds(5)).withThrowableThat()
          .havingCause().isInstanceOf(DeadlockException.class)
          .withMessageStartingWith("lock-order inversion: Planted.backward takes lock 'gamma',"
              + " then lock 'alpha'; ");
      assertThat(view.inversionsFound()).as("inversions").isEqualTo(1);
      assertThat(view.check().inversions()).singleElement().satisfies(inversion -> {
        List<Inversion.Step> steps = inversion.steps();
        assertThat(steps.get(0)).isEqualTo(
            new Inversion.Step("lock 'gamma'", "lock 'alpha'", "Planted.backward"));
        assertThat(steps).hasSizeGreaterThan(1);
        assertThat(steps.get(1).first()).isEqualTo("lock 'alpha'");
        assertThat(steps.get(steps.size() - 1).then()).isEqualTo("lock 'gamma'");
        for (int i = 1; i < steps.size(); i++) {
          assertThat(steps.get(i).first()).isEqualTo(steps.get(i - 1).then());
          assertThat(steps.get(i).site()).startsWith(i == 1 ? "" : "Desk.");
        }
      });
      assertThat(registry.lock("alpha").isLocked()).as("alpha taken").isFalse();
      assertThat(registry.lock("gamma").isLocked()).as("gamma kept").isFalse();
      assertThat(view.pendingWaits()).as("pending waits").isEmpty();
    }

    private void assertAllFree() {
      assertThat(view.pendingWaits()).as("pending waits").isEmpty();
      StallReport report = view.check();
      assertThat(report.deadlocks()).as("deadlocks").isEmpty();
      assertThat(report.stalls()).as("stalls").isEmpty();
      assertThat(view.stalls()).as("stalls scanned").isEmpty();
      assertThat(report.pendingWaits()).as("pending waits checked").isZero();
      for (String lock : List.of("alpha", "beta", "gamma")) {
        assertThat(((HoldTracking) registry.lock(lock)).holds().count()).as(lock).isZero();
        assertThat(registry.lock(lock).isLocked()).as(lock + " locked").isFalse();
      }
      assertThat(((HoldTracking) registry.condition("cond").lock()).holds().count())
          .as("cond").isZero();
      for (String name : List.of("pool", "gates")) {
        AsyncSemaphore semaphore = registry.semaphore(name);
        assertThat(((HoldTracking) semaphore).holds().count()).as(name).isZero();
        assertThat(semaphore.availablePermits()).as(name + " free")
            .isEqualTo(semaphore.maxPermits());
      }
      for (String name : List.of("accounts", "orders")) {
        LockFamily family = family(name);
        if (family != null) {
          assertThat(family.oldestHold()).as(name + " holds").isEmpty();
          assertThat(family.activeKeys()).as(name + " keys").isZero();
        }
      }
      assertThat(((SetterTracking) registry.event("ready")).setters().promises().count())
          .as("promises to set the event").isZero();
      assertThat(registry.event("ready").waiters()).as("event waiters").isZero();
      assertThat(calls.keySet()).as("calls holding locks")
          .allSatisfy(call -> assertThat(call.locksHeld()).as(call.toString()).isEmpty());
      assertThat(health.health().getStatus()).isEqualTo(Status.UP);
    }

    /** The per-key family {@code name}, looked up once (a listener is kept for good). */
    private LockFamily family(String name) {
      return families.computeIfAbsent(name, missing -> {
        List<LockFamily> found = new ArrayList<>();
        registry.onPrimitive(primitive -> {
          if (primitive.kind() == NamedPrimitive.Kind.LOCK_FAMILY
              && primitive.name().equals(name) && found.isEmpty()) {
            found.add((LockFamily) primitive.primitive());
          }
        });
        return found.stream().findFirst();
      }).orElse(null);
    }

    /** Waits until every call and wait has settled, and no new one began. */
    private void awaitQuiet() throws Exception {
      FuzzThreads.awaitSettled(inFlight, SETTLE, "calls, bodies or handed permits");
    }

  }
}
