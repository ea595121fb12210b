package dev.baton.spring.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.baton.AcquireTimeoutException;
import dev.baton.AsyncSemaphore;
import dev.baton.Permit;
import dev.baton.annotation.AwaitsEvent;
import dev.baton.annotation.Guarded;
import dev.baton.annotation.Limited;
import dev.baton.annotation.SetsEvent;
import dev.baton.redis.RedisBackend;
import dev.baton.redis.RedisServer;
import dev.baton.spring.LockFamily;
import dev.baton.spring.NamedPrimitive;
import dev.baton.spring.PrimitiveRegistry;
import dev.baton.spring.observation.HoldTracking;
import dev.baton.spring.stall.StallView;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscription;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Randomized calls of annotated methods on Redis-backed primitives from two instances (two Spring
 * contexts on one real {@code redis-server}, {@link TwoRedisInstances}; the first without the
 * stall view, the second with it): {@code @Limited} with two permits, {@code @Guarded} on one
 * lock and per key, {@code @AwaitsEvent} on an event that {@code @SetsEvent} methods set and a
 * coordinator clears, and {@code @AwaitsEvent} with {@code @Limited} on one method, each
 * returning a plain value, a {@code CompletableFuture}, a {@code Mono} or a {@code Flux}. Each
 * call's body ends at once or later on another thread, or fails; each caller waits for its
 * result, cancels it soon (before or while it holds), cancels it as its body starts, calls a
 * method with a short annotation timeout, takes only part of a {@code Flux} (disposing of it
 * mid-stream), or subscribes twice. Meanwhile a coordinator takes all of a primitive's permits
 * through either instance now and then and cancels some of the calls that wait for it: cancelled
 * before their grant, their bodies must never run. Now and then it also pauses Redis (SIGSTOP)
 * for at most 250 ms, far less than the command timeout and a third of the lease: the README
 * says such a pause only delays, so every check below holds as without it.
 *
 * <p>Checked, across both instances: no primitive ever has more bodies inside than it has permits
 * (one per lock, one per key), so a body, once it runs, holds until it ends; every call's result
 * ends, and only with the failures it may see (its body's own, an {@link AcquireTimeoutException}
 * for a timed method, a {@link CancellationException} once cancelled); and once all is quiet,
 * every primitive of both registries is free with nobody waiting, neither backend holds a permit
 * or waits for one, the stall view lists no pending wait and no hold, and Redis holds nothing but
 * the records of released permits and the cleared event, each expiring within a lease. A short
 * lease shows a leaked permit quickly. The seed is in the failure message
 * ({@code -Dbaton.fuzz.seed} replays each thread's plan; thread timing varies);
 * {@code -Dbaton.stress} multiplies the calls.
 */
@Timeout(120)
class RedisAnnotationFuzzTest {

  private static final int CALLS = 800 * Math.max(1, Integer.getInteger("baton.stress", 1));
  private static final Long REPLAY_SEED = Long.getLong("baton.fuzz.seed");
  private static final int CALLER_THREADS = 4;
  private static final Duration LEASE = Duration.ofSeconds(3);
  private static final Duration SETTLE = Duration.ofSeconds(30);
  /** The longest pause of Redis: shorter than a third of the lease, so leases stay renewed. */
  private static final int PAUSE_MILLIS_MAX = 250;
  private static final String PERMITS = "fuzz-permits";
  private static final String LOCK = "fuzz-lock";
  private static final String KEYS = "fuzz-keys";
  private static final String EVENT = "fuzz-event";
  private static final List<String> KEY_VALUES = List.of("k0", "k1", "k2");

  private static final String[] PROPERTIES = {
      "spring.main.web-application-type=none",
      "baton.redis.lease=" + LEASE.toSeconds() + "s",
      "baton.default-timeout=" + SETTLE.toSeconds() + "s"};

  private static TwoRedisInstances instances;

  @BeforeAll
  static void start() {
    instances = new TwoRedisInstances(FuzzApplication.class,
        with(PROPERTIES, "baton.stalls.level=off"), with(PROPERTIES, "baton.stalls.level=basic"));
  }

  @AfterAll
  static void stop() {
    instances.close();
  }

  private static String[] with(String[] properties, String more) {
    List<String> all = new ArrayList<>(List.of(properties));
    all.add(more);
    return all.toArray(String[]::new);
  }

  @Test
  void annotatedCallsOnTwoInstancesNeverOverlapNorLeakAnythingInRedis() throws Exception {
    long seed = REPLAY_SEED != null ? REPLAY_SEED : ThreadLocalRandom.current().nextLong();
    try {
      new FuzzRun(seed).run();
    } catch (Throwable t) {
      throw new AssertionError("seed " + seed + " (replay: -Dtest=" + getClass().getSimpleName()
          + " -Dbaton.fuzz.seed=" + seed + "): " + t, t);
    }
  }

  /** One instance: the annotated service alone. */
  @SpringBootConfiguration(proxyBeanMethods = false)
  @EnableAutoConfiguration
  static class FuzzApplication {

    @Bean
    Fuzzed fuzzed() {
      return new Fuzzed();
    }
  }

  /** The annotated methods, named by gate and return type; each hands its call to its body. */
  public static class Fuzzed {

    @Limited(value = PERMITS, permits = 2)
    public String permitsSync(Body body) {
      return body.sync();
    }

    @Limited(value = PERMITS, permits = 2)
    public CompletableFuture<String> permitsFuture(Body body) {
      return body.future();
    }

    @Limited(value = PERMITS, permits = 2)
    public Mono<String> permitsMono(Body body) {
      return body.mono();
    }

    @Limited(value = PERMITS, permits = 2)
    public Flux<String> permitsFlux(Body body) {
      return body.flux();
    }

    @Limited(value = PERMITS, permits = 2, timeout = "5ms")
    public String timedPermitsSync(Body body) {
      return body.sync();
    }

    @Limited(value = PERMITS, permits = 2, timeout = "5ms")
    public CompletableFuture<String> timedPermitsFuture(Body body) {
      return body.future();
    }

    @Limited(value = PERMITS, permits = 2, timeout = "5ms")
    public Mono<String> timedPermitsMono(Body body) {
      return body.mono();
    }

    @Limited(value = PERMITS, permits = 2, timeout = "5ms")
    public Flux<String> timedPermitsFlux(Body body) {
      return body.flux();
    }

    @Guarded(LOCK)
    public String lockSync(Body body) {
      return body.sync();
    }

    @Guarded(LOCK)
    public CompletableFuture<String> lockFuture(Body body) {
      return body.future();
    }

    @Guarded(LOCK)
    public Mono<String> lockMono(Body body) {
      return body.mono();
    }

    @Guarded(LOCK)
    public Flux<String> lockFlux(Body body) {
      return body.flux();
    }

    @Guarded(value = LOCK, timeout = "5ms")
    public String timedLockSync(Body body) {
      return body.sync();
    }

    @Guarded(value = LOCK, timeout = "5ms")
    public CompletableFuture<String> timedLockFuture(Body body) {
      return body.future();
    }

    @Guarded(value = LOCK, timeout = "5ms")
    public Mono<String> timedLockMono(Body body) {
      return body.mono();
    }

    @Guarded(value = LOCK, timeout = "5ms")
    public Flux<String> timedLockFlux(Body body) {
      return body.flux();
    }

    @Guarded(value = KEYS, key = "#body.key()")
    public String keySync(Body body) {
      return body.sync();
    }

    @Guarded(value = KEYS, key = "#body.key()")
    public CompletableFuture<String> keyFuture(Body body) {
      return body.future();
    }

    @Guarded(value = KEYS, key = "#body.key()")
    public Mono<String> keyMono(Body body) {
      return body.mono();
    }

    @Guarded(value = KEYS, key = "#body.key()")
    public Flux<String> keyFlux(Body body) {
      return body.flux();
    }

    @Guarded(value = KEYS, key = "#body.key()", timeout = "5ms")
    public String timedKeySync(Body body) {
      return body.sync();
    }

    @Guarded(value = KEYS, key = "#body.key()", timeout = "5ms")
    public CompletableFuture<String> timedKeyFuture(Body body) {
      return body.future();
    }

    @Guarded(value = KEYS, key = "#body.key()", timeout = "5ms")
    public Mono<String> timedKeyMono(Body body) {
      return body.mono();
    }

    @Guarded(value = KEYS, key = "#body.key()", timeout = "5ms")
    public Flux<String> timedKeyFlux(Body body) {
      return body.flux();
    }

    @AwaitsEvent(EVENT)
    public String eventSync(Body body) {
      return body.sync();
    }

    @AwaitsEvent(EVENT)
    public CompletableFuture<String> eventFuture(Body body) {
      return body.future();
    }

    @AwaitsEvent(EVENT)
    public Mono<String> eventMono(Body body) {
      return body.mono();
    }

    @AwaitsEvent(EVENT)
    public Flux<String> eventFlux(Body body) {
      return body.flux();
    }

    @AwaitsEvent(value = EVENT, timeout = "5ms")
    public String timedEventSync(Body body) {
      return body.sync();
    }

    @AwaitsEvent(value = EVENT, timeout = "5ms")
    public CompletableFuture<String> timedEventFuture(Body body) {
      return body.future();
    }

    @AwaitsEvent(value = EVENT, timeout = "5ms")
    public Mono<String> timedEventMono(Body body) {
      return body.mono();
    }

    @AwaitsEvent(value = EVENT, timeout = "5ms")
    public Flux<String> timedEventFlux(Body body) {
      return body.flux();
    }

    @SetsEvent(EVENT)
    public String setsSync(Body body) {
      return body.sync();
    }

    @SetsEvent(EVENT)
    public CompletableFuture<String> setsFuture(Body body) {
      return body.future();
    }

    @SetsEvent(EVENT)
    public Mono<String> setsMono(Body body) {
      return body.mono();
    }

    @SetsEvent(EVENT)
    public Flux<String> setsFlux(Body body) {
      return body.flux();
    }

    @AwaitsEvent(EVENT)
    @Limited(value = PERMITS, permits = 2)
    public String nestedSync(Body body) {
      return body.sync();
    }

    @AwaitsEvent(EVENT)
    @Limited(value = PERMITS, permits = 2)
    public CompletableFuture<String> nestedFuture(Body body) {
      return body.future();
    }

    @AwaitsEvent(EVENT)
    @Limited(value = PERMITS, permits = 2)
    public Mono<String> nestedMono(Body body) {
      return body.mono();
    }

    @AwaitsEvent(EVENT)
    @Limited(value = PERMITS, permits = 2)
    public Flux<String> nestedFlux(Body body) {
      return body.flux();
    }

    @AwaitsEvent(EVENT)
    @Limited(value = PERMITS, permits = 2, timeout = "5ms")
    public String timedNestedSync(Body body) {
      return body.sync();
    }

    @AwaitsEvent(EVENT)
    @Limited(value = PERMITS, permits = 2, timeout = "5ms")
    public CompletableFuture<String> timedNestedFuture(Body body) {
      return body.future();
    }

    @AwaitsEvent(EVENT)
    @Limited(value = PERMITS, permits = 2, timeout = "5ms")
    public Mono<String> timedNestedMono(Body body) {
      return body.mono();
    }

    @AwaitsEvent(EVENT)
    @Limited(value = PERMITS, permits = 2, timeout = "5ms")
    public Flux<String> timedNestedFlux(Body body) {
      return body.flux();
    }

    /** Sets the event, through the annotation, at once. */
    @SetsEvent(EVENT)
    public void set() {
    }
  }

  /**
   * What a call waits for (or sets): the prefix of its methods' names. {@code NESTED} waits for
   * the event, then for one of the permits.
   */
  private enum GateKind {
    PERMITS("permits"), LOCK("lock"), KEY("key"), EVENT("event"), SETS("sets"),
    NESTED("nested");

    final String prefix;

    GateKind(String prefix) {
      this.prefix = prefix;
    }
  }

  /** A method's return type: the suffix of its name. */
  private enum Type {
    SYNC("Sync"), FUTURE("Future"), MONO("Mono"), FLUX("Flux");

    final String suffix;

    Type(String suffix) {
      this.suffix = suffix;
    }

    boolean reactive() {
      return this == MONO || this == FLUX;
    }
  }

  /** How a body's result ends. */
  private enum Ending {
    AT_ONCE, LATER, FAILS_AT_ONCE, FAILS_LATER
  }

  /** What the caller does with the call's result. */
  private enum Move {
    AWAIT, CANCEL_SOON, CANCEL_ON_START, TIMED, TAKE_ONE, NEXT, DISPOSE_AFTER_FIRST, RESUBSCRIBE
  }

  /** A body's failure on purpose. */
  static final class Failed extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Failed() {
      super("failed on purpose", null, false, false);
    }
  }

  /**
   * How many bodies are inside a primitive (or one key's lock) over both instances, the most
   * allowed, and every entry and exit in order, to tell what overlapped.
   */
  private record Inside(String name, int most, AtomicInteger now, List<String> events) {

    Inside(String name, int most) {
      this(name, most, new AtomicInteger(), Collections.synchronizedList(new ArrayList<>()));
    }
  }

  /** Invariant violations seen on any thread, the first 20 kept, described once reported. */
  private static final class Problems {
    private final List<Supplier<String>> seen = new CopyOnWriteArrayList<>();
    private final AtomicInteger count = new AtomicInteger();

    void add(String problem) {
      add(() -> problem);
    }

    void add(Supplier<String> problem) {
      String thread = Thread.currentThread().getName();
      if (count.incrementAndGet() <= 20) {
        seen.add(() -> problem.get() + " [on " + thread + "]");
      }
    }

    void assertNone() {
      assertThat(seen.stream().map(Supplier::get).toList())
          .as(count.get() + " invariant violation(s), first ones").isEmpty();
    }
  }

  /**
   * One call's body, as its method runs it; also the call's record: which instance it was made
   * on, whether its body started or the coordinator doomed it first, whether its caller cancelled
   * it, and how to cancel it.
   */
  public static final class Body {
    private static final int NEW = 0;
    private static final int STARTED = 1;
    private static final int DOOMED = 2;

    private final int id;
    private final int instance;
    private final GateKind gate;
    private final Type type;
    private final String key;
    private final Ending ending;
    private final Move move;
    private final long delayMicros;
    private final Inside inside;
    private final FuzzRun run;
    private final AtomicInteger state = new AtomicInteger(NEW);
    private final AtomicBoolean cancelled = new AtomicBoolean();
    /** Cancels the call's result, once the caller has it. */
    private final CompletableFuture<Runnable> canceller = new CompletableFuture<>();
    /** Completes once the caller sees the call's result end, however it ends. */
    private final CompletableFuture<Void> settled = new CompletableFuture<>();

    private Body(int id, Random random, Inside inside, FuzzRun run, GateKind gate, Type type,
        String key) {
      this.id = id;
      this.instance = random.nextInt(2);
      this.gate = gate;
      this.type = type;
      this.key = key;
      this.inside = inside;
      this.run = run;
      this.ending = Ending.values()[random.nextInt(Ending.values().length)];
      this.delayMicros = random.nextInt(8) == 0 ? 500 + random.nextInt(2_000)
          : random.nextInt(300);
      this.move = move(random, gate, type);
    }

    private static Move move(Random random, GateKind gate, Type type) {
      List<Move> moves = new ArrayList<>(List.of(Move.AWAIT, Move.AWAIT));
      if (type != Type.SYNC) {
        moves.addAll(List.of(Move.CANCEL_SOON, Move.CANCEL_SOON, Move.CANCEL_ON_START));
      }
      if (gate != GateKind.SETS) {
        moves.add(Move.TIMED);
      }
      if (type.reactive()) {
        moves.add(Move.RESUBSCRIBE);
      }
      if (type == Type.FLUX) {
        moves.addAll(List.of(Move.TAKE_ONE, Move.NEXT, Move.DISPOSE_AFTER_FIRST));
      }
      return moves.get(random.nextInt(moves.size()));
    }

    /** The per-key lock's key; read by the methods' key expression. */
    public String key() {
      return key;
    }

    String sync() {
      Runnable leave = enter();
      try {
        return outcome().join();
      } catch (CompletionException e) {
        throw (RuntimeException) e.getCause();
      } finally {
        leave.run();
      }
    }

    CompletableFuture<String> future() {
      Runnable leave = enter();
      return outcome().whenComplete((value, failure) -> leave.run());
    }

    /** Enters on subscription; leaves before its end (or a cancel) reaches the aspect. */
    Mono<String> mono() {
      return Mono.defer(() -> {
        Runnable leave = enter();
        return Mono.fromFuture(outcome()).doOnTerminate(leave).doOnCancel(leave);
      });
    }

    Flux<String> flux() {
      return Flux.defer(() -> {
        Runnable leave = enter();
        return Flux.just("first", "second").concatWith(Mono.fromFuture(outcome()))
            .doOnTerminate(leave).doOnCancel(leave);
      });
    }

    /**
     * Counts a body in; the returned action counts it out, once. A body of a call the coordinator
     * cancelled before its grant is a violation, as is one more than the primitive allows.
     */
    private Runnable enter() {
      if (!state.compareAndSet(NEW, STARTED) && state.get() == DOOMED) {
        run.problems.add("call " + this + " ran after it was cancelled before its grant");
      }
      if (move == Move.CANCEL_ON_START) {
        run.scheduler.execute(this::cancel);
      }
      if (inside == null) {
        return () -> { };
      }
      int now = inside.now().incrementAndGet();
      int at;
      synchronized (inside.events()) {
        at = inside.events().size();
        inside.events().add("enter " + this + " " + Thread.currentThread().getName());
      }
      if (now > inside.most()) {
        run.problems.add(() -> {
          synchronized (inside.events()) {
            return now + " bodies inside " + inside.name() + ", as they entered and left: "
                + inside.events().subList(Math.max(0, at - 6),
                    Math.min(inside.events().size(), at + 6));
          }
        });
      }
      AtomicBoolean left = new AtomicBoolean();
      return () -> {
        if (left.compareAndSet(false, true)) {
          inside.events().add("leave " + this + " " + Thread.currentThread().getName());
          inside.now().decrementAndGet();
        }
      };
    }

    private CompletableFuture<String> outcome() {
      boolean fails = ending == Ending.FAILS_AT_ONCE || ending == Ending.FAILS_LATER;
      if (ending == Ending.AT_ONCE || ending == Ending.FAILS_AT_ONCE) {
        return fails ? CompletableFuture.failedFuture(new Failed())
            : CompletableFuture.completedFuture("done");
      }
      CompletableFuture<String> later = new CompletableFuture<>();
      run.scheduler.schedule(() -> {
        if (fails) {
          later.completeExceptionally(new Failed());
        } else {
          later.complete("done");
        }
      }, delayMicros, TimeUnit.MICROSECONDS);
      return later;
    }

    /** Cancels the call's result, as soon as the caller has it. */
    void cancel() {
      cancelled.set(true);
      canceller.thenAccept(Runnable::run);
    }

    /** Whether the coordinator may cancel this call as one surely not granted yet. */
    boolean doomable() {
      return type != Type.SYNC && move != Move.RESUBSCRIBE && !cancelled.get()
          && !settled.isDone() && state.get() == NEW;
    }

    /** Cancels this call if its body has not started: true if it was doomed so. */
    boolean doom() {
      if (!state.compareAndSet(NEW, DOOMED)) {
        return false;
      }
      cancel();
      return true;
    }

    /** Records how the result ended: a failure must be one the call could see. */
    void ended(Throwable failure) {
      Throwable cause = failure;
      while ((cause instanceof CompletionException || cause instanceof ExecutionException)
          && cause.getCause() != null) {
        cause = cause.getCause();
      }
      boolean expected = cause == null || cause instanceof Failed
          || (cause instanceof AcquireTimeoutException && move == Move.TIMED)
          || (cause instanceof CancellationException && cancelled.get());
      if (!expected) {
        run.problems.add("call " + this + " ended with " + cause);
      }
      settled.complete(null);
    }

    @Override
    public String toString() {
      return id + " (" + gate + (gate == GateKind.KEY ? " " + key : "") + " " + type + " on "
          + (instance + 1) + ", " + move + ", " + ending + ")";
    }
  }

  /** A reactive call's subscriber, which may cancel after its first element. */
  private static final class Watcher extends BaseSubscriber<Object> {
    private final Body body;
    private final boolean cancelAfterFirst;
    private final CompletableFuture<Void> ended = new CompletableFuture<>();

    Watcher(Body body, boolean cancelAfterFirst) {
      this.body = body;
      this.cancelAfterFirst = cancelAfterFirst;
    }

    @Override
    protected void hookOnSubscribe(Subscription subscription) {
      request(Long.MAX_VALUE);
    }

    @Override
    protected void hookOnNext(Object value) {
      if (cancelAfterFirst) {
        body.cancelled.set(true);
        cancel();
      }
    }

    @Override
    protected void hookOnComplete() {
      ended.complete(null);
    }

    @Override
    protected void hookOnError(Throwable failure) {
      body.ended(failure);
      ended.complete(null);
    }

    @Override
    protected void hookOnCancel() {
      ended.complete(null);
    }
  }

  /** One run: both instances, the callers, the coordinator and what they saw. */
  private static final class FuzzRun {
    private final List<ConfigurableApplicationContext> contexts =
        List.of(instances.one, instances.two);
    private final List<Fuzzed> services =
        contexts.stream().map(context -> context.getBean(Fuzzed.class)).toList();
    private final long seed;
    private final Problems problems = new Problems();
    private final ScheduledExecutorService scheduler =
        Executors.newScheduledThreadPool(2, daemon("fuzz-finisher"));
    private final ExecutorService threads =
        Executors.newFixedThreadPool(CALLER_THREADS + 1, daemon("fuzz-caller"));
    private final Inside permits = new Inside(PERMITS, 2);
    private final Inside lock = new Inside(LOCK, 1);
    private final Map<String, Inside> keys = new ConcurrentHashMap<>();
    /** Calls made and not yet settled, by what they wait for. */
    private final Map<String, Set<Body>> waiting = new ConcurrentHashMap<>();
    private final List<Body> calls = new CopyOnWriteArrayList<>();
    /** One release per call made: the coordinator acts every few calls. */
    private final Semaphore pace = new Semaphore(0);
    private final AtomicInteger doomed = new AtomicInteger();
    /** Whether Redis is paused now: one pause at a time. */
    private final AtomicBoolean paused = new AtomicBoolean();
    private final List<LockFamily> families = new ArrayList<>();

    FuzzRun(long seed) {
      this.seed = seed;
      KEY_VALUES.forEach(key -> keys.put(key, new Inside(KEYS + "/" + key, 1)));
    }

    void run() throws Exception {
      AtomicBoolean callersDone = new AtomicBoolean();
      CompletableFuture<Void> coordinator = CompletableFuture.runAsync(
          () -> coordinate(new Random(seed), callersDone), threads);
      List<CompletableFuture<Void>> callers = new ArrayList<>();
      for (int t = 0; t < CALLER_THREADS; t++) {
        Random random = new Random(seed * 31 + t + 1);
        callers.add(CompletableFuture.runAsync(() -> makeCalls(random), threads));
      }
      try {
        CompletableFuture.allOf(callers.toArray(CompletableFuture[]::new))
            .get(SETTLE.toSeconds(), TimeUnit.SECONDS);
        callersDone.set(true);
        coordinator.get(SETTLE.toSeconds(), TimeUnit.SECONDS);
        registry(0).event(EVENT).set();
        awaitSettled();
        problems.assertNone();
        await().atMost(SETTLE).pollInterval(Duration.ofMillis(20))
            .untilAsserted(this::assertAllFree);
        assertThat(doomed).as("calls cancelled surely before their grant").hasPositiveValue();
      } finally {
        scheduler.shutdownNow();
        instances.server.resume();
        threads.shutdownNow();
      }
    }

    private PrimitiveRegistry registry(int instance) {
      return contexts.get(instance).getBean(PrimitiveRegistry.class);
    }

    private void makeCalls(Random random) {
      for (int i = 0; i < CALLS / CALLER_THREADS; i++) {
        Body body = newCall(random);
        call(body);
        pace.release();
        if (random.nextInt(4) == 0) {
          awaitQuietly(body.settled);
        }
      }
    }

    private Body newCall(Random random) {
      GateKind gate = GateKind.values()[random.nextInt(GateKind.values().length)];
      Type type = Type.values()[random.nextInt(Type.values().length)];
      String key = KEY_VALUES.get(random.nextInt(KEY_VALUES.size()));
      Inside inside = switch (gate) {
        case PERMITS, NESTED -> permits;
        case LOCK -> lock;
        case KEY -> keys.get(key);
        case EVENT, SETS -> null;
      };
      Body body = new Body(calls.size(), random, inside, this, gate, type, key);
      calls.add(body);
      return body;
    }

    /** Makes the call as its move says, and lists it among the waiting once it can be cancelled. */
    private void call(Body body) {
      try {
        Object result = method(body).invoke(services.get(body.instance), body);
        body.canceller.complete(handle(body, result));
      } catch (InvocationTargetException e) {
        body.ended(e.getCause());
        body.canceller.complete(() -> { });
        return;
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException(e);
      }
      if (body.move == Move.CANCEL_SOON) {
        scheduler.schedule(body::cancel, body.delayMicros / 2, TimeUnit.MICROSECONDS);
      }
      Set<Body> those =
          waiting.computeIfAbsent(waitsFor(body), name -> ConcurrentHashMap.newKeySet());
      those.add(body);
      body.settled.whenComplete((nothing, failure) -> those.remove(body));
    }

    private static Method method(Body body) throws NoSuchMethodException {
      String prefix = body.gate.prefix;
      String name = (body.move == Move.TIMED
          ? "timed" + Character.toUpperCase(prefix.charAt(0)) + prefix.substring(1) : prefix)
          + body.type.suffix;
      return Fuzzed.class.getMethod(name, Body.class);
    }

    /** What the coordinator dooms the call's wait under: a nested call waits for permits too. */
    private static String waitsFor(Body body) {
      return switch (body.gate) {
        case KEY -> KEYS + "/" + body.key;
        case NESTED -> GateKind.PERMITS.prefix;
        default -> body.gate.prefix;
      };
    }

    /** Follows the call's result to its end; returns how to cancel it. */
    private Runnable handle(Body body, Object result) {
      switch (body.type) {
        case SYNC -> {
          body.ended(null);
          return () -> { };
        }
        case FUTURE -> {
          CompletableFuture<?> future = (CompletableFuture<?>) result;
          future.whenComplete((value, failure) -> body.ended(failure));
          return () -> future.cancel(true);
        }
        default -> {
          return subscribe(body, publisher(body, Flux.from((Publisher<?>) result)));
        }
      }
    }

    private static Flux<?> publisher(Body body, Flux<?> flux) {
      return switch (body.move) {
        case TAKE_ONE -> flux.take(1);
        case NEXT -> flux.next().flux();
        default -> flux;
      };
    }

    private static Runnable subscribe(Body body, Flux<?> publisher) {
      List<Watcher> watchers = new ArrayList<>();
      int subscriptions = body.move == Move.RESUBSCRIBE ? 2 : 1;
      for (int i = 0; i < subscriptions; i++) {
        Watcher watcher = new Watcher(body, body.move == Move.DISPOSE_AFTER_FIRST);
        watchers.add(watcher);
        publisher.subscribe(watcher);
      }
      CompletableFuture.allOf(watchers.stream().map(w -> w.ended)
          .toArray(CompletableFuture[]::new)).thenRun(() -> body.ended(null));
      return () -> watchers.forEach(Watcher::dispose);
    }

    /**
     * Every few calls, through either instance: takes all of one primitive's permits and cancels
     * some of the calls that wait for it, which surely have not been granted; or sets the event
     * through {@code @SetsEvent} and clears it; now and then, first pauses Redis briefly.
     */
    private void coordinate(Random random, AtomicBoolean callersDone) {
      try {
        while (!callersDone.get()) {
          // acts after a few calls, or after a while when every caller waits
          pace.tryAcquire(10 + random.nextInt(30), 100, TimeUnit.MILLISECONDS);
          if (random.nextInt(10) == 0) {
            pauseRedis(50 + random.nextInt(PAUSE_MILLIS_MAX - 50));
          }
          int instance = random.nextInt(2);
          GateKind gate = GateKind.values()[random.nextInt(GateKind.values().length)];
          if (gate == GateKind.EVENT || gate == GateKind.SETS || gate == GateKind.NESTED) {
            if (random.nextBoolean()) {
              services.get(instance).set();
            }
            registry(random.nextInt(2)).event(EVENT).clear();
            continue;
          }
          String key = KEY_VALUES.get(random.nextInt(KEY_VALUES.size()));
          List<Permit> held = takeAll(registry(instance), gate, key);
          try {
            for (Body body : waiting.getOrDefault(
                gate == GateKind.KEY ? KEYS + "/" + key : gate.prefix, Set.of())) {
              if (body.doomable() && random.nextBoolean() && body.doom()) {
                doomed.incrementAndGet();
              }
            }
          } finally {
            held.forEach(Permit::release);
          }
        }
      } catch (Exception e) {
        problems.add("the coordinator failed: " + e);
      }
    }

    /** Pauses Redis for {@code millis}, unless it is paused already. */
    private void pauseRedis(int millis) {
      if (paused.compareAndSet(false, true)) {
        instances.server.pause();
        scheduler.schedule(() -> {
          instances.server.resume();
          paused.set(false);
        }, millis, TimeUnit.MILLISECONDS);
      }
    }

    private static List<Permit> takeAll(PrimitiveRegistry registry, GateKind gate, String key)
        throws Exception {
      List<CompletableFuture<Permit>> taken = switch (gate) {
        case PERMITS -> {
          AsyncSemaphore semaphore = registry.semaphore(PERMITS, 2);
          yield List.of(semaphore.acquire(), semaphore.acquire());
        }
        case LOCK -> List.of(registry.lock(LOCK).acquire());
        default -> List.of(registry.lock(KEYS, key).acquire());
      };
      List<Permit> held = new ArrayList<>();
      for (CompletableFuture<Permit> permit : taken) {
        held.add(permit.get(SETTLE.toSeconds(), TimeUnit.SECONDS));
      }
      return held;
    }

    private void awaitSettled() throws Exception {
      try {
        CompletableFuture.allOf(calls.stream().map(body -> body.settled)
            .toArray(CompletableFuture[]::new)).get(SETTLE.toSeconds(), TimeUnit.SECONDS);
      } catch (TimeoutException e) {
        List<String> stuck = calls.stream().filter(body -> !body.settled.isDone()).limit(10)
            .map(body -> body + ", state " + body.state.get()).toList();
        throw new AssertionError("calls never settled, first ones: " + stuck + "; "
            + state(0) + "; " + state(1));
      }
    }

    /**
     * Clears the event first: a {@code @SetsEvent} call may set it just after its caller saw the
     * call end, and a set event stays in Redis.
     */
    private void assertAllFree() {
      registry(1).event(EVENT).clear();
      for (int instance = 0; instance < 2; instance++) {
        assertThat(state(instance)).as("primitives of instance %d after the run", instance + 1)
            .isEqualTo("permits 2 free, 0 waiting; lock free, 0 waiting; keys 0 active,"
                + " 0 waiting; event 0 waiting; backend 0 held, 0 waiting; bodies inside 0/0/0");
        PrimitiveRegistry registry = registry(instance);
        StallView view = contexts.get(instance).getBeanProvider(StallView.class).getIfAvailable();
        assertThat(view != null).as("stall view of instance %d", instance + 1)
            .isEqualTo(instance == 1);
        if (view != null) {
          assertThat(view.pendingWaits()).as("stall view's pending waits").isEmpty();
          assertThat(((HoldTracking) registry.semaphore(PERMITS, 2)).holds().count())
              .as("semaphore holds").isZero();
          assertThat(((HoldTracking) registry.lock(LOCK)).holds().count()).as("lock holds")
              .isZero();
          assertThat(family(instance).oldestHold()).as("per-key holds").isEmpty();
        }
      }
      RedisServer server = instances.server;
      String event = "{baton:event:" + EVENT + "}";
      assertThat(server.keys()).as("keys in Redis")
          .allSatisfy(key -> assertThat(key.endsWith(":released") || key.equals(event))
              .as("%s is a record of released permits or the cleared event", key).isTrue())
          .allSatisfy(key -> assertThat(Long.parseLong(server.cli("PTTL", key)))
              .as("time to live of %s (-2: gone, -1: never)", key)
              .isNotEqualTo(-1L).isLessThanOrEqualTo(LEASE.toMillis()));
    }

    private String state(int instance) {
      PrimitiveRegistry registry = registry(instance);
      AsyncSemaphore semaphore = registry.semaphore(PERMITS, 2);
      RedisBackend backend = contexts.get(instance).getBean(RedisBackend.class);
      int keysInside = keys.values().stream().mapToInt(inside -> inside.now().get()).sum();
      return "permits " + semaphore.availablePermits() + " free, " + semaphore.waiters()
          + " waiting; lock " + (registry.lock(LOCK).isLocked() ? "locked" : "free") + ", "
          + registry.lock(LOCK).waiters() + " waiting; keys " + family(instance).activeKeys()
          + " active, " + family(instance).waiters() + " waiting; event "
          + registry.event(EVENT).waiters() + " waiting; backend " + backend.heldPermits()
          + " held, " + backend.waitingAcquires() + " waiting; bodies inside "
          + permits.now().get() + "/" + lock.now().get() + "/" + keysInside;
    }

    /** The per-key locks' family of an instance, looked up once (a listener is kept for good). */
    private synchronized LockFamily family(int instance) {
      while (families.size() < 2) {
        AtomicReference<LockFamily> found = new AtomicReference<>();
        registry(families.size()).onPrimitive(primitive -> {
          if (primitive.kind() == NamedPrimitive.Kind.LOCK_FAMILY
              && primitive.name().equals(KEYS)) {
            found.compareAndSet(null, (LockFamily) primitive.primitive());
          }
        });
        families.add(found.get());
      }
      return families.get(instance);
    }

    private static void awaitQuietly(CompletableFuture<Void> settled) {
      try {
        settled.get(SETTLE.toSeconds(), TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (ExecutionException | TimeoutException e) {
        // a call that never settles is reported after the run
      }
    }

    private static ThreadFactory daemon(String name) {
      AtomicInteger count = new AtomicInteger();
      return task -> {
        Thread thread = new Thread(task, name + "-" + count.incrementAndGet());
        thread.setDaemon(true);
        return thread;
      };
    }
  }
}
