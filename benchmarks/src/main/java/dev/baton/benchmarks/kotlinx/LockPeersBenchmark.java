package dev.baton.benchmarks.kotlinx;

import dev.baton.AsyncLock;
import dev.baton.AsyncSemaphore;
import dev.baton.Permit;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import kotlinx.coroutines.sync.Mutex;
import kotlinx.coroutines.sync.MutexKt;
import kotlinx.coroutines.sync.Semaphore;
import kotlinx.coroutines.sync.SemaphoreKt;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Baton's lock and semaphore against kotlinx.coroutines' {@code Mutex} and {@code Semaphore}, the
 * fair, cancellable, lock-free async peers: {@link #tasks} asynchronous tasks contend for one
 * permit, each a loop of acquire, a little work ({@link #WORK} {@link Blackhole#consumeCPU}
 * tokens, as in {@code ContendedHandOffBenchmark}), release. Baton's tasks are callback
 * {@link Chain}s, kotlinx's coroutines ({@code withLock}, {@code withPermit}), both on the same two
 * threads ({@link OnTwoThreads}). The score is the time per critical section, averaged over
 * {@value #SECTIONS} of them shared among the tasks; each invocation starts the tasks and waits
 * for the last one on the benchmark's own thread.
 *
 * <p>Target from the project's issue: Baton at least 1.0× kotlinx's throughput, that is at most
 * its time per section, at 2, 8 and 64 tasks.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"})
@State(Scope.Benchmark)
public class LockPeersBenchmark extends OnTwoThreads {

  /** Critical sections per invocation, over all tasks: a multiple of every {@link #tasks}. */
  static final int SECTIONS = 8192;
  static final long WORK = 16;

  @Param({"2", "8", "64"})
  public int tasks;

  private final AsyncLock lock = AsyncLock.create();
  private final AsyncSemaphore semaphore = AsyncSemaphore.create(1);
  private final Mutex mutex = MutexKt.Mutex(false);
  private final Semaphore kotlinxSemaphore = SemaphoreKt.Semaphore(1, 0);

  @Benchmark
  @OperationsPerInvocation(SECTIONS)
  public void batonLock() {
    runSections(lock::acquire);
  }

  @Benchmark
  @OperationsPerInvocation(SECTIONS)
  public void batonSemaphore() {
    runSections(semaphore::acquire);
  }

  @Benchmark
  @OperationsPerInvocation(SECTIONS)
  public void kotlinxMutex() {
    KotlinxRuns.mutex(mutex, dispatcher, tasks, SECTIONS / tasks, WORK);
  }

  @Benchmark
  @OperationsPerInvocation(SECTIONS)
  public void kotlinxSemaphore() {
    KotlinxRuns.semaphore(kotlinxSemaphore, dispatcher, tasks, SECTIONS / tasks, WORK);
  }

  /** {@link #tasks} chains of {@code acquire}, a section and its release, sharing the sections. */
  private void runSections(Supplier<CompletableFuture<Permit>> acquire) {
    Chain<?>[] chains = new Chain<?>[tasks];
    for (int i = 0; i < tasks; i++) {
      chains[i] = new Chain<>(SECTIONS / tasks, acquire, LockPeersBenchmark::section, threads);
    }
    Chain.runAll(threads, chains);
  }

  private static void section(Permit permit) {
    try {
      Blackhole.consumeCPU(WORK);
    } finally {
      permit.release();
    }
  }
}
