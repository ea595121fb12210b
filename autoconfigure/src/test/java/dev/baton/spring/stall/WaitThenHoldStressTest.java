package dev.baton.spring.stall;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.AsyncLock;
import dev.baton.AsyncSemaphore;
import dev.baton.Permit;
import dev.baton.spring.BatonProperties;
import dev.baton.spring.TestProperties;
import dev.baton.spring.local.DefaultPrimitiveRegistry;
import dev.baton.spring.local.LocalPrimitives;
import dev.baton.spring.observation.Call;
import dev.baton.spring.observation.HoldTracking;
import dev.baton.spring.observation.TestCalls;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Randomized: a lock's or semaphore's wait under the stall view becomes its hold, and is ended
 * every way a wait ends (grant, timeout, cancel, outside failure, annotation hold), while a
 * watchdog checks, scans, explains and drops ended waits. No read of the watchdog fails (a sort
 * of the waits by age threw when a wait granted meanwhile restarted its age), and once quiet no
 * wait is left pending, no hold is left listed and no permit is lost. 3,000 rounds a thread;
 * raise {@code baton.stress} to soak.
 */
@Timeout(300)
class WaitThenHoldStressTest {

  private static final int THREADS = 4;
  private static final int BATCH = 16;
  private static final int ROUNDS = 3_000 * Math.max(1, Integer.getInteger("baton.stress", 1));

  @Test
  void everyWaitEndsAndEveryHoldLeavesWhateverEndsIt() throws Exception {
    StallView view = new StallView(new BatonProperties.Stalls(BatonProperties.Stalls.Level.BASIC,
        Duration.ofMillis(1), Duration.ofMillis(1), Duration.ofMillis(1), Map.of()));
    DefaultPrimitiveRegistry registry = new DefaultPrimitiveRegistry(TestProperties.defaults(),
        new LocalPrimitives(), List.of(), false, view);
    AsyncSemaphore semaphore = registry.semaphore("payments", 3);
    AsyncLock lock = registry.lock("ledger");
    AtomicBoolean done = new AtomicBoolean();
    ConcurrentLinkedQueue<Throwable> watchdogFailures = new ConcurrentLinkedQueue<>();
    Thread watchdog = new Thread(() -> {
      while (!done.get()) {
        try {
          view.check();
          view.stalls();
          view.leakedPermits();
          view.dropEndedWaits();
          view.explain();
        } catch (Throwable t) {
          watchdogFailures.add(t);
        }
      }
    });
    watchdog.start();
    List<Thread> threads = new ArrayList<>();
    ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
    for (int t = 0; t < THREADS; t++) {
      Call call = TestCalls.call("Worker.run" + t);
      Thread thread = new Thread(() -> {
        try {
          for (int round = 0; round < ROUNDS; round++) {
            boolean onLock = ThreadLocalRandom.current().nextInt(4) == 0;
            List<CompletableFuture<Permit>> batch = new ArrayList<>();
            for (int i = 0; i < BATCH; i++) {
              batch.add(TestCalls.as(call, request(onLock ? lock : null, semaphore)));
            }
            // settled in the order asked: a thread never waits behind a grant it has yet to settle
            for (CompletableFuture<Permit> future : batch) {
              settle(future);
            }
          }
        } catch (Throwable e) {
          failures.add(e);
        }
      });
      threads.add(thread);
      thread.start();
    }
    for (Thread thread : threads) {
      thread.join();
    }
    done.set(true);
    watchdog.join();

    assertThat(failures).isEmpty();
    assertThat(view.pendingWaits()).isEmpty();
    assertThat(((HoldTracking) semaphore).holds().count()).isZero();
    assertThat(((HoldTracking) lock).holds().count()).isZero();
    assertThat(semaphore.availablePermits()).isEqualTo(3);
    assertThat(lock.tryAcquire()).isPresent();
    if (!watchdogFailures.isEmpty()) {
      throw new AssertionError(watchdogFailures.size() + " of the watchdog's reads failed",
          watchdogFailures.peek());
    }
  }

  private static Supplier<CompletableFuture<Permit>> request(AsyncLock lock,
      AsyncSemaphore semaphore) {
    int kind = ThreadLocalRandom.current().nextInt(4);
    Duration timeout = Duration.ofNanos(ThreadLocalRandom.current().nextInt(2_000_000));
    if (lock != null) {
      return switch (kind) {
        case 0 -> lock::acquire;
        case 1 -> () -> lock.acquire(timeout);
        case 2 -> () -> ((HoldTracking) lock).acquire(timeout, "Worker.annotated");
        default -> () -> ((HoldTracking) lock).acquire(Duration.ofHours(1), "Worker.annotated");
      };
    }
    return switch (kind) {
      case 0 -> semaphore::acquire;
      case 1 -> () -> semaphore.acquire(timeout);
      case 2 -> () -> ((HoldTracking) semaphore).acquire(timeout, "Worker.annotated");
      default -> () -> ((HoldTracking) semaphore).acquire(Duration.ofHours(1), "Worker.annotated");
    };
  }

  /** Ends {@code future}'s wait some way, and releases what it granted. */
  private static void settle(CompletableFuture<Permit> future) {
    int how = ThreadLocalRandom.current().nextInt(3);
    boolean withdrawn = switch (how) {
      case 0 -> future.cancel(false);
      case 1 -> future.completeExceptionally(new IllegalStateException("given up"));
      default -> false;
    };
    if (withdrawn) {
      return;
    }
    Permit permit;
    try {
      permit = future.join();
    } catch (RuntimeException failed) {
      return;
    }
    permit.release();
  }
}
