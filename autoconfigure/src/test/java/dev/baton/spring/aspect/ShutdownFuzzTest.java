package dev.baton.spring.aspect;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.AcquireTimeoutException;
import dev.baton.AsyncLock;
import dev.baton.AsyncSemaphore;
import dev.baton.annotation.AwaitsEvent;
import dev.baton.annotation.Guarded;
import dev.baton.annotation.Limited;
import dev.baton.annotation.SetsEvent;
import dev.baton.spring.BatonAutoConfiguration;
import dev.baton.spring.ClosingFailures;
import dev.baton.spring.FuzzThreads;
import dev.baton.spring.PrimitiveRegistry;
import dev.baton.spring.local.DefaultPrimitiveRegistry;
import dev.baton.spring.observation.WaitListener;
import dev.baton.spring.observation.WaitOutcome;
import dev.baton.spring.observation.WaitSite;
import dev.baton.spring.stall.BatonStallsAutoConfiguration;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscription;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Randomized shutdown of an application while annotated calls wait and hold. Each round starts a
 * Spring application with Baton's auto-configurations (the stall view off or {@code basic}) and a
 * bean of {@code @Limited}, {@code @Guarded} (plain and per key), {@code @AwaitsEvent} and
 * {@code @SetsEvent} methods returning a plain value, a {@code CompletableFuture}, a {@code Mono}
 * or a {@code Flux}, some with a short timeout. Three caller threads call them at random: a call
 * waits for its result, cancels it (a synchronous one interrupts its thread), or disposes its
 * subscription, now or after the first element; its body ends at once, a little later, fails, or
 * holds until the application has closed. Callers clear the event now and then. After a random
 * number of calls the context is closed while the callers go on.
 *
 * <p>Checked, each round: {@code close()} returns within {@value #CLOSE_BOUND_SECONDS} s; every
 * call settles within {@value #SETTLE_SECONDS} s of it, succeeding, failing as its body did, timing
 * out (only a timed method), cancelled (only a call its caller cancelled), or, once the close has
 * begun, failing with a message that says the application is shutting down or a primitive was
 * closed; no body runs twice, no wait is granted once the close has returned (a grant decided
 * before may still start its body just after), and no primitive ever has more bodies inside than
 * permits (one per lock and per key); every synchronous caller's thread is free again; the lock
 * and semaphore end free, with no key left; and no thread the round started is left alive,
 * except those Baton's core and Reactor share across the JVM and end when idle.
 *
 * <p>The seed is in every failure message ({@code -Dbaton.fuzz.seed} replays the plan of each
 * round; thread timing varies); {@code -Dbaton.stress} multiplies the rounds.
 */
@Timeout(300)
class ShutdownFuzzTest {

  static final String PERMITS = "stop-permits";
  static final String LOCK = "stop-lock";
  static final String KEYS = "stop-keys";
  static final String EVENT = "stop-event";
  private static final int CLOSE_BOUND_SECONDS = 10;
  private static final int SETTLE_SECONDS = 5;
  private static final int ROUNDS = 8 * Math.max(1, Integer.getInteger("baton.stress", 1));
  private static final Long REPLAY_SEED = Long.getLong("baton.fuzz.seed");
  private static final int CALLERS = 3;
  /** How many calls the callers make at most once one has started the close. */
  private static final int AFTER_CLOSE = 60;
  /** Threads shared by every application in the JVM, which end when idle or live for good. */
  private static final List<String> SHARED_THREADS = List.of("baton-timeouts",
      "baton-grants-relay-", "parallel-", "boundedElastic-", "ForkJoinPool.commonPool-",
      "background-preinit", "Attach Listener", "Common-Cleaner");
  /** The annotated methods, in name order: a plan picks them by index. */
  private static final List<Method> METHODS = Arrays.stream(Stopped.class.getDeclaredMethods())
      .filter(method -> Modifier.isPublic(method.getModifiers()))
      .sorted(Comparator.comparing(Method::getName)).toList();

  @Test
  void closingTheApplicationMidTrafficSettlesEveryCallAndLeavesNoThreadBehind() {
    long seed = REPLAY_SEED != null ? REPLAY_SEED : ThreadLocalRandom.current().nextLong();
    Random rounds = new Random(seed);
    for (int round = 1; round <= ROUNDS; round++) {
      long roundSeed = rounds.nextLong();
      try {
        new Round(roundSeed).run();
      } catch (Throwable t) {
        throw new AssertionError("seed " + seed + ", round " + round + " (replay: -Dtest="
            + getClass().getSimpleName() + " -Dbaton.fuzz.seed=" + seed + "): " + t, t);
      }
    }
  }

  /** The application of a round: Baton's auto-configurations and the annotated bean. */
  @Configuration(proxyBeanMethods = false)
  @ImportAutoConfiguration({AopAutoConfiguration.class, BatonStallsAutoConfiguration.class,
      BatonAutoConfiguration.class, BatonAspectsAutoConfiguration.class})
  static class App {

    @Bean
    Stopped stopped() {
      return new Stopped();
    }

    @Bean
    GrantsAfterTheClose grantsAfterTheClose() {
      return new GrantsAfterTheClose();
    }
  }

  /**
   * Hears every wait of the registry's primitives and reports a grant made by work the test began
   * once the close had returned (a call, a body's end, a cancel): the call whose wait it is was
   * made on the thread, and is current there, as the wait starts. A grant decided before the
   * close can be heard after it, its callbacks queued behind those of other grants on the thread
   * that made it, so work begun before the close is not suspected. Nor is a call's own cancel: a
   * cancel that reaches a grant in transit completes the future with it before it returns
   * (Waiter's contract), on the cancel's thread, however late.
   */
  static final class GrantsAfterTheClose implements WaitListener {
    /** The call being made on this thread, whose waits start there. */
    private static final ThreadLocal<Body> CALLING = new ThreadLocal<>();
    /** Whether the test's work running on this thread began before the close had returned. */
    private static final ThreadLocal<Boolean> BEGUN_BEFORE_THE_CLOSE = new ThreadLocal<>();
    /** The call whose cancel runs on this thread, which may complete that call's own grant. */
    private static final ThreadLocal<Body> CANCELLING = new ThreadLocal<>();

    /** Cancels {@code body}'s call with {@code cancel}, as the call cancelled on this thread. */
    static void cancelling(Body body, Runnable cancel) {
      CANCELLING.set(body);
      try {
        cancel.run();
      } finally {
        CANCELLING.remove();
      }
    }

    /** Makes {@code call} on this thread, as the call of the waits that start meanwhile. */
    static Object calling(Body body, Callable<Object> call) throws Exception {
      CALLING.set(body);
      try {
        return body.round.work(call);
      } finally {
        CALLING.remove();
      }
    }

    @Override
    public Wait started(WaitSite site) {
      Body body = CALLING.get();
      return body == null ? outcome -> { } : outcome -> {
        if (outcome == WaitOutcome.ACQUIRED && body.round.closed.get()
            && !Boolean.TRUE.equals(BEGUN_BEFORE_THE_CLOSE.get()) && CANCELLING.get() != body) {
          body.round.problem("call " + body + " was granted " + site.primitive() + " '"
              + site.name() + "' after close() had returned");
        }
      };
    }
  }

  /**
   * The annotated methods, named by what they wait for (the first word), {@code Timed} for a
   * short annotation timeout, {@code Sets} for one that also sets the event, and the return type.
   */
  public static class Stopped {

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

    @Limited(value = PERMITS, permits = 2, timeout = "5ms")
    public Flux<String> permitsTimedFlux(Body body) {
      return body.flux();
    }

    @SetsEvent(EVENT)
    @Limited(value = PERMITS, permits = 2)
    public CompletableFuture<String> permitsSetsFuture(Body body) {
      return body.future();
    }

    @Guarded(LOCK)
    public String lockSync(Body body) {
      return body.sync();
    }

    @Guarded(value = LOCK, timeout = "5ms")
    public String lockTimedSync(Body body) {
      return body.sync();
    }

    @Guarded(LOCK)
    public CompletableFuture<String> lockFuture(Body body) {
      return body.future();
    }

    @Guarded(value = LOCK, timeout = "5ms")
    public Mono<String> lockTimedMono(Body body) {
      return body.mono();
    }

    @Guarded(LOCK)
    public Flux<String> lockFlux(Body body) {
      return body.flux();
    }

    @Guarded(value = KEYS, key = "#body.key()")
    public String keysSync(Body body) {
      return body.sync();
    }

    @Guarded(value = KEYS, key = "#body.key()")
    public CompletableFuture<String> keysFuture(Body body) {
      return body.future();
    }

    @Guarded(value = KEYS, key = "#body.key()", timeout = "5ms")
    public Mono<String> keysTimedMono(Body body) {
      return body.mono();
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

    @AwaitsEvent(value = EVENT, timeout = "5ms")
    public Flux<String> eventTimedFlux(Body body) {
      return body.flux();
    }
  }

  /** How a body's result ends. */
  private enum Ending {
    AT_ONCE, LATER, FAILS, HELD
  }

  /** What the caller does with the call's result. */
  private enum Move {
    AWAIT, CANCEL, CANCEL_AFTER_FIRST
  }

  /** A body's failure on purpose. */
  private static final class Failed extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Failed() {
      super("failed on purpose", null, false, false);
    }
  }

  /**
   * One call: its method, its plan, and, as the method's body, how it counts itself inside its
   * primitive. Completes {@link #settled} once its caller has seen its result end.
   */
  public static final class Body extends CountedBody {
    private final int id;
    private final Method method;
    private final String gate;
    private final String key;
    private final Ending ending;
    private final Move move;
    private final long delayMicros;
    private final Round round;
    private final AtomicInteger entries = new AtomicInteger();
    private final AtomicBoolean cancelled = new AtomicBoolean();
    private final CompletableFuture<Void> settled = new CompletableFuture<>();

    private Body(int id, Random random, Round round) {
      this.id = id;
      this.method = METHODS.get(random.nextInt(METHODS.size()));
      this.gate = method.getName().split("(?=[A-Z])")[0];
      this.key = "k" + random.nextInt(2);
      this.ending = Ending.values()[random.nextInt(Ending.values().length)];
      this.move = Move.values()[random.nextInt(
          method.getReturnType() == Flux.class ? 3 : 2)];
      this.delayMicros = random.nextInt(3_000);
      this.round = round;
    }

    /** The per-key lock's key; read by the methods' key expression. */
    public String key() {
      return key;
    }

    /** What the release after a synchronous body grants is work of now, not of the call's start. */
    @Override
    void ending() {
      GrantsAfterTheClose.BEGUN_BEFORE_THE_CLOSE.set(!round.closed.get());
    }

    @Override
    Runnable enter() {
      if (entries.incrementAndGet() > 1) {
        round.problem("the body of call " + this + " ran twice");
      }
      Set<Body> inside = round.inside(gate, key);
      if (inside == null) {
        return () -> { };
      }
      int most = gate.equals("permits") ? 2 : 1;
      inside.add(this);
      if (inside.size() > most) {
        round.problem("bodies " + inside + " inside " + gate + (gate.equals("keys") ? " " + key
            : "") + " as call " + id + " entered" + (round.closing.get() ? ", the close begun"
            : ""));
      }
      return () -> inside.remove(this);
    }

    @Override
    CompletableFuture<String> outcome() {
      return switch (ending) {
        case AT_ONCE -> CompletableFuture.completedFuture("done");
        case FAILS -> CompletableFuture.failedFuture(new Failed());
        case LATER -> {
          CompletableFuture<String> later = new CompletableFuture<>();
          round.scheduler.schedule(round.task(() -> later.complete("done")), delayMicros,
              TimeUnit.MICROSECONDS);
          yield later;
        }
        case HELD -> round.held.thenApply(held -> "held after the close");
      };
    }

    /** Records how the result ended: a failure must be one the call could see. */
    private void ended(Throwable failure) {
      Throwable cause = failure;
      while ((cause instanceof CompletionException || cause instanceof ExecutionException
          || cause instanceof InvocationTargetException) && cause.getCause() != null) {
        cause = cause.getCause();
      }
      boolean expected = cause == null || cause instanceof Failed
          || (cause instanceof AcquireTimeoutException && method.getName().contains("Timed"))
          || (cause instanceof CancellationException && cancelled.get())
          || (round.closing.get() && ClosingFailures.saysClosed(cause));
      if (!expected) {
        round.problem("call " + this + " ended with " + cause);
      }
      settled.complete(null);
    }

    @Override
    public String toString() {
      return id + " (" + method.getName() + (gate.equals("keys") ? " " + key : "") + ", " + move
          + ", " + ending + ")";
    }
  }

  /** A reactive call's subscriber, which may cancel after its first element. */
  private static final class Watcher extends BaseSubscriber<Object> {
    private final Body body;

    Watcher(Body body) {
      this.body = body;
    }

    @Override
    protected void hookOnSubscribe(Subscription subscription) {
      request(Long.MAX_VALUE);
    }

    @Override
    protected void hookOnNext(Object value) {
      if (body.move == Move.CANCEL_AFTER_FIRST) {
        body.cancelled.set(true);
        cancel();
      }
    }

    @Override
    protected void hookOnComplete() {
      body.ended(null);
    }

    @Override
    protected void hookOnError(Throwable failure) {
      body.ended(failure);
    }

    @Override
    protected void hookOnCancel() {
      body.settled.complete(null);
    }
  }

  /** One application, its traffic and its close. */
  private static final class Round {
    private final long seed;
    private final Random random;
    private final List<Body> calls = new CopyOnWriteArrayList<>();
    private final List<String> problems = new CopyOnWriteArrayList<>();
    private final AtomicInteger tickets = new AtomicInteger();
    /** The bodies inside the semaphore, the lock and each key's lock. */
    private final Set<Body> permitsInside = ConcurrentHashMap.newKeySet();
    private final Set<Body> lockInside = ConcurrentHashMap.newKeySet();
    private final List<Set<Body>> keysInside =
        List.of(ConcurrentHashMap.newKeySet(), ConcurrentHashMap.newKeySet());
    /** Set as the close begins, and once it has returned. */
    private final AtomicBoolean closing = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Completes once the application has closed: the bodies that hold until then end. */
    private final CompletableFuture<String> held = new CompletableFuture<>();
    private final CompletableFuture<Void> closeNow = new CompletableFuture<>();
    private final ScheduledExecutorService scheduler =
        Executors.newScheduledThreadPool(2, FuzzThreads.daemon("stop-finisher"));
    private final ExecutorService callers =
        Executors.newFixedThreadPool(CALLERS + 1, FuzzThreads.daemon("stop-caller"));
    private final ExecutorService syncCallers =
        Executors.newCachedThreadPool(FuzzThreads.daemon("stop-sync-caller"));

    Round(long seed) {
      this.seed = seed;
      this.random = new Random(seed);
    }

    /** Runs {@code work} of the test, marked as begun before or after the close returned. */
    <T> T work(Callable<T> work) throws Exception {
      Boolean outer = GrantsAfterTheClose.BEGUN_BEFORE_THE_CLOSE.get();
      GrantsAfterTheClose.BEGUN_BEFORE_THE_CLOSE.set(!closed.get());
      try {
        return work.call();
      } finally {
        GrantsAfterTheClose.BEGUN_BEFORE_THE_CLOSE.set(outer);
      }
    }

    /** {@code work} as a task of {@link #work(Callable)}, to be run later. */
    Runnable task(Runnable work) {
      return () -> {
        try {
          work(() -> {
            work.run();
            return null;
          });
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      };
    }

    void problem(String problem) {
      if (problems.size() < 20) {
        problems.add(problem + " [on " + Thread.currentThread().getName() + "]");
      }
    }

    Set<Body> inside(String gate, String key) {
      return switch (gate) {
        case "permits" -> permitsInside;
        case "lock" -> lockInside;
        case "keys" -> keysInside.get(key.charAt(1) - '0');
        default -> null;
      };
    }

    void run() throws Exception {
      Set<Thread> before = Thread.getAllStackTraces().keySet();
      String level = random.nextBoolean() ? "off" : "basic";
      int closeAt = 20 + random.nextInt(120);
      ConfigurableApplicationContext context = new SpringApplicationBuilder(App.class)
          .web(WebApplicationType.NONE).registerShutdownHook(false)
          .properties("spring.main.banner-mode=off", "spring.main.log-startup-info=false",
              "baton.default-timeout=60s", "baton.stalls.level=" + level)
          .run();
      PrimitiveRegistry registry = context.getBean(PrimitiveRegistry.class);
      AsyncLock lock = registry.lock(LOCK);
      AsyncSemaphore permits = registry.semaphore(PERMITS, 2);
      Stopped service = context.getBean(Stopped.class);
      try {
        List<CompletableFuture<Void>> traffic = new CopyOnWriteArrayList<>();
        for (int c = 0; c < CALLERS; c++) {
          Random plan = new Random(seed * 31 + c + 1);
          traffic.add(CompletableFuture.runAsync(
              () -> makeCalls(plan, service, registry, closeAt), callers));
        }
        closeNow.get(30, TimeUnit.SECONDS);
        close(context);
        scheduler.schedule(task(() -> held.complete("closed")), random.nextInt(20_000),
            TimeUnit.MICROSECONDS);
        CompletableFuture.allOf(traffic.toArray(CompletableFuture[]::new))
            .get(SETTLE_SECONDS, TimeUnit.SECONDS);
        awaitSettled();
        assertThat(problems).as("stall view " + level + ": violations").isEmpty();
        Waits.eventually().untilAsserted(() -> assertThat(List.of(lock.isLocked(),
            lock.waiters(), permits.availablePermits(), permits.waiters(),
            ((DefaultPrimitiveRegistry) registry).activeKeys(KEYS)))
            .as("lock locked and waiters, permits available and waiters, keys active")
            .isEqualTo(List.of(false, 0, 2, 0, 0)));
        syncCallers.shutdown();
        assertThat(syncCallers.awaitTermination(SETTLE_SECONDS, TimeUnit.SECONDS))
            .as("synchronous callers' threads free again: %s", stacks("stop-sync-caller"))
            .isTrue();
      } finally {
        held.complete("ended");
        context.close();
        scheduler.shutdownNow();
        callers.shutdownNow();
        syncCallers.shutdownNow();
      }
      assertNoThreadLeftBut(before);
    }

    /** Closes the application on a thread of its own, failing if it takes too long. */
    private void close(ConfigurableApplicationContext context) throws Exception {
      closing.set(true);
      Future<?> closing = callers.submit(context::close);
      try {
        closing.get(CLOSE_BOUND_SECONDS, TimeUnit.SECONDS);
      } catch (TimeoutException e) {
        throw new AssertionError("close() still running after " + CLOSE_BOUND_SECONDS + " s: "
            + stacks("stop-caller"), e);
      }
      closed.set(true);
    }

    /**
     * Calls at random until the application has closed, or {@link #AFTER_CLOSE} calls after the
     * call that starts the close.
     */
    private void makeCalls(Random plan, Stopped service, PrimitiveRegistry registry,
        int closeAt) {
      while (!closed.get() && tickets.get() < closeAt + AFTER_CLOSE) {
        int ticket = tickets.incrementAndGet();
        if (ticket == closeAt) {
          closeNow.complete(null);
        }
        if (plan.nextInt(12) == 0) {
          registry.event(EVENT).clear();
          continue;
        }
        Body body = new Body(ticket, plan, this);
        calls.add(body);
        if (body.method.getReturnType() == String.class) {
          callSync(service, body);
        } else {
          callAsync(service, body);
        }
      }
    }

    /**
     * Calls on a thread of its own; a cancel interrupts that thread, or, before the call has
     * begun, settles it without a call.
     */
    private void callSync(Stopped service, Body body) {
      AtomicBoolean claimed = new AtomicBoolean();
      FutureTask<Void> call = new FutureTask<>(() -> {
        if (claimed.compareAndSet(false, true)) {
          try {
            GrantsAfterTheClose.calling(body, () -> body.method.invoke(service, body));
            body.ended(null);
          } catch (Throwable failure) {
            body.ended(failure);
          }
        }
      }, null) {
        @Override
        protected void done() {
          if (isCancelled() && claimed.compareAndSet(false, true)) {
            body.settled.complete(null);
          }
        }
      };
      syncCallers.execute(call);
      cancelLater(body, () -> call.cancel(true));
    }

    private void callAsync(Stopped service, Body body) {
      Object result;
      try {
        result = GrantsAfterTheClose.calling(body, () -> {
          Object returned = body.method.invoke(service, body);
          if (returned instanceof Publisher<?> publisher) {
            Watcher watcher = new Watcher(body);
            publisher.subscribe(watcher);
            return watcher;
          }
          return returned;
        });
      } catch (Throwable failure) {
        body.ended(failure);
        return;
      }
      Runnable cancel;
      if (result instanceof CompletableFuture<?> future) {
        future.whenComplete((value, failure) -> body.ended(failure));
        cancel = () -> future.cancel(true);
      } else {
        cancel = ((Watcher) result)::cancel;
      }
      cancelLater(body, cancel);
    }

    /** Cancels {@code body}'s call with {@code cancel} after its delay, if it is to be. */
    private void cancelLater(Body body, Runnable cancel) {
      if (body.move == Move.CANCEL) {
        scheduler.schedule(task(() -> {
          body.cancelled.set(true);
          GrantsAfterTheClose.cancelling(body, cancel);
        }), body.delayMicros, TimeUnit.MICROSECONDS);
      }
    }

    /** Waits for every call to settle, naming those that did not. */
    private void awaitSettled() throws Exception {
      try {
        CompletableFuture.allOf(calls.stream().map(body -> body.settled)
            .toArray(CompletableFuture[]::new)).get(SETTLE_SECONDS, TimeUnit.SECONDS);
      } catch (TimeoutException e) {
        List<Body> open = calls.stream().filter(body -> !body.settled.isDone()).toList();
        throw new AssertionError(open.size() + " of " + calls.size() + " calls never settled"
            + " after the close, such as " + open.subList(0, Math.min(8, open.size())), e);
      }
    }

    /** Fails naming the threads started since {@code before} still alive a while later. */
    private static void assertNoThreadLeftBut(Set<Thread> before) {
      Set<Thread> known = new HashSet<>(before);
      Waits.eventually().atMost(Duration.ofSeconds(SETTLE_SECONDS)).pollInSameThread()
          .untilAsserted(() ->
          assertThat(Thread.getAllStackTraces().keySet().stream()
              .filter(thread -> !known.contains(thread) && thread.isAlive())
              .filter(thread -> SHARED_THREADS.stream()
                  .noneMatch(shared -> thread.getName().startsWith(shared)))
              .map(thread -> thread.getName() + " (" + thread.getState() + ") at "
                  + Arrays.stream(thread.getStackTrace()).limit(6).map(String::valueOf)
                  .collect(Collectors.joining(" < ")))
              .toList())
              .as("threads the round started still alive after the close").isEmpty());
    }

    /** The stacks of the live threads whose names start with {@code prefix}. */
    private static String stacks(String prefix) {
      return Thread.getAllStackTraces().entrySet().stream()
          .filter(entry -> entry.getKey().getName().startsWith(prefix))
          .map(entry -> entry.getKey().getName() + " at " + Arrays.stream(entry.getValue())
              .limit(12).map(String::valueOf).collect(Collectors.joining(" < ")))
          .collect(Collectors.joining("; "));
    }
  }
}
