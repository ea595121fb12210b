package dev.baton.spring.aspect;

import dev.baton.AsyncEvent;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntFunction;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;

/**
 * Waiting for a state without sleeping, observing a state when an event is set, and calling from
 * many threads at once.
 */
final class Waits {

  private Waits() {}

  /** Awaitility, polling every millisecond for up to 5 s. */
  static ConditionFactory eventually() {
    return Awaitility.await().atMost(Duration.ofSeconds(5))
        .pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1));
  }

  /**
   * Makes {@code calls} calls, each on its own platform thread, all released at once; the i-th
   * call's future completes with what the i-th call returned (for a call that returns a future,
   * flatten it with {@code thenCompose}).
   */
  static <T> List<CompletableFuture<T>> onThreads(int calls, IntFunction<T> call) {
    ExecutorService threads = Executors.newFixedThreadPool(calls);
    CountDownLatch go = new CountDownLatch(1);
    List<CompletableFuture<T>> results = IntStream.range(0, calls)
        .mapToObj(i -> CompletableFuture.supplyAsync(() -> {
          awaitUninterruptibly(go);
          return call.apply(i);
        }, threads))
        .toList();
    go.countDown();
    threads.shutdown();
    return results;
  }

  /** The future's value, waiting for it up to 5 s (interruptibly, unlike {@code join}). */
  static <T> T joined(CompletableFuture<T> future) {
    try {
      return future.get(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Clears {@code event} and returns a list that receives {@code state}'s value at the moment the
   * event is next set (by whoever sets it, on that thread).
   */
  static <T> List<T> stateWhenSet(AsyncEvent event, Supplier<T> state) {
    event.clear();
    List<T> seen = new CopyOnWriteArrayList<>();
    event.await().thenRun(() -> seen.add(state.get()));
    return seen;
  }

  static CompletableFuture<Void> all(List<? extends CompletableFuture<?>> futures) {
    return CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new));
  }

  private static void awaitUninterruptibly(CountDownLatch latch) {
    try {
      if (!latch.await(5, TimeUnit.SECONDS)) {
        throw new IllegalStateException("not released");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
