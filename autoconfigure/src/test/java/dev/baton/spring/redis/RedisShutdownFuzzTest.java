package dev.baton.spring.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.baton.AsyncSemaphore;
import dev.baton.spring.ClosingFailures;
import dev.baton.spring.FuzzThreads;
import dev.baton.spring.PrimitiveRegistry;
import dev.baton.spring.redis.RedisTestApplication.Journal;
import dev.baton.spring.redis.RedisTestApplication.Payments;
import dev.baton.spring.redis.RedisTestApplication.Stock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Randomized close of one of two instances sharing Baton's primitives through one real
 * {@code redis-server} ({@code baton.redis.lease=1s}), while annotated calls on both wait for and
 * hold the two {@code payments} permits ({@code @Limited}) and the per-SKU {@code stock} locks
 * ({@code @Guarded} with a key). Each call's body ends a little later, or only once the instance
 * has closed; some calls are cancelled by their caller. After a random number of calls the first
 * instance's context is closed while calls go on, on both instances.
 *
 * <p>Checked, each round: the close returns within {@value #CLOSE_BOUND_SECONDS} s; every call of
 * the closed instance settles at once, succeeding, cancelled by its caller, or failing with a
 * message saying that the backend or the application closed; every call of the other instance
 * settles within a lease and a few seconds (the permits the closed instance held come back to it,
 * at the latest when their lease ends), succeeding or cancelled by its caller; the other
 * instance's {@code payments} end with both permits free; Redis ends with no key once the
 * records of released permits have expired; and once both instances are closed, no thread they
 * started is left alive. Bodies of the closed instance may still run when its permits are given
 * back, so the number of bodies inside is not checked here: the README's Closing says so.
 *
 * <p>The seed is in every failure message ({@code -Dbaton.fuzz.seed} replays each round's plan;
 * thread timing varies); {@code -Dbaton.stress} multiplies the rounds.
 */
@Timeout(300)
class RedisShutdownFuzzTest {

  private static final Duration LEASE = Duration.ofSeconds(1);
  private static final int CLOSE_BOUND_SECONDS = 10;
  private static final Duration SETTLE = LEASE.plusSeconds(5);
  private static final int ROUNDS = 2 * Math.max(1, Integer.getInteger("baton.stress", 1));
  private static final Long REPLAY_SEED = Long.getLong("baton.fuzz.seed");
  /** Threads shared by everything in the JVM, which end when idle or live for good. */
  private static final List<String> SHARED_THREADS = List.of("baton-timeouts",
      "baton-grants-relay-", "parallel-", "boundedElastic-", "ForkJoinPool.commonPool-",
      "background-preinit", "Attach Listener", "Common-Cleaner", "process reaper");

  @Test
  void closingOneInstanceMidTrafficHandsItsPermitsToTheOtherAndLeavesNothingBehind() {
    long seed = REPLAY_SEED != null ? REPLAY_SEED : ThreadLocalRandom.current().nextLong();
    Random rounds = new Random(seed);
    for (int round = 1; round <= ROUNDS; round++) {
      long roundSeed = rounds.nextLong();
      try {
        new Round(new Random(roundSeed)).run();
      } catch (Throwable t) {
        throw new AssertionError("seed " + seed + ", round " + round + " (replay: -Dtest="
            + getClass().getSimpleName() + " -Dbaton.fuzz.seed=" + seed + "): " + t, t);
      }
    }
  }

  /** One call, on instance 0 (closed mid-round) or 1, and how it ended. */
  private record Call(int id, int instance, String what, boolean cancelled,
      CompletableFuture<String> result, boolean afterClose) {

    @Override
    public String toString() {
      return id + " (" + what + " on " + (instance + 1) + (cancelled ? ", cancelled" : "")
          + (afterClose ? ", made after the close began" : "") + ")";
    }
  }

  /** Two instances, their traffic and the close of the first. */
  private static final class Round {
    private final Random random;
    private final List<Call> calls = new ArrayList<>();
    private final List<String> problems = new CopyOnWriteArrayList<>();
    /** Completes once the first instance has closed: the bodies that hold until then end. */
    private final CompletableFuture<String> held = new CompletableFuture<>();
    private final ScheduledExecutorService scheduler =
        Executors.newScheduledThreadPool(2, FuzzThreads.daemon("stop-redis-finisher"));

    Round(Random random) {
      this.random = random;
    }

    void run() throws Exception {
      Journal.reset();
      Set<Thread> before = Thread.getAllStackTraces().keySet();
      int closeAt = 10 + random.nextInt(40);
      int total = closeAt + 10 + random.nextInt(30);
      try (TwoRedisInstances instances = new TwoRedisInstances(
          "spring.main.web-application-type=none", "baton.redis.lease=" + LEASE.toMillis() + "ms",
          "baton.semaphores.payments.permits=2", "baton.default-timeout=30s")) {
        List<ConfigurableApplicationContext> contexts = List.of(instances.one, instances.two);
        List<Payments> payments = contexts.stream().map(c -> c.getBean(Payments.class)).toList();
        List<Stock> stock = contexts.stream().map(c -> c.getBean(Stock.class)).toList();
        CompletableFuture<Void> closed = null;
        for (int id = 1; id <= total; id++) {
          if (id == closeAt) {
            closed = CompletableFuture.runAsync(instances.one::close);
          }
          calls.add(call(id, payments, stock, closed != null));
        }
        try {
          closed.get(CLOSE_BOUND_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
          throw new AssertionError("closing the first instance took over "
              + CLOSE_BOUND_SECONDS + " s", e);
        }
        scheduler.schedule(() -> held.complete("closed"), random.nextInt(20),
            TimeUnit.MILLISECONDS);
        awaitSettled();
        assertThat(problems).as("violations").isEmpty();
        AsyncSemaphore permits =
            instances.two.getBean(PrimitiveRegistry.class).semaphore("payments");
        await().atMost(SETTLE).untilAsserted(() -> assertThat(List.of(
            permits.availablePermits(), permits.waiters()))
            .as("payments permits available and waiting on the second instance")
            .isEqualTo(List.of(2, 0)));
        await().atMost(LEASE.multipliedBy(3)).pollInterval(Duration.ofMillis(50))
            .untilAsserted(() -> assertThat(instances.server.keys()).as("keys in Redis")
                .isEmpty());
      } finally {
        held.complete("ended");
        scheduler.shutdownNow();
      }
      assertNoThreadLeftBut(before);
    }

    /** Makes call {@code id} on a random instance, cancelling it soon now and then. */
    private Call call(int id, List<Payments> payments, List<Stock> stock, boolean afterClose) {
      int instance = random.nextInt(2);
      boolean cancel = random.nextInt(5) == 0;
      CompletableFuture<String> done;
      if (random.nextInt(3) == 0) {
        done = held.thenApply(value -> "held");
      } else {
        CompletableFuture<String> later = new CompletableFuture<>();
        scheduler.schedule(() -> later.complete("done"), random.nextInt(30_000),
            TimeUnit.MICROSECONDS);
        done = later;
      }
      String sku = "sku-" + random.nextInt(2);
      boolean pay = random.nextBoolean();
      CompletableFuture<String> result;
      try {
        result = pay ? payments.get(instance).pay("call-" + id, done)
            : stock.get(instance).reserve(sku, "call-" + id, done);
      } catch (RuntimeException failure) {
        result = CompletableFuture.failedFuture(failure);
      }
      Call call = new Call(id, instance, pay ? "pay" : "reserve " + sku, cancel, result,
          afterClose);
      if (cancel) {
        scheduler.schedule(() -> call.result().cancel(true), random.nextInt(5_000),
            TimeUnit.MICROSECONDS);
      }
      result.whenComplete((value, failure) -> check(call, failure));
      return call;
    }

    /** A failure must be a cancel by the caller, or, on the closed instance, say why. */
    private void check(Call call, Throwable failure) {
      Throwable cause = failure;
      while ((cause instanceof CompletionException || cause instanceof ExecutionException)
          && cause.getCause() != null) {
        cause = cause.getCause();
      }
      boolean expected = cause == null
          || (cause instanceof CancellationException && call.cancelled())
          || (call.instance() == 0 && ClosingFailures.saysClosed(cause));
      if (!expected) {
        problems.add("call " + call + " ended with " + cause);
      }
    }

    private void awaitSettled() throws Exception {
      try {
        CompletableFuture.allOf(calls.stream().map(call -> call.result().handle((v, f) -> v))
            .toArray(CompletableFuture[]::new)).get(SETTLE.toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        List<Call> open = calls.stream().filter(call -> !call.result().isDone()).toList();
        throw new AssertionError(open.size() + " of " + calls.size() + " calls never settled"
            + " after the close, such as " + open.subList(0, Math.min(8, open.size())), e);
      }
    }

    /** Fails naming the threads started since {@code before} still alive a while later. */
    private static void assertNoThreadLeftBut(Set<Thread> before) {
      Set<Thread> known = new HashSet<>(before);
      await().atMost(Duration.ofSeconds(10)).pollInSameThread().untilAsserted(() ->
          assertThat(Thread.getAllStackTraces().keySet().stream()
              .filter(thread -> !known.contains(thread) && thread.isAlive())
              .filter(thread -> SHARED_THREADS.stream()
                  .noneMatch(shared -> thread.getName().startsWith(shared)))
              .map(thread -> thread.getName() + " (" + thread.getState() + ") at "
                  + Arrays.stream(thread.getStackTrace()).limit(6).map(String::valueOf)
                  .collect(Collectors.joining(" < ")))
              .toList())
              .as("threads the round started still alive after both instances closed")
              .isEmpty());
    }
  }
}
