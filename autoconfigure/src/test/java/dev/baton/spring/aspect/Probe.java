package dev.baton.spring.aspect;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the test services' method bodies report to a test: how many ran, how many are in flight
 * and the most ever in flight at once. A body is in flight from its start until the result it
 * returns completes: the test finishes it ({@link #finishedByTest()}), or a scheduler does after a
 * few milliseconds ({@link #finishingAfter(Duration)}).
 */
final class Probe {

  private static final ScheduledExecutorService FINISHER =
      Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "probe-finisher");
        t.setDaemon(true);
        return t;
      });

  private record Unfinished(CompletableFuture<String> result, String value) {}

  /** How long a body stays in flight; null: until the test finishes it. */
  private final Duration finishAfter;
  private final AtomicInteger started = new AtomicInteger();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger maxInFlight = new AtomicInteger();
  /** Bodies started and not yet finished, oldest first (test-finished probes only). */
  private final BlockingQueue<Unfinished> unfinished = new LinkedBlockingQueue<>();
  private final Set<Thread> threads = ConcurrentHashMap.newKeySet();

  private Probe(Duration finishAfter) {
    this.finishAfter = finishAfter;
  }

  /** Bodies stay in flight until the test calls {@link #finishNext()}. */
  static Probe finishedByTest() {
    return new Probe(null);
  }

  /** Bodies stay in flight for {@code delay}, then a scheduler thread finishes them. */
  static Probe finishingAfter(Duration delay) {
    return new Probe(delay);
  }

  /**
   * An asynchronous body: counts itself in flight and returns a result that completes with
   * {@code value} once finished. The returned future completes only after the body has left the
   * in-flight count, so whoever waits on it (the aspect releasing a permit) sees it gone.
   */
  CompletableFuture<String> body(String value) {
    started.incrementAndGet();
    threads.add(Thread.currentThread());
    maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
    CompletableFuture<String> result = new CompletableFuture<>();
    CompletableFuture<String> left = result.whenComplete((v, e) -> inFlight.decrementAndGet());
    if (finishAfter == null) {
      unfinished.add(new Unfinished(result, value));
    } else {
      FINISHER.schedule(() -> result.complete(value), finishAfter.toNanos(), TimeUnit.NANOSECONDS);
    }
    return left;
  }

  /** A synchronous body: like {@link #body}, but the calling thread stays in it until finished. */
  String blockingBody(String value) {
    return body(value).join();
  }

  /** A body that is over as soon as it has started. */
  String instantBody(String value) {
    started.incrementAndGet();
    threads.add(Thread.currentThread());
    maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
    inFlight.decrementAndGet();
    return value;
  }

  /** Finishes the oldest unfinished body normally, waiting up to 5 s for one to start. */
  void finishNext() {
    Unfinished oldest = oldest();
    oldest.result().complete(oldest.value());
  }

  /** Fails the oldest unfinished body with {@code failure}, waiting up to 5 s for one to start. */
  void failNext(Throwable failure) {
    oldest().result().completeExceptionally(failure);
  }

  private Unfinished oldest() {
    try {
      Unfinished oldest = unfinished.poll(5, TimeUnit.SECONDS);
      assertThat(oldest).as("a body waiting to be finished").isNotNull();
      return oldest;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  int started() {
    return started.get();
  }

  int inFlight() {
    return inFlight.get();
  }

  int maxInFlight() {
    return maxInFlight.get();
  }

  /** Bodies started and not yet finished by the test. */
  int unfinished() {
    return unfinished.size();
  }

  /** The threads bodies ran on. */
  Set<Thread> threads() {
    return Set.copyOf(threads);
  }
}
