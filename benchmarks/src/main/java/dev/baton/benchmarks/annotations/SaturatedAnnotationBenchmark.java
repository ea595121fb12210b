package dev.baton.benchmarks.annotations;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadPoolExecutor;
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
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A saturated limiter: 64 concurrent calls on 4 permits, each call's work taking
 * {@code delayMicros}. Score: calls completed per second (one operation = 64 calls issued at once
 * and all of their futures completed). The delays span the two regimes a limiter meets:
 * <ul>
 * <li>{@code 0}: the work completes as soon as the clock's thread gets to it, so nearly all of a
 * call's time is the limiter's own hand-off (waking a parked thread, or completing a future);
 * <li>{@code 10}, {@code 100}: fast downstream calls, where the hand-off is a share of each call;
 * <li>{@code 1000}: a 1 ms call, where every limiter that holds its permit for the work comes close
 * to the ceiling of 4 calls per millisecond.
 * </ul>
 * Next to the score, as {@link ThreadFigures} reported by {@link ThreadFiguresProfiler} (pass
 * {@code -prof} with its class name; {@code benchmarks/run.sh} does): the threads that issued the
 * calls, how many of them sat blocked inside the limiter waiting for a permit (peak and mean,
 * sampled as {@link SaturationProbe} describes), how many sat blocked anywhere inside a call, and
 * the most bodies in flight at once. Read the peaks: while all 64 calls of an operation are
 * pending, a limiter that parks its callers holds 60 of them (64 less the 4 with a permit); the
 * means are about half of that, since each operation's queue drains in waves, and they include the
 * moments between operations.
 *
 * <p>The body returns at once a future that a {@link WorkClock} completes {@code delayMicros}
 * later: it occupies no thread while its work is pending. The clock's thread spins so that the work
 * ends on time (a timed park is late by Linux's 50 µs timer slack, which made the earlier rounds'
 * 10 µs work last 77 µs); on two cores it therefore takes one core while calls are pending, from
 * every limiter alike. The secondary result {@code workMicros} is the mean real length of a call's
 * work, from the body's start to the clock completing its future, which includes the clock running
 * the previous completion's dependents. When a measurement iteration's mean is over
 * {@code delayMicros} by more than 10 % plus {@link #WORK_TOLERANCE_MICROS} µs, the row measured
 * longer work than its name says, and the benchmark prints a warning; with
 * {@code -Dbench.failLateWork=true} (in the forked JVM: {@code -jvmArgsAppend}) it fails the trial
 * instead. The work runs late when the clock's thread is descheduled: by other work on the machine,
 * and on two cores by the limiter's own threads (Resilience4j's 64 callers, woken one per hand-off,
 * can take the clock's core), so that failing by default would make the full run stop on the rows
 * it is meant to compare. With 4 permits held for the work, the best possible rate is 4 calls per
 * real length of the work, which {@code ideal} measures; {@code plain} (no limiter) shows the rate
 * with 64 in flight.
 *
 * <p>{@code clock}: {@code spin} (default), as above; {@code scheduler} ({@code -p
 * clock=scheduler}) is the earlier rounds' one-thread {@code ScheduledExecutorService}, to compare
 * with them: its {@code workMicros} shows how late it is, and it is not checked.
 *
 * <p>{@code limiter}:
 * <ul>
 * <li>{@code plain}: no annotation, calls issued from the benchmark thread.
 * <li>{@code ideal}: the plain bean called through {@link IdealLimiter}, a limiter whose hand-off
 * costs nothing: the ceiling the work sets, measured in the same run.
 * <li>{@code baton}: {@code @Limited}; calls issued from the benchmark thread, since the proxy
 * returns a future at once and waits without a thread. The permit is held until the future
 * completes.
 * <li>{@code batonStalls}: the same with {@code baton.stalls.level=basic}, so each call is a call
 * of the stall view and each of the 60 waits per operation goes pending under its watch. The
 * project's issue asks for it within 5 % of {@code baton}'s rate.
 * <li>{@code spring}: {@code @ConcurrencyLimit}, same method. Its permit covers only the
 * synchronous call, so here it does not bound the work at all ({@code inFlightPeak} shows it).
 * <li>{@code springHoldingThread}: {@code @ConcurrencyLimit} on a method that waits for its own
 * future before returning, the way to make that limit cover the work: the permit and the calling
 * thread are held for the work.
 * <li>{@code resilience4j}: semaphore {@code @Bulkhead}; the calling thread waits for a permit in
 * {@code Semaphore.tryAcquire}, and the permit is held until the future completes.
 * </ul>
 *
 * <p>Fairness: every limiter gets the same 64 calls per operation, the same body, the same
 * clock and the same 4 permits, and every call has a thread available whenever its limiter
 * needs one. A limiter that blocks its caller needs one thread per pending call for the 64 calls
 * to be pending at once, so the {@code spring}, {@code springHoldingThread} and
 * {@code resilience4j} calls are issued from a fixed pool of 64 platform threads, started before
 * measuring; a limiter that returns at once is called 64 times from the benchmark thread, as an
 * application would. How many threads an approach ties up is part of what is measured, so it is
 * reported next to the rate rather than equalised away. In every case the benchmark thread then
 * waits for all 64 futures.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@OperationsPerInvocation(SaturatedAnnotationBenchmark.CALLS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 2, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"})
@Threads(1)
@State(Scope.Thread)
public class SaturatedAnnotationBenchmark {

  static final int CALLS = 64;
  static final int PERMITS = 4;
  /** How far over {@code delayMicros} (besides 10 %) an iteration's mean work may run. */
  static final double WORK_TOLERANCE_MICROS = 5;
  /** True: late work fails the trial; false (default): it is reported and warned about. */
  static final boolean FAIL_LATE_WORK = Boolean.getBoolean("bench.failLateWork");

  @Param({"plain", "ideal", "baton", "batonStalls", "spring", "springHoldingThread",
      "resilience4j"})
  public String limiter;

  /** How long each call's work takes, in microseconds. */
  @Param({"0", "10", "100", "1000"})
  public long delayMicros;

  /** What completes the work: {@code spin} or {@code scheduler}, as described above. */
  @Param({"spin"})
  public String clock;

  private final SaturationProbe probe = new SaturationProbe();
  private WorkClock work;
  private ConfigurableApplicationContext context;
  private Supplier<CompletableFuture<Integer>> call;
  /** The caller pool for limiters that block their caller; null: call from this thread. */
  private ThreadPoolExecutor callers;
  private int callerThreads;

  @Setup(Level.Trial)
  public void startContext() {
    work = switch (clock) {
      case "spin" -> WorkClock.spinning(delayMicros);
      case "scheduler" -> WorkClock.scheduled(delayMicros);
      default -> throw new IllegalArgumentException("clock: spin or scheduler, not " + clock);
    };
    Body body = () -> {
      probe.bodyStarted();
      return work.submit(probe::bodyCompleted);
    };
    String bean = switch (limiter) {
      case "ideal" -> "plain";
      case "springHoldingThread" -> "spring";
      default -> limiter;
    };
    context = LimiterApplication.start(bean, body, PERMITS);
    CallTarget target = LimiterApplication.target(context);
    SerializationCheck.verify(bean, target);
    call = limiter.equals("springHoldingThread")
        ? ((SpringConcurrencyLimitTarget) target)::callHoldingThread
        : target::call;
    if (List.of("plain", "ideal", "baton", "batonStalls").contains(limiter)) {
      callerThreads = 1;
    } else {
      callers = (ThreadPoolExecutor) Executors.newFixedThreadPool(CALLS, runnable -> {
        Thread thread = new Thread(runnable, "caller");
        thread.setDaemon(true);
        return thread;
      });
      callers.prestartAllCoreThreads();
      callerThreads = CALLS;
    }
  }

  @Setup(Level.Iteration)
  public void startProbe() {
    probe.start();
    work.resetFigures();
  }

  @Benchmark
  public void calls() {
    if (limiter.equals("ideal")) {
      IdealLimiter.run(() -> probe.call(call), CALLS, PERMITS).join();
      return;
    }
    CompletableFuture<?>[] results = new CompletableFuture<?>[CALLS];
    for (int i = 0; i < CALLS; i++) {
      results[i] = callers == null
          ? probe.call(call)
          : CompletableFuture.supplyAsync(() -> probe.call(call), callers).thenCompose(f -> f);
    }
    CompletableFuture.allOf(results).join();
  }

  /**
   * Publishes the iteration's thread and work figures; fails the trial if a limiter that holds its
   * permit for the work let more than 4 run, or if the spinning clock's work ran too long in a
   * measurement iteration.
   */
  @TearDown(Level.Iteration)
  public void stopProbe(IterationParams iteration) throws InterruptedException {
    probe.stop();
    double workMicros = work.meanWorkNanos() / 1_000;
    ThreadFigures.publish(new ThreadFigures(callerThreads, probe.waitingPeak(),
        probe.waitingMean(), probe.blockedMean(), probe.inFlightPeak(), workMicros));
    boolean bounds = !limiter.equals("plain") && !limiter.equals("spring");
    if (bounds && probe.inFlightPeak() > PERMITS) {
      throw new IllegalStateException(limiter + ": " + probe.inFlightPeak() + " calls in flight on "
          + PERMITS + " permits");
    }
    boolean measured = iteration.getType() == IterationType.MEASUREMENT;
    double allowed = delayMicros * 1.1 + WORK_TOLERANCE_MICROS;
    if (measured && clock.equals("spin") && workMicros > allowed) {
      String late = String.format("%s: the work took %.1f µs on average, not %d (at most %.1f"
          + " allowed): the clock's thread did not get a core of its own", limiter, workMicros,
          delayMicros, allowed);
      if (FAIL_LATE_WORK) {
        throw new IllegalStateException(late);
      }
      System.out.println("WARNING " + late);
    }
  }

  @TearDown(Level.Trial)
  public void closeContext() throws InterruptedException {
    context.close();
    if (callers != null) {
      callers.shutdownNow();
    }
    work.close();
  }
}
