package dev.baton.spring.aspect;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.AcquireTimeoutException;
import dev.baton.AsyncLock;
import dev.baton.AsyncSemaphore;
import dev.baton.Permit;
import dev.baton.spring.FuzzThreads;
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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import kotlin.coroutines.EmptyCoroutineContext;
import kotlinx.coroutines.CompletableDeferred;
import kotlinx.coroutines.CompletableDeferredKt;
import kotlinx.coroutines.Deferred;
import kotlinx.coroutines.flow.Flow;
import kotlinx.coroutines.future.FutureKt;
import kotlinx.coroutines.reactive.ReactiveFlowKt;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;

/**
 * One run of a randomized cancellation fuzz of the annotations, shared by
 * {@link AnnotationCancelFuzzTest} (one Spring context) and {@code RedisAnnotationFuzzTest} (two
 * instances on one Redis). Caller threads call the annotated methods of a test's {@code Fuzzed}
 * bean, each through a {@link Body} that plays the method's body; a coordinator now and then takes
 * all of a primitive's permits and cancels ("dooms") some of the calls that wait for it, whose
 * bodies must then never run. The primitives are a semaphore {@link #PERMITS} of two permits, a
 * lock {@link #LOCK}, per-key locks {@link #KEYS} (keys {@link #KEY_VALUES}) and an event
 * {@link #EVENT}.
 *
 * <p>The methods are named by gate and return type: the {@link Gate#prefix()}, {@code timed} and
 * the capitalized prefix for a method with a short annotation timeout, then the
 * {@link Type#suffix()}; each takes one {@link Body} and returns what the matching method of the
 * body returns. A subclass says on which instance a call is made ({@link #service(int)},
 * {@link #registry(int)}), what the coordinator does at each turn ({@link #act(Random)}), how the
 * primitives are checked free once all is quiet ({@link #awaitAllFree()}), and how they are
 * described ({@link #state()}). {@link #run()} fails on any invariant violation: more bodies
 * inside a primitive than it has permits, a doomed body that ran, a call ending with a failure
 * it could not see, a call that never ends, or no call doomed at all. The plan of each thread
 * depends on the seed alone; thread timing varies.
 */
public abstract class CancelFuzz {

  /** The semaphore's name; it has two permits. */
  public static final String PERMITS = "fuzz-permits";
  /** The lock's name. */
  public static final String LOCK = "fuzz-lock";
  /** The per-key locks' name. */
  public static final String KEYS = "fuzz-keys";
  /** The event's name. */
  public static final String EVENT = "fuzz-event";
  /** The keys of the per-key locks a call may use. */
  public static final List<String> KEY_VALUES = List.of("k0", "k1", "k2");
  private static final int CALLER_THREADS = 4;

  private final long seed;
  private final int callCount;
  private final Duration settle;
  private final int instances;
  private final List<? extends Gate> gates;
  private final List<Type> types;
  private final Class<?> fuzzed;
  private final Problems problems = new Problems();
  /** Ends the bodies that end later, and cancels calls; shut down at the end of the run. */
  protected final ScheduledExecutorService scheduler =
      Executors.newScheduledThreadPool(2, FuzzThreads.daemon("fuzz-finisher"));
  private final ExecutorService threads =
      Executors.newFixedThreadPool(CALLER_THREADS + 1, FuzzThreads.daemon("fuzz-caller"));
  private final Inside permits = new Inside(PERMITS, 2);
  private final Inside lock = new Inside(LOCK, 1);
  private final Map<String, Inside> keys = new ConcurrentHashMap<>();
  /** Calls made and not yet settled, by what they wait for. */
  private final Map<String, Set<Body>> waiting = new ConcurrentHashMap<>();
  private final List<Body> calls = new CopyOnWriteArrayList<>();
  private final AtomicInteger tickets = new AtomicInteger();
  /** One release per call made: the coordinator acts every few calls. */
  private final Semaphore pace = new Semaphore(0);
  private final AtomicInteger doomed = new AtomicInteger();
  /** The per-key locks' family of each instance, looked up once. */
  private final Map<Integer, LockFamily> families = new ConcurrentHashMap<>();

