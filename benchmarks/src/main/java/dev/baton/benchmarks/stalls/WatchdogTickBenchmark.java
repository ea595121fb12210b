package dev.baton.benchmarks.stalls;

import dev.baton.Permit;
import dev.baton.spring.observation.CurrentCall;
import dev.baton.spring.stall.StallReport;
import dev.baton.spring.stall.StallView;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
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

/**
 * One tick of the stall view's watchdog, the work its daemon thread does twice per
 * {@code confirm-after} whatever else happens: the quick look for a wait pending longer than
 * {@code confirm-after}, then either a full {@link StallView#check()}, whose report scans every
 * live hold and pending wait for stalls (there is one), or that scan, {@link StallView#stalls()},
 * and forgetting what earlier checks saw (there is none). The registry has {@link #primitives}
 * locks, each held by a call of its own, and {@link #waits} of them have one more call waiting.
 *
 * <p>The tick itself is measured: {@code StallWatchdog.tick()}, package-private, is called through
 * a method handle on a watchdog made for the view and never started (no thread, no timer). Called
 * so, it is the very code the watchdog runs, quick look and all, rather than a copy built of
 * public methods (there is none for the quick look); if the method is renamed, the set-up fails.
 *
 * <p>{@code state}:
 * <ul>
 * <li>{@code quiet}: nothing past its threshold and no wait older than {@code confirm-after} (an
 * hour): the tick of a healthy application, and the one the target is about;
 * <li>{@code stalled}: every hold and wait past its threshold (1 ns), so each tick lists
 * {@code primitives + waits} stalls; each is logged once (rate-limited to ten lines a minute)
 * when first seen, which is in the set-up's own look, so the ticks measured log nothing;
 * <li>{@code oldWait}: {@code confirm-after} of 1 ns, so every wait is old enough and every tick
 * runs a full check over the holds and waits (none deadlocked: every holder progresses), as the
 * watchdog does while some wait lasts longer than {@code confirm-after}.
 * </ul>
 *
 * <p>Target from the project's issue: a tick under 50 µs with 1,000 primitives.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"})
@Threads(1)
@State(Scope.Thread)
public class WatchdogTickBenchmark {

  /** Locks in the registry, each held by a call of its own. */
  @Param("1000")
  public int primitives;

  /** Of those locks, how many have one more call waiting. */
  @Param("100")
  public int waits;

  @Param({"quiet", "stalled", "oldWait"})
  public String state;

  private ViewedRegistry viewed;
  private final List<Permit> holds = new ArrayList<>();
  private final List<CompletableFuture<Permit>> pending = new ArrayList<>();
  private Object watchdog;
  private MethodHandle tick;

  @Setup(Level.Trial)
  public void holdAndWait() throws ReflectiveOperationException {
    Duration confirmAfter = state.equals("oldWait") ? Duration.ofNanos(1) : Duration.ofHours(1);
    Duration tooLong = state.equals("stalled") ? Duration.ofNanos(1) : Duration.ofHours(1);
    viewed = ViewedRegistry.at("basic", confirmAfter, tooLong);
    for (int i = 0; i < primitives; i++) {
      try (CurrentCall.Scope in = CurrentCall.in(ViewedRegistry.call("Holder.run"))) {
        holds.add(viewed.registry().lock("lock-" + i).acquire().join());
      }
    }
    for (int i = 0; i < waits; i++) {
      try (CurrentCall.Scope in = CurrentCall.in(ViewedRegistry.call("Waiter.run"))) {
        pending.add(viewed.registry().lock("lock-" + i).acquire());
      }
    }
    Class<?> type = Class.forName("dev.baton.spring.stall.StallWatchdog");
    Constructor<?> create = type.getDeclaredConstructor(StallView.class, Duration.class);
    create.setAccessible(true);
    watchdog = create.newInstance(viewed.view(), confirmAfter);
    Method method = type.getDeclaredMethod("tick");
    method.setAccessible(true);
    tick = MethodHandles.lookup().unreflect(method)
        .asType(MethodType.methodType(void.class, Object.class));
    check();
  }

  /** Fails the trial unless the view sees the shape meant. */
  private void check() {
    StallView view = viewed.view();
    int stalls = view.stalls().size();
    int expected = state.equals("stalled") ? primitives + waits : 0;
    if (view.pendingWaits().size() != waits || stalls != expected) {
      throw new IllegalStateException(view.pendingWaits().size() + " pending waits and " + stalls
          + " stalls, expected " + waits + " and " + expected);
    }
    StallReport report = view.check();
    if (!report.deadlocks().isEmpty()) {
      throw new IllegalStateException("a deadlock where every holder progresses: "
          + report.deadlocks());
    }
  }

  @Benchmark
  public void tick() throws Throwable {
    tick.invokeExact(watchdog);
  }

  @TearDown(Level.Trial)
  public void releaseAll() {
    pending.forEach(wait -> wait.cancel(false));
    holds.forEach(Permit::release);
    viewed.close();
  }
}
