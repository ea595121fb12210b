package dev.baton;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.reflect.Field;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/**
 * The expiry thread behind every timed wait: a timeout runs once, not before its delay; a
 * cancelled one never runs; an earlier deadline armed behind later ones still runs on time;
 * arming from many threads at once loses nothing; and a timed-out future's callbacks run on
 * other threads, so a slow one delays no other timeout.
 */
class TimeoutsTest {

  @Test
  void runsOnceAndNotBeforeItsDelay() {
    long armedAt = System.nanoTime();
    CompletableFuture<Long> ranAt = new CompletableFuture<>();
    AtomicInteger runs = new AtomicInteger();
    Timeouts.schedule(() -> {
      runs.incrementAndGet();
      ranAt.complete(System.nanoTime());
    }, Duration.ofMillis(30));

    assertThat(ranAt.orTimeout(10, TimeUnit.SECONDS).join() - armedAt)
        .isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(30));
    CompletableFuture<Void> later = new CompletableFuture<>();
    Timeouts.schedule(() -> later.complete(null), Duration.ofMillis(30));
    later.orTimeout(10, TimeUnit.SECONDS).join();
    assertThat(runs).hasValue(1);
  }

  /**
   * The deadlines leave the arming and cancelling ample time, even in a cold JVM on a loaded
   * machine (20 ms did not: the first timeouts fell due before they were cancelled).
   */
  @Test
  void aCancelledTimeoutNeverRuns() {
    AtomicInteger runs = new AtomicInteger();
    List<Timeouts.Timeout> cancelled = new ArrayList<>();
    long armedAt = System.nanoTime();
    for (int i = 0; i < 5_000; i++) {
      cancelled.add(Timeouts.schedule(runs::incrementAndGet, Duration.ofMillis(500)));
    }
    cancelled.forEach(Timeouts.Timeout::cancel);
    assumeTrue(System.nanoTime() - armedAt < TimeUnit.MILLISECONDS.toNanos(500),
        "cancelled before the deadline");
    CompletableFuture<Void> after = new CompletableFuture<>();
    Timeouts.schedule(() -> after.complete(null), Duration.ofMillis(600));

    after.orTimeout(10, TimeUnit.SECONDS).join();
    assertThat(runs).hasValue(0);
  }

  /**
   * The expiry thread parks until the earliest deadline it knows of; a timeout armed later with
   * an earlier deadline must wake it. The bound on lateness is generous (a loaded machine can
   * be seconds late) but far below the hour-long deadlines that a missed wake-up would wait for.
   */
  @Test
  void anEarlierDeadlineArmedBehindLaterOnesRunsOnTime() {
    List<Timeouts.Timeout> far = new ArrayList<>();
    for (int i = 0; i < 3_000; i++) {
      far.add(Timeouts.schedule(() -> { }, Duration.ofHours(1)));
    }
    long armedAt = System.nanoTime();
    CompletableFuture<Long> ranAt = new CompletableFuture<>();
    Timeouts.schedule(() -> ranAt.complete(System.nanoTime()), Duration.ofMillis(10));

    long late = ranAt.orTimeout(1, TimeUnit.MINUTES).join() - armedAt
        - TimeUnit.MILLISECONDS.toNanos(10);
    far.forEach(Timeouts.Timeout::cancel);

    assertThat(Duration.ofNanos(late)).as("lateness of the 10 ms timeout")
        .isLessThan(Duration.ofSeconds(5));
  }

  @Test
  void survivesAnInterruptOfTheExpiryThread() {
    CompletableFuture<Thread> expiryThread = new CompletableFuture<>();
    Timeouts.schedule(() -> expiryThread.complete(Thread.currentThread()), Duration.ofMillis(1));
    Thread expiry = expiryThread.orTimeout(10, TimeUnit.SECONDS).join();
    expiry.interrupt();

    CompletableFuture<Void> ran = new CompletableFuture<>();
    Timeouts.schedule(() -> ran.complete(null), Duration.ofMillis(10));
    ran.orTimeout(10, TimeUnit.SECONDS).join();
    await().atMost(Duration.ofSeconds(10))
        .until(() -> expiry.getState() == Thread.State.TIMED_WAITING);
  }

  /**
   * Regression: a timed-out future completed on the expiry thread, so its callbacks ran there,
   * and one slow callback delayed every timeout in the JVM.
   */
  @Test
  void aTimedOutFuturesCallbacksRunOffTheExpiryThread() {
    CompletableFuture<Thread> expiryThread = new CompletableFuture<>();
    Timeouts.schedule(() -> expiryThread.complete(Thread.currentThread()), Duration.ofMillis(1));
    AsyncLock lock = AsyncLock.create();
    lock.acquire().join();
    CompletableFuture<Thread> callbackThread = new CompletableFuture<>();

    lock.acquire(Duration.ofMillis(200))
        .whenComplete((p, t) -> callbackThread.complete(Thread.currentThread()));

    Thread ranOn = callbackThread.orTimeout(10, TimeUnit.SECONDS).join();
    assertThat(ranOn).isNotSameAs(expiryThread.orTimeout(10, TimeUnit.SECONDS).join())
        .isNotSameAs(Thread.currentThread());
    assertThat(ranOn.isDaemon()).isTrue();
  }

  /**
   * A withdrawal on the expiry thread can cancel a wait of Baton's own whose grant is in transit
   * (a condition's re-acquire of its lock, an {@code awaitUntil}'s round); that cancel loses, and
   * the grant it must deliver is handed to a completer like every grant made there, so no
   * callback runs on the expiry thread. Here a thread offloading as the expiry thread does
   * cancels B while the releasing thread, inside A's callback, still has B's grant in transit.
   */
  @Test
  void aGrantInTransitThatAnOffloadedCancelReachesIsDeliveredByTheCompleter() {
    AsyncLock lock = AsyncLock.create();
    Permit holder = lock.acquire().join();
    CompletableFuture<Permit> a = lock.acquire();
    CompletableFuture<Permit> b = lock.acquire();
    List<Runnable> handedToCompleter = new ArrayList<>();
    CompletableFuture<Boolean> cancelled = new CompletableFuture<>();
    CompletableFuture<Boolean> bDoneAfterCancel = new CompletableFuture<>();
    a.thenAccept(p -> {
      p.release(); // decides B's grant, delivered only once this callback returns
      Thread offloading = new Thread(() -> Grants.offload(() -> {
        cancelled.complete(b.cancel(false));
        bDoneAfterCancel.complete(b.isDone());
      }, handedToCompleter::add));
      offloading.start();
      try {
        offloading.join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });

    holder.release();

    assertThat(cancelled).isCompletedWithValue(false);
    assertThat(bDoneAfterCancel).as("not delivered on the offloading thread")
        .isCompletedWithValue(false);
    assertThat(handedToCompleter).as("handed to the completer").hasSize(1);
    assertThat(b).as("delivered by the releasing thread meanwhile").isCompleted();
    handedToCompleter.get(0).run(); // a second delivery changes nothing
    b.join().release();
    assertThat(lock.isLocked()).isFalse();
  }

  @Test
  void aTimedOutFuturesCallbackThatBlocksDelaysNoOtherTimeout() {
    AsyncLock lock = AsyncLock.create();
    lock.acquire().join();
    CountDownLatch unblock = new CountDownLatch(1);
    CompletableFuture<Void> blocking = new CompletableFuture<>();
    // Long enough to register the callback first, which must never run on this thread.
    lock.acquire(Duration.ofMillis(100)).whenComplete((p, t) -> {
      blocking.complete(null);
      awaitUninterruptibly(unblock);
    });
    try {
      blocking.orTimeout(10, TimeUnit.SECONDS).join();

      CompletableFuture<Permit> other = lock.acquire(Duration.ofMillis(1));

      assertThatThrownBy(() -> other.get(10, TimeUnit.SECONDS))
          .as("the other wait times out while the first callback blocks")
          .isInstanceOf(ExecutionException.class)
          .hasCauseInstanceOf(AcquireTimeoutException.class);
    } finally {
      unblock.countDown();
    }
  }

  /**
   * While a timed-out future's failure waits for a completer thread, the future is not done: a
   * cancel that reaches it then wins, and gives nothing back, since the waiter held nothing.
   */
  @Test
  void aCancelThatReachesATimedOutFutureBeforeItsFailureWinsAndGivesNothingBack()
      throws InterruptedException {
    AsyncLock lock = AsyncLock.create();
    Permit holder = lock.acquire().join();
    CountDownLatch unblock = new CountDownLatch(1);
    CountDownLatch completersBlocked = new CountDownLatch(Timeouts.COMPLETERS);
    try {
      for (int i = 0; i < Timeouts.COMPLETERS; i++) {
        lock.acquire(Duration.ofMillis(100)).whenComplete((p, t) -> {
          completersBlocked.countDown();
          awaitUninterruptibly(unblock);
        });
      }
      assertThat(completersBlocked.await(10, TimeUnit.SECONDS)).as("completers blocked").isTrue();

      CompletableFuture<Permit> timed = lock.acquire(Duration.ofMillis(1));
      await().atMost(Duration.ofSeconds(10)).until(() -> lock.waiters() == 0);

      assertThat(timed).as("withdrawn, its failure waiting for a completer").isNotDone();
      assertThat(timed.cancel(false)).isTrue();
      assertThat(timed).isCancelled();
    } finally {
      unblock.countDown();
    }
    assertThat(holder.isReleased()).isFalse();
    holder.release();
    assertThat(lock.isLocked()).isFalse();
  }

  private static void awaitUninterruptibly(CountDownLatch latch) {
    boolean interrupted = false;
    for (;;) {
      try {
        latch.await();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Four threads arm 20,000 timeouts each, of 0 to 5 ms, and cancel every other one at once with
   * an hour-long delay instead: each short one runs exactly once, and no cancelled one runs.
   */
  @Test
  void armingFromManyThreadsLosesNothing() throws InterruptedException {
    int threads = 4;
    int perThread = 20_000;
    AtomicIntegerArray runs = new AtomicIntegerArray(threads * perThread);
    List<Thread> armers = new ArrayList<>();
    for (int n = 0; n < threads; n++) {
      int first = n * perThread;
      armers.add(new Thread(() -> {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int i = first; i < first + perThread; i++) {
          int slot = i;
          if (i % 2 == 0) {
            Timeouts.schedule(() -> runs.incrementAndGet(slot),
                Duration.ofNanos(random.nextLong(5_000_000)));
          } else {
            Timeouts.schedule(() -> runs.incrementAndGet(slot), Duration.ofHours(1)).cancel();
          }
        }
      }));
    }
    armers.forEach(Thread::start);
    for (Thread t : armers) {
      t.join();
    }

    await().atMost(Duration.ofSeconds(30)).until(() -> {
      for (int i = 0; i < runs.length(); i += 2) {
        if (runs.get(i) == 0) {
          return false;
        }
      }
      return true;
    });
    for (int i = 0; i < runs.length(); i++) {
      assertThat(runs.get(i)).as("runs of timeout %d", i).isEqualTo(i % 2 == 0 ? 1 : 0);
    }
  }

  /**
   * Cancelled timeouts leave the expiry thread's heap long before their deadline, even behind a
   * live timeout due earlier, which keeps them from ever reaching the top: batch after batch
   * armed, taken into the heap and cancelled there, the heap stays within a constant factor of
   * the live timeouts instead of growing by each batch.
   */
  @Test
  void cancelledTimeoutsLeaveTheHeapLongBeforeTheirDeadlineEvenBehindALiveOne() throws Exception {
    int batch = 10_000;
    int batches = 10;
    Field field = Timeouts.class.getDeclaredField("pending");
    field.setAccessible(true);
    PriorityQueue<?> heap = (PriorityQueue<?>) field.get(null);
    Timeouts.Timeout live = Timeouts.schedule(() -> { }, Duration.ofMinutes(30));
    try {
      for (int b = 0; b < batches; b++) {
        List<Timeouts.Timeout> armed = new ArrayList<>(batch);
        for (int i = 0; i < batch; i++) {
          armed.add(Timeouts.schedule(() -> { }, Duration.ofHours(1)));
        }
        awaitATurnOfTheExpiryThread(); // which takes the batch into the heap, live
        armed.forEach(Timeouts.Timeout::cancel);
      }
      awaitATurnOfTheExpiryThread();

      // Read off the expiry thread, which alone writes the heap: only its size, polled.
      await().atMost(Duration.ofSeconds(10)).until(() -> heap.size() < batches * batch / 2);
    } finally {
      live.cancel();
    }
  }

  /** Arms a timeout due at once and waits until it has run, so a turn has taken the inbox. */
  private static void awaitATurnOfTheExpiryThread() {
    CompletableFuture<Void> ran = new CompletableFuture<>();
    Timeouts.schedule(() -> ran.complete(null), Duration.ofMillis(1));
    ran.orTimeout(10, TimeUnit.SECONDS).join();
  }
}
