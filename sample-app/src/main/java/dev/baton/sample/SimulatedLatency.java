package dev.baton.sample;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Slow work without a busy thread: the sample's stand-in for a remote call or a disk read.
 *
 * <p>The returned futures complete after the given delay on the common pool, scheduled by
 * {@link CompletableFuture#delayedExecutor}; no thread sleeps or blocks while the delay runs.
 */
public final class SimulatedLatency {

  private SimulatedLatency() {}

  /** A future that completes after {@code delay}. */
  public static CompletableFuture<Void> of(Duration delay) {
    return after(delay, () -> null);
  }

  /** A future that completes with {@code result.get()}, evaluated after {@code delay}. */
  public static <T> CompletableFuture<T> after(Duration delay, Supplier<T> result) {
    return CompletableFuture.supplyAsync(
        result, CompletableFuture.delayedExecutor(delay.toMillis(), TimeUnit.MILLISECONDS));
  }
}