  /**
   * A run of {@code calls} calls in all, each waiting at most {@code settle}, on
   * {@code instances} instances, with the gates and return types drawn from {@code gates} and
   * {@code types}, the methods being those of {@code fuzzed}.
   */
  protected CancelFuzz(long seed, int calls, Duration settle, int instances,
      List<? extends Gate> gates, List<Type> types, Class<?> fuzzed) {
    this.seed = seed;
    this.callCount = calls;
    this.settle = settle;
    this.instances = instances;
    this.gates = gates;
    this.types = types;
    this.fuzzed = fuzzed;
    KEY_VALUES.forEach(key -> keys.put(key, new Inside(KEYS + "/" + key, 1)));
  }

  /**
   * What a call waits for (or does): the prefix of its methods' names, whether they have timed
   * variants, and the prefix of the primitive it waits for under the coordinator and is counted
   * inside: {@code permits}, {@code lock}, {@code key}, or another for none of those.
   */
  public interface Gate {

    /** The prefix of the methods' names. */
    String prefix();

    /** Whether the gate has methods with a short annotation timeout. */
    boolean timed();

    /** The prefix of the primitive whose grant the call waits for last. */
    default String waitsFor() {
      return prefix();
    }
  }

  /** A method's return type: the suffix of its name. */
  public enum Type {
    SYNC("Sync"), FUTURE("Future"), MONO("Mono"), FLUX("Flux"), FLOW("Flow"),
    DEFERRED("Deferred");

    private final String suffix;

    Type(String suffix) {
      this.suffix = suffix;
    }

    /** The suffix of the methods' names. */
    public String suffix() {
      return suffix;
    }

    boolean reactive() {
      return this == MONO || this == FLUX || this == FLOW;
    }

    boolean timed() {
      return this != FLOW && this != DEFERRED;
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
  private static final class Failed extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Failed() {
      super("failed on purpose", null, false, false);
    }
  }

