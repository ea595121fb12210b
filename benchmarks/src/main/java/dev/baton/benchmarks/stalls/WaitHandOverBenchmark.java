package dev.baton.benchmarks.stalls;

import dev.baton.Permit;
import dev.baton.spring.observation.Call;
import dev.baton.spring.observation.CurrentCall;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What one contended wait costs, with the stall view off and on: two calls hand a registry lock
 * (or a one-permit semaphore) back and forth, each asking while the other holds, so that every
 * acquire goes pending and every release hands the primitive over. One operation is one wait:
 * the acquire that is left pending (made with its call current), and the release that grants it,
 * which completes the waiter's future on the releasing thread, as it does in async code where
 * the waiter's continuation runs on the releaser's thread.
 *
 * <p>Both calls run on the benchmark's one thread, so nothing parks and no cache line moves
 * between cores: the score is the CPU work of a wait and its hand-over alone, and the difference
 * between levels is what the stall view adds to it. {@code -prof gc}'s
 * {@code gc.alloc.rate.norm} gives the bytes per wait. The set-up fails if an acquire is granted
 * at once or a release does not hand over, so every operation is a pending wait. Being
 * deterministic, two forks suffice.
 *
 * <p>{@code level} (see {@link ViewedRegistry}): {@code off} and {@code basic} are the bare
 * registry without and with the view; {@code observed} and {@code observedBasic} the same with
 * the meter registry's timers and hold tracking. Target from the project's issue: at most
 * 200 ns and 64 B more per contended wait with the view ({@code basic}) than without.
 *
 * <p>The view's thresholds (an hour) keep every wait short of a stall; its watchdog does not
 * run here (see {@link WatchdogTickBenchmark}). Each call is made current around its acquire, at
 * every level, so the levels differ by the registry alone.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@OperationsPerInvocation(2)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"})
@Threads(1)
@State(Scope.Thread)
public class WaitHandOverBenchmark {

  @Param({"off", "observed", "basic", "observedBasic"})
  public String level;

  /** {@code lock}: {@code registry.lock(name)}; {@code semaphore}: one permit. */
  @Param({"lock", "semaphore"})
  public String primitive;

  private ViewedRegistry viewed;
  private Supplier<CompletableFuture<Permit>> acquire;
  private Call first;
  private Call second;
  /** Held by {@link #first} between invocations. */
  private Permit held;

  @Setup(Level.Trial)
  public void takeFirstHold() {
    viewed = ViewedRegistry.at(level, Duration.ofHours(1), Duration.ofHours(1));
    acquire = switch (primitive) {
      case "lock" -> viewed.registry().lock("ledger")::acquire;
      case "semaphore" -> viewed.registry().semaphore("payments", 1)::acquire;
      default -> throw new IllegalArgumentException("unknown primitive: " + primitive);
    };
    first = ViewedRegistry.call("WaitHandOver.first");
    second = ViewedRegistry.call("WaitHandOver.second");
    try (CurrentCall.Scope in = CurrentCall.in(first)) {
      held = acquire.get().join();
    }
  }

  /** Two waits: {@code second} waits for {@code first}'s hold, then {@code first} for its. */
  @Benchmark
  public Permit handOverTwice() {
    held = handOver(held, second);
    held = handOver(held, first);
    return held;
  }

  /** {@code waiter} asks while {@code holding} is held, then {@code holding} is released. */
  private Permit handOver(Permit holding, Call waiter) {
    CompletableFuture<Permit> wait;
    try (CurrentCall.Scope in = CurrentCall.in(waiter)) {
      wait = acquire.get();
    }
    if (wait.isDone()) {
      throw new IllegalStateException(primitive + " granted at once, while held: no pending wait");
    }
    holding.release();
    Permit granted = wait.getNow(null);
    if (granted == null) {
      throw new IllegalStateException(primitive + ": the release did not hand over to the waiter");
    }
    return granted;
  }

  @TearDown(Level.Trial)
  public void releaseLastHold() {
    held.release();
    viewed.close();
  }
}
