package dev.baton.benchmarks.annotations;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * What a limiting annotation costs per call when it never has to wait: one thread calls a Spring
 * bean's method through its proxy; the method returns an already completed
 * {@code CompletableFuture}; the limiter has 1,024 permits, so every call gets one at once. The
 * score is the whole call, proxy and advice included, plus the {@code join()} of the completed
 * result.
 *
 * <p>{@code limiter}: {@code plain} (no annotation, no proxy: the baseline), {@code baton}
 * ({@code @Limited}), {@code batonObserved} ({@code @Limited} with a meter registry, so waits and
 * holds are timed, and holder tracking on, as when the {@code baton} endpoint is exposed),
 * {@code batonStalls} and {@code batonObservedStalls} (the same two with
 * {@code baton.stalls.level=basic}: each call runs as a call of the stall view, and its hold is
 * told to the view), {@code spring} (Spring Framework 7's {@code @ConcurrencyLimit}),
 * {@code resilience4j} (Resilience4j's semaphore {@code @Bulkhead}). Each trial starts its own
 * Spring Boot context (see {@link LimiterApplication}) and first checks that the annotation is
 * applied and, for the stall-view limiters, that calls are tracked ({@link SerializationCheck}).
 * The context holds only that limiter's machinery.
 *
 * <p>The stall view's target from the project's issue: {@code batonObservedStalls} at most
 * 100 ns over {@code batonObserved}, its own baseline, since the view tracks holds as the
 * observed configuration does. {@code batonStalls} over {@code baton} shows what an application
 * without the actuator pays for turning it on.
 *
 * <p>Ten warm-up seconds, not five as for the primitives: the advice paths are deep, and
 * Resilience4j's was still getting faster after five seconds on a busy 2-core machine.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 10, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 3, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"})
@Threads(1)
@State(Scope.Thread)
public class UncontendedAnnotationBenchmark {

  @Param({"plain", "baton", "batonObserved", "batonStalls", "batonObservedStalls", "spring",
      "resilience4j"})
  public String limiter;

  private ConfigurableApplicationContext context;
  private CallTarget target;

  @Setup(Level.Trial)
  public void startContext() {
    context = LimiterApplication.start(limiter, Body.completed(), 1024);
    target = LimiterApplication.target(context);
    SerializationCheck.verify(limiter, target);
  }

  @Benchmark
  public Integer call() {
    return target.call().join();
  }

  @TearDown(Level.Trial)
  public void closeContext() {
    context.close();
  }
}
