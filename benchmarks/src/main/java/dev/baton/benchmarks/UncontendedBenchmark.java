package dev.baton.benchmarks;

import dev.baton.AsyncLock;
import dev.baton.AsyncSemaphore;
import dev.baton.Permit;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Acquire and release with nobody else around: one thread, one primitive of its own, an empty
 * critical section. Measures the fast path alone: for Baton, a CAS to acquire and a CAS to
 * release, plus what the API hands out, in two idioms:
 * <ul>
 * <li>{@code ...AcquireRelease}: {@code acquire().join().release()}, the future joined where it
 * was made. The JIT sees the whole future's life and removes it, so this measures the
 * {@code Permit} alone (24 B/op with {@code -prof gc}): the cost of a caller that blocks at once.
 * <li>{@code ...AcquireEscapingRelease}: the future is handed to a {@link Blackhole} before it is
 * joined, as an async caller's future escapes into {@code thenCompose} or a return value, so it
 * is allocated and completed for real: the cost of the API as asynchronous code pays it.
 * </ul>
 * {@code ...TryAcquireRelease} is {@code tryAcquire()}, which hands out an {@code Optional}.
 *
 * <p>Target from the project's issue: {@code asyncLockAcquireRelease} at most 1.5 times
 * {@code reentrantLock}. The baselines hand out nothing, so the escaping idiom is the fairer
 * comparison for asynchronous callers.
 *
 * <p>Every critical section is empty, so the scores compare the cost of entering and leaving.
 * The primitives are fields of a thread-scoped state: they escape, so the JIT cannot elide them.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 3, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"})
@Threads(1)
@State(Scope.Thread)
public class UncontendedBenchmark {

  private final AsyncLock asyncLock = AsyncLock.create();
  private final AsyncSemaphore asyncSemaphore = AsyncSemaphore.create(1);
  private final ReentrantLock reentrantLock = new ReentrantLock();
  private final ReentrantLock fairReentrantLock = new ReentrantLock(true);
  private final Semaphore fairSemaphore = new Semaphore(1, true);
  private final Semaphore nonFairSemaphore = new Semaphore(1, false);
  private final Object monitor = new Object();

  @Benchmark
  public void asyncLockAcquireRelease() {
    asyncLock.acquire().join().release();
  }

  @Benchmark
  public void asyncLockAcquireEscapingRelease(Blackhole blackhole) {
    CompletableFuture<Permit> acquire = asyncLock.acquire();
    blackhole.consume(acquire);
    acquire.join().release();
  }

  @Benchmark
  public void asyncLockTryAcquireRelease() {
    asyncLock.tryAcquire().orElseThrow().release();
  }

  @Benchmark
  public void asyncSemaphoreAcquireRelease() {
    asyncSemaphore.acquire().join().release();
  }

  @Benchmark
  public void asyncSemaphoreAcquireEscapingRelease(Blackhole blackhole) {
    CompletableFuture<Permit> acquire = asyncSemaphore.acquire();
    blackhole.consume(acquire);
    acquire.join().release();
  }

  @Benchmark
  public void asyncSemaphoreTryAcquireRelease() {
    asyncSemaphore.tryAcquire().orElseThrow().release();
  }

  @Benchmark
  public void reentrantLock() {
    reentrantLock.lock();
    reentrantLock.unlock();
  }

  @Benchmark
  public void reentrantLockFair() {
    fairReentrantLock.lock();
    fairReentrantLock.unlock();
  }

  @Benchmark
  public void semaphoreFair() throws InterruptedException {
    fairSemaphore.acquire();
    fairSemaphore.release();
  }

  @Benchmark
  public void semaphoreNonFair() throws InterruptedException {
    nonFairSemaphore.acquire();
    nonFairSemaphore.release();
  }

  @Benchmark
  public void synchronizedBlock() {
    synchronized (monitor) {
      // Empty on purpose, like every other critical section here.
    }
  }
}
