package dev.baton.benchmarks.stalls;

import dev.baton.AsyncLock;
import dev.baton.Permit;
import dev.baton.spring.observation.Call;
import dev.baton.spring.observation.CurrentCall;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
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
import org.openjdk.jmh.infra.Blackhole;

/**
 * Two threads, each its own call, competing for one registry lock, with the stall view off and
 * on: each loops acquire, a little work ({@link #WORK} tokens), release. A thread that finds the
 * lock held waits: its wait goes pending, and the other thread's release hands the lock over.
 * The score is each thread's time per turn (avgt, averaged over the two threads): while both run,
 * a turn spans the other thread's critical section and hand-over as well as its own, so it
 * covers two waits. {@code -prof gc}'s {@code gc.alloc.rate.norm} is per turn, so per wait when
 * every turn waits.
 *
 * <p>The secondary results {@code turns} and {@code waits} count the turns and those whose
 * acquire was left pending (summed over threads and iterations; read their ratio): when the
 * machine takes a core from one thread, the other runs turns without waiting and its score drops
 * toward the uncontended cost at every level.
 *
 * <p>A registry wait is a relayed future, whose {@code join()} parks at once where the core's
 * waiter first polls for about 7 µs; a park and an unpark (16 µs here) would hide anything the
 * view adds. So a thread polls {@code isDone()} up to 256 times with {@code Thread.onSpinWait()},
 * as the core's {@code join()} does, before it joins: the hand-over, not the park, is what is
 * timed, at every level alike.
 *
 * <p>{@code level}: as in {@link WaitHandOverBenchmark} ({@link ViewedRegistry}). This is the
 * realistic shape of a contended lock and the noisiest on two cores; {@link WaitHandOverBenchmark}
 * times the same waits on one thread, without the scheduler in the figures.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 3, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"})
@Threads(2)
@State(Scope.Benchmark)
public class ContendedWaitBenchmark {

  /** Work inside the critical section, in {@link Blackhole#consumeCPU} tokens (tens of ns). */
  static final long WORK = 16;
  /** Polls before joining, as the core's waiter's {@code join()} makes. */
  static final int SPINS = 256;

  @Param({"off", "observed", "basic", "observedBasic"})
  public String level;

  private ViewedRegistry viewed;
  private AsyncLock lock;

  @Setup(Level.Trial)
  public void createLock() {
    viewed = ViewedRegistry.at(level, Duration.ofHours(1), Duration.ofHours(1));
    lock = viewed.registry().lock("ledger");
  }

  @TearDown(Level.Trial)
  public void closeView() {
    if (lock.isLocked() || lock.waiters() != 0) {
      throw new IllegalStateException("the lock is still held or waited for after the trial");
    }
    viewed.close();
  }

  /** One thread's call, and its counts. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.EVENTS)
  public static class Turns {
    /** Turns taken in this iteration. */
    public long turns;
    /** Turns whose acquire was left pending. */
    public long waits;
    private Call call;

    @Setup(Level.Trial)
    public void openCall() {
      call = ViewedRegistry.call("ContendedWait.turn");
    }

    @Setup(Level.Iteration)
    public void reset() {
      turns = 0;
      waits = 0;
    }
  }

  @Benchmark
  public void turn(Turns turns) {
    CompletableFuture<Permit> acquire;
    try (CurrentCall.Scope in = CurrentCall.in(turns.call)) {
      acquire = lock.acquire();
    }
    turns.turns++;
    if (!acquire.isDone()) {
      turns.waits++;
      for (int i = SPINS; i > 0 && !acquire.isDone(); i--) {
        Thread.onSpinWait();
      }
    }
    Permit permit = acquire.join();
    try {
      Blackhole.consumeCPU(WORK);
    } finally {
      permit.release();
    }
  }
}
