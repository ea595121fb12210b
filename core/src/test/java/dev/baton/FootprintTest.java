package dev.baton;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.management.ThreadMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * What a wait costs: no thread per wait, bounded heap per waiter, no guard on the fast path, and
 * no waiter for a queue call that need not wait.
 *
 * <p>Tagged {@code footprint}: heap and allocation figures depend on the JVM's flags, so these
 * tests run in a surefire execution of their own whose JVM flags are fixed in {@code core/pom.xml}
 * (no agent, no {@code -DargLine} addition reaches it), never in the default one.
 */
@Tag("footprint")
class FootprintTest {

  @Test
  void tenThousandTimedWaitsShareOneSchedulerThread() {
    AsyncLock lock = AsyncLock.create();
    Permit holder = lock.acquire().join();
    lock.acquire(Duration.ofMinutes(1)).cancel(true);
    int threadsBefore = Thread.activeCount();

    List<CompletableFuture<Permit>> waits = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      waits.add(lock.acquire(Duration.ofMinutes(1)));
    }

    assertThat(Thread.activeCount()).isLessThanOrEqualTo(threadsBefore);
    waits.forEach(w -> w.cancel(true));
    holder.release();
  }

  @Test
  void aPendingAcquireCostsAtMostThirtyTwoBytesOfHeap() {
    int n = 200_000;
    AsyncSemaphore semaphore = AsyncSemaphore.create(1);
    Permit holder = semaphore.acquire().join();
    long before = usedHeapAfterGc();

    List<CompletableFuture<Permit>> waits = new ArrayList<>(n);
    long listBytes = usedHeapAfterGc() - before;
    for (int i = 0; i < n; i++) {
      waits.add(semaphore.acquire());
    }
    long perWaiter = (usedHeapAfterGc() - before - listBytes) / n;

    assertThat(semaphore.waiters()).isEqualTo(n);
    assertThat(perWaiter).as("heap bytes per pending waiter").isLessThanOrEqualTo(32);
    holder.release();
  }

  @Test
  void uncontendedAcquireAndReleaseNeverTakeTheInternalGuard() throws Exception {
    AsyncLock lock = AsyncLock.create();
    AsyncSemaphore semaphore = AsyncSemaphore.create(3);
    ReentrantLock lockGuard = Guards.of(lock);
    ReentrantLock semaphoreGuard = Guards.of(semaphore);
    CompletableFuture<Void> guardsHeld = new CompletableFuture<>();
    CompletableFuture<Void> done = new CompletableFuture<>();
    Thread holder = new Thread(() -> {
      lockGuard.lock();
      semaphoreGuard.lock();
      try {
        guardsHeld.complete(null);
        done.join();
      } finally {
        semaphoreGuard.unlock();
        lockGuard.unlock();
      }
    });
    holder.start();
    guardsHeld.get(10, TimeUnit.SECONDS);

    CompletableFuture<Void> fastPaths = CompletableFuture.runAsync(() -> {
      for (int i = 0; i < 1_000; i++) {
        lock.acquire().join().release();
        lock.tryAcquire().orElseThrow().release();
        semaphore.acquire().join().release();
        semaphore.tryAcquire().orElseThrow().close();
      }
    });

    try {
      fastPaths.get(30, TimeUnit.SECONDS);
    } finally {
      done.complete(null);
      holder.join();
    }
  }

  @Test
  void aQueuePutOrTakeThatCompletesAtOnceAllocatesOnlyTheFutureItReturns() {
    ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
    AsyncQueue<Integer> queue = AsyncQueue.bounded(16);
    Integer item = 42;
    int n = 100_000;
    for (int i = 0; i < n; i++) { // class loading and compilation, left out of the count
      queue.put(item).join();
      queue.take().join();
    }
    long id = Thread.currentThread().getId();
    long before = threads.getThreadAllocatedBytes(id);
    for (int i = 0; i < n; i++) {
      queue.put(item).join();
      queue.take().join();
    }
    long perCall = (threads.getThreadAllocatedBytes(id) - before) / (2L * n);

    // A completed CompletableFuture takes 24 bytes with compressed references, 32 without; a
    // waiter allocated on the way would add 32 more.
    assertThat(perCall).as("heap bytes allocated per put or take").isLessThanOrEqualTo(32);
  }

  private static long usedHeapAfterGc() {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return memory.getHeapMemoryUsage().getUsed();
  }
}