  /**
   * How many bodies are inside a primitive (or one key's lock) over all instances, the most
   * allowed, which bodies, and every entry and exit in order, to tell what overlapped.
   */
  record Inside(String name, int most, AtomicInteger now, Set<Object> bodies,
      List<String> events) {

    Inside(String name, int most) {
      this(name, most, new AtomicInteger(), ConcurrentHashMap.newKeySet(),
          Collections.synchronizedList(new ArrayList<>()));
    }

    /**
     * Counts {@code body}, which has entered, out of here once, however often it runs; every run
     * returns only once the body is out. Its end and its caller's cancel may both run it, on two
     * threads, and the second goes on to the aspect, which gives the grant back: returning while
     * the first still counts the body out would let the next body in before the count dropped.
     */
    Runnable leaving(Object body) {
      AtomicBoolean left = new AtomicBoolean();
      return () -> {
        synchronized (left) {
          if (left.compareAndSet(false, true)) {
            bodies.remove(body);
            events.add("leave " + body + " " + Thread.currentThread().getName());
            now.decrementAndGet();
          }
        }
      };
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
   * One call's body, as its method runs it; also the call's record: the instance it was made on,
   * whether its body started or the coordinator doomed it first, whether its caller cancelled it,
   * and how to cancel it. Its methods {@link #sync()} to {@link #deferred()} are what the
   * annotated methods return; {@link #key()} is the per-key lock's key.
   */
  public static final class Body extends CountedBody {
    private static final int NEW = 0;
    private static final int STARTED = 1;
    private static final int DOOMED = 2;

    private final int id;
    private final int instance;
    private final Gate gate;
    private final Type type;
    private final String key;
    private final Ending ending;
    private final Move move;
    private final long delayMicros;
    private final Inside inside;
    private final CancelFuzz run;
    /** Drawn as the call was made: the coordinator may doom only calls made since a ticket. */
    private long ticket;
    private final AtomicInteger state = new AtomicInteger(NEW);
    private final AtomicBoolean cancelled = new AtomicBoolean();
    /** Cancels the call's result, once the caller has it. */
    private final CompletableFuture<Runnable> canceller = new CompletableFuture<>();
    /** Completes once the caller sees the call's result end, however it ends. */
    private final CompletableFuture<Void> settled = new CompletableFuture<>();

    private Body(int id, Random random, CancelFuzz run, Gate gate, Type type, String key) {
      this.id = id;
      this.instance = run.instance(random);
      this.gate = gate;
      this.type = type;
      this.key = key;
      this.inside = run.inside(gate, key);
      this.run = run;
      this.ending = Ending.values()[random.nextInt(Ending.values().length)];
      this.delayMicros = random.nextInt(8) == 0 ? 500 + random.nextInt(2_000)
          : random.nextInt(300);
      this.move = move(random, gate, type);
    }

    private static Move move(Random random, Gate gate, Type type) {
      List<Move> moves = new ArrayList<>(List.of(Move.AWAIT, Move.AWAIT));
      if (type != Type.SYNC) {
        moves.addAll(List.of(Move.CANCEL_SOON, Move.CANCEL_SOON, Move.CANCEL_ON_START));
      }
      if (type.timed() && gate.timed()) {
        moves.add(Move.TIMED);
      }
      if (type.reactive()) {
        moves.add(Move.RESUBSCRIBE);
      }
      if (type == Type.FLUX || type == Type.FLOW) {
        moves.addAll(List.of(Move.TAKE_ONE, Move.NEXT, Move.DISPOSE_AFTER_FIRST));
      }
      return moves.get(random.nextInt(moves.size()));
    }

    /** The per-key lock's key; read by the methods' key expression. */
    public String key() {
      return key;
    }

    /** The {@link #flux()} as a Kotlin flow. */
    public Flow<String> flow() {
      return ReactiveFlowKt.asFlow(flux());
    }

    /** Enters at once; leaves just before the returned deferred ends. */
    public Deferred<String> deferred() {
      Runnable leave = enter();
      CompletableDeferred<String> result = CompletableDeferredKt.CompletableDeferred(null);
      outcome().whenComplete((value, failure) -> {
        leave.run();
        if (failure == null) {
          result.complete(value);
        } else {
          result.completeExceptionally(failure);
        }
      });
      return result;
    }

    /**
     * Counts a body in; the returned action counts it out, once. A body of a call the coordinator
     * cancelled before its grant is a violation, as is one more than the primitive allows.
     */
    @Override
    Runnable enter() {
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
      inside.bodies().add(this);
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
      return inside.leaving(this);
    }

    @Override
    CompletableFuture<String> outcome() {
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
    private void cancel() {
      cancelled.set(true);
      canceller.thenAccept(Runnable::run);
    }

    /** Whether the coordinator may cancel this call as one surely not granted yet. */
    private boolean doomable() {
      return type != Type.SYNC && move != Move.RESUBSCRIBE && !cancelled.get()
          && !settled.isDone() && state.get() == NEW;
    }

    /** Cancels this call if its body has not started: true if it was doomed so. */
    private boolean doom() {
      if (!state.compareAndSet(NEW, DOOMED)) {
        return false;
      }
      cancel();
      return true;
    }

    /** Records how the result ended: a failure must be one the call could see. */
    private void ended(Throwable failure) {
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
      return id + " (" + gate + (gate.waitsFor().equals("key") ? " " + key : "") + " " + type
          + (run.instances > 1 ? " on " + (instance + 1) : "") + ", " + move + ", " + ending
          + ")";
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

  /** The {@code Fuzzed} bean of an instance, numbered from 0. */
  protected abstract Object service(int instance);

  /** The primitive registry of an instance, numbered from 0. */
  protected abstract PrimitiveRegistry registry(int instance);

  /**
   * One turn of the coordinator, after a few calls: takes all of a primitive's permits and dooms
   * some of its waiting calls ({@link #holdAndDoom}), or plays with the event.
   */
  protected abstract void act(Random random) throws Exception;

  /** Waits until {@link #assertNoHolds} and the test's own checks of the quiet primitives pass. */
  protected abstract void awaitAllFree();

  /** The primitives and the bodies inside, to tell what is stuck. */
  protected abstract String state();

  /** Once the run has ended, after the scheduler is shut down and before the callers' threads. */
  protected void stopped() {
  }

  /**
   * Runs the callers and the coordinator, sets the event, waits for every call to settle, then
   * fails on any violation, on primitives not found free, or if the coordinator doomed no call.
   */
  public final void run() throws Exception {
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
          .get(settle.toSeconds(), TimeUnit.SECONDS);
      callersDone.set(true);
      coordinator.get(settle.toSeconds(), TimeUnit.SECONDS);
      registry(0).event(EVENT).set();
      awaitSettled();
      problems.assertNone();
      awaitAllFree();
      assertThat(doomed).as("calls cancelled surely before their grant").hasPositiveValue();
    } finally {
      scheduler.shutdownNow();
      stopped();
      threads.shutdownNow();
    }
  }

  /** An instance drawn at random, or 0 without a draw when there is one instance. */
  protected final int instance(Random random) {
    return instances > 1 ? random.nextInt(instances) : 0;
  }

  /** The number of calls made so far: the ticket the next call draws. */
  protected final long tickets() {
    return tickets.get();
  }

  private Inside inside(Gate gate, String key) {
    return switch (gate.waitsFor()) {
      case "permits" -> permits;
      case "lock" -> lock;
      case "key" -> keys.get(key);
      default -> null;
    };
  }

  private void makeCalls(Random random) {
    for (int i = 0; i < callCount / CALLER_THREADS; i++) {
      Body body = newCall(random);
      call(body);
      pace.release();
      if (random.nextInt(4) == 0) {
        awaitQuietly(body.settled);
      }
    }
  }

  private Body newCall(Random random) {
    Gate gate = gates.get(random.nextInt(gates.size()));
    Type type = types.get(random.nextInt(types.size()));
    String key = KEY_VALUES.get(random.nextInt(KEY_VALUES.size()));
    Body body = new Body(calls.size(), random, this, gate, type, key);
    calls.add(body);
    return body;
  }

  /** Makes the call as its move says, and lists it among the waiting once it can be cancelled. */
  private void call(Body body) {
    body.ticket = tickets.getAndIncrement();
    try {
      Object result = method(body).invoke(service(body.instance), body);
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
    Set<Body> those = waiting.computeIfAbsent(waitName(body.gate, body.key),
        name -> ConcurrentHashMap.newKeySet());
    those.add(body);
    body.settled.whenComplete((nothing, failure) -> those.remove(body));
  }

  private Method method(Body body) throws NoSuchMethodException {
    String prefix = body.gate.prefix();
    String name = (body.move == Move.TIMED
        ? "timed" + Character.toUpperCase(prefix.charAt(0)) + prefix.substring(1) : prefix)
        + body.type.suffix;
    return fuzzed.getMethod(name, Body.class);
  }

  /** What the coordinator dooms a call's wait under. */
  private static String waitName(Gate gate, String key) {
    return gate.waitsFor().equals("key") ? KEYS + "/" + key : gate.waitsFor();
  }

  /** Follows the call's result to its end; returns how to cancel it. */
  private static Runnable handle(Body body, Object result) {
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
      case DEFERRED -> {
        Deferred<?> deferred = (Deferred<?>) result;
        FutureKt.asCompletableFuture(deferred).whenComplete((value, failure) ->
            body.ended(failure));
        return () -> deferred.cancel(null);
      }
      default -> {
        return subscribe(body, publisher(body, result));
      }
    }
  }

  private static Flux<?> publisher(Body body, Object result) {
    Flux<?> flux = result instanceof Flow<?> flow
        ? Flux.from(ReactiveFlowKt.asPublisher(flow, EmptyCoroutineContext.INSTANCE))
        : Flux.from((Publisher<?>) result);
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

  private void coordinate(Random random, AtomicBoolean callersDone) {
    try {
      while (!callersDone.get()) {
        // acts after a few calls, or after a while when every caller waits
        pace.tryAcquire(10 + random.nextInt(30), 100, TimeUnit.MILLISECONDS);
        act(random);
      }
    } catch (Exception e) {
      problems.add("the coordinator failed: " + e);
    }
  }

  /**
   * Draws a key, takes all of the permits of the primitive {@code gate} waits for (the
   * semaphore, the lock or that key's lock) through {@code registry}, dooms some of the calls
   * that wait for it, and releases them.
   */
  protected final void holdAndDoom(Random random, PrimitiveRegistry registry, Gate gate)
      throws Exception {
    String key = KEY_VALUES.get(random.nextInt(KEY_VALUES.size()));
    List<CompletableFuture<Permit>> taken = switch (gate.waitsFor()) {
      case "permits" -> {
        AsyncSemaphore semaphore = registry.semaphore(PERMITS, 2);
        yield List.of(semaphore.acquire(), semaphore.acquire());
      }
      case "lock" -> List.of(registry.lock(LOCK).acquire());
      default -> List.of(registry.lock(KEYS, key).acquire());
    };
    List<Permit> held = new ArrayList<>();
    try {
      for (CompletableFuture<Permit> permit : taken) {
        held.add(permit.get(settle.toSeconds(), TimeUnit.SECONDS));
      }
      doomSome(random, waitName(gate, key), 0);
    } finally {
      held.forEach(Permit::release);
    }
  }

  /**
   * Cancels about half of the doomable calls waiting for what {@code gate} waits for, made since
   * {@code ticket}.
   */
  protected final void doomSome(Random random, Gate gate, long ticket) {
    doomSome(random, waitName(gate, ""), ticket);
  }

  private void doomSome(Random random, String name, long ticket) {
    for (Body body : waiting.getOrDefault(name, Set.of())) {
      if (body.ticket >= ticket && body.doomable() && random.nextBoolean() && body.doom()) {
        doomed.incrementAndGet();
      }
    }
  }

  private void awaitSettled() throws Exception {
    try {
      CompletableFuture.allOf(calls.stream().map(body -> body.settled)
          .toArray(CompletableFuture[]::new)).get(settle.toSeconds(), TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      List<String> stuck = calls.stream().filter(body -> !body.settled.isDone()).limit(10)
          .map(body -> body + ", state " + body.state.get()).toList();
      throw new AssertionError("calls never settled, first ones: " + stuck + "; " + state());
    }
  }

  /**
   * Fails unless the stall view, when there is one, lists no pending wait and no hold of the
   * instance's semaphore, lock and per-key locks.
   */
  protected final void assertNoHolds(int instance, StallView view) {
    if (view != null) {
      PrimitiveRegistry registry = registry(instance);
      assertThat(view.pendingWaits()).as("stall view's pending waits").isEmpty();
      assertThat(((HoldTracking) registry.semaphore(PERMITS, 2)).holds().count())
          .as("semaphore holds").isZero();
      assertThat(((HoldTracking) registry.lock(LOCK)).holds().count()).as("lock holds")
          .isZero();
      assertThat(family(instance).oldestHold()).as("per-key holds").isEmpty();
    }
  }

  /**
   * The instance's semaphore, lock, per-key locks and event, as {@code permits 2 free, 0 waiting;
   * lock free, 0 waiting; keys 0 active, 0 waiting; event 0 waiting} once all is quiet.
   */
  protected final String primitives(int instance) {
    PrimitiveRegistry registry = registry(instance);
    AsyncSemaphore semaphore = registry.semaphore(PERMITS, 2);
    AsyncLock single = registry.lock(LOCK);
    return "permits " + semaphore.availablePermits() + " free, " + semaphore.waiters()
        + " waiting; lock " + (single.isLocked() ? "locked" : "free") + ", "
        + single.waiters() + " waiting; keys " + family(instance).activeKeys() + " active, "
        + family(instance).waiters() + " waiting; event " + registry.event(EVENT).waiters()
        + " waiting";
  }

  /** The bodies inside the semaphore, the lock and the key locks: {@code bodies inside 0/0/0}. */
  protected final String bodiesInside() {
    int keysInside = keys.values().stream().mapToInt(inside -> inside.now().get()).sum();
    return "bodies inside " + permits.now().get() + "/" + lock.now().get() + "/" + keysInside;
  }

  /** The per-key locks' family of an instance, looked up once (a listener is kept for good). */
  private LockFamily family(int instance) {
    return families.computeIfAbsent(instance, i -> {
      AtomicReference<LockFamily> found = new AtomicReference<>();
      registry(i).onPrimitive(primitive -> {
        if (primitive.kind() == NamedPrimitive.Kind.LOCK_FAMILY
            && primitive.name().equals(KEYS)) {
          found.compareAndSet(null, (LockFamily) primitive.primitive());
        }
      });
      return found.get();
    });
  }

  private void awaitQuietly(CompletableFuture<Void> settled) {
    try {
      settled.get(settle.toSeconds(), TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      // a call that never settles is reported after the run
    }
  }

}
