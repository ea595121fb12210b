package dev.baton.benchmarks;

import dev.baton.AsyncLock;
import dev.baton.AsyncSemaphore;
import dev.baton.Permit;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * A million pending acquires on a one-permit primitive, each of whose callbacks releases the
 * permit it was granted: how long one release takes to grant and drain them all.
 *
 * <p>Set-up, not measured, once per invocation: a fresh primitive, its only permit held, then
 * {@link #waiters} calls of {@code acquire().thenAccept(Permit::release)}, then (unless
 * {@code -p gcBeforeRelease=false}) a full GC so that the waiters sit in the old generation, as
 * waiters that had piled up over time would, and the measured part starts with an empty young
 * generation; without it, the first young GC of the measured part copies the million waiters the
 * set-up has just made. Measured: the holder's
 * {@code release()}. It grants the oldest waiter, whose callback releases, which grants the next,
 * and so on: Baton queues those nested grants on the releasing thread instead of recursing, so the
 * one call returns only when every waiter has been granted and has released. The tear-down checks
 * that: nobody waiting, the permit free, the last waiter's callback done.
 *
 * <p>Targets from the project's issues: under 250 ms for 1,000,000 waiters (the first round);
 * warm at most 60 ms, cold (a fork's first round) at most 150 ms, and never slower than the
 * monitor-based {@link MonitorSemaphore} measured in the same run (issue 15).
 *
 * <p>Allocation-heavy and GC-sensitive, so: single-shot, a fixed pre-touched heap, several forks.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5)
@Measurement(iterations = 10)
@Fork(value = 3, jvmArgsAppend = {"-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch"})
@State(Scope.Thread)
public class PendingWaitersBenchmark {

  @Param("1000000")
  public int waiters;

  /**
   * {@code semaphore}: {@code AsyncSemaphore.create(1)}; {@code lock}: {@code AsyncLock.create()};
   * {@code monitor}: a {@link MonitorSemaphore} of one permit, the monitor-based yardstick.
   */
  @Param({"semaphore", "lock", "monitor"})
  public String primitive;

  /** Whether the set-up ends with a full GC; see the class documentation. */
  @Param("true")
  public boolean gcBeforeRelease;

  private Permit holder;
  private CompletableFuture<Void> last;
  private IntSupplier waiting;
  private IntSupplier free;

  @Setup(Level.Invocation)
  public void queueWaiters() {
    Supplier<CompletableFuture<Permit>> acquire;
    switch (primitive) {
      case "semaphore" -> {
        AsyncSemaphore semaphore = AsyncSemaphore.create(1);
        acquire = semaphore::acquire;
        waiting = semaphore::waiters;
        free = semaphore::availablePermits;
      }
      case "lock" -> {
        AsyncLock lock = AsyncLock.create();
        acquire = lock::acquire;
        waiting = lock::waiters;
        free = () -> lock.isLocked() ? 0 : 1;
      }
      case "monitor" -> {
        MonitorSemaphore semaphore = new MonitorSemaphore(1);
        acquire = semaphore::acquire;
        waiting = semaphore::waiters;
        free = semaphore::availablePermits;
      }
      default -> throw new IllegalArgumentException("unknown primitive: " + primitive);
    }
    holder = acquire.get().join();
    for (int i = 0; i < waiters; i++) {
      last = acquire.get().thenAccept(Permit::release);
    }
    if (waiting.getAsInt() != waiters) {
      throw new IllegalStateException(waiting.getAsInt() + " waiting, expected " + waiters);
    }
    if (gcBeforeRelease) {
      System.gc();
    }
  }

  @Benchmark
  public void grantAndDrainAll() {
    holder.release();
  }

  @TearDown(Level.Invocation)
  public void checkDrained() {
    if (!last.isDone() || waiting.getAsInt() != 0 || free.getAsInt() != 1) {
      throw new IllegalStateException("not drained: last done " + last.isDone() + ", "
          + waiting.getAsInt() + " waiting, " + free.getAsInt() + " free");
    }
    holder = null;
    last = null;
  }
}
