package dev.baton.benchmarks.annotations;

import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * Watches a saturated limiter: which calling threads are blocked while waiting for a permit, and
 * how many bodies are in flight at once.
 *
 * <p>How a thread counts as blocked waiting for a permit: the caller registers its thread before it
 * calls the proxy ({@link #call}) and unregisters it when the proxy returns; the body unregisters
 * the thread it runs on when it starts ({@link #bodyStarted}). A thread still registered is
 * therefore between entering the proxy and entering the body, that is inside the limiter. A
 * sampler thread reads every {@link #SAMPLE_PERIOD_NANOS} the {@link Thread#getState() state} of
 * each registered thread and counts those {@code WAITING}, {@code TIMED_WAITING} or
 * {@code BLOCKED}: parked or blocked inside the limiter (a thread that leaves the set while it
 * is being read is not counted; see {@link #blocked}). The same is counted for threads anywhere
 * inside the call, which adds the ones parked inside a body that waits for its own work.
 * {@code Thread.getState()} takes no safepoint and no stack walk, so sampling costs every limiter
 * the same few microseconds a millisecond.
 *
 * <p>In flight: a body has started and its future has not completed yet.
 */
final class SaturationProbe {

  static final long SAMPLE_PERIOD_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

  /** Threads between entering the proxy and entering the body (or leaving the proxy). */
  private final Set<Thread> waitingForPermit = ConcurrentHashMap.newKeySet();
  /** Threads between entering and leaving the proxy. */
  private final Set<Thread> insideCall = ConcurrentHashMap.newKeySet();
  /** Bodies started whose future has not completed. */
  private final AtomicInteger inFlight = new AtomicInteger();
  /** Most bodies in flight at once since the last {@link #start()}. */
  private final AtomicInteger inFlightPeak = new AtomicInteger();

  // Written by the sampler thread alone; read by the benchmark thread.
  private volatile long samples;
  private volatile long waitingSum;
  private volatile int waitingPeak;
  private volatile long blockedSum;

  private volatile boolean sampling;
  private Thread sampler;

  /** Calls {@code call} on this thread, registered as inside the call and waiting for a permit. */
  CompletableFuture<Integer> call(Supplier<CompletableFuture<Integer>> call) {
    Thread self = Thread.currentThread();
    insideCall.add(self);
    waitingForPermit.add(self);
    try {
      return call.get();
    } finally {
      waitingForPermit.remove(self);
      insideCall.remove(self);
    }
  }

  /** The body has got its permit and starts. */
  void bodyStarted() {
    waitingForPermit.remove(Thread.currentThread());
    inFlightPeak.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
  }

  /** The body's work is done; called just before its future completes. */
  void bodyCompleted() {
    inFlight.decrementAndGet();
  }

  /** Clears the figures and starts sampling. */
  void start() {
    samples = 0;
    waitingSum = 0;
    waitingPeak = 0;
    blockedSum = 0;
    inFlightPeak.set(0);
    sampling = true;
    sampler = new Thread(this::sample, "saturation-probe");
    sampler.setDaemon(true);
    sampler.start();
  }

  void stop() throws InterruptedException {
    sampling = false;
    sampler.join();
  }

  /** Mean number of calling threads blocked inside the limiter, over the samples so far. */
  double waitingMean() {
    long n = samples;
    return n == 0 ? 0 : (double) waitingSum / n;
  }

  int waitingPeak() {
    return waitingPeak;
  }

  /** Mean number of calling threads blocked anywhere inside the call. */
  double blockedMean() {
    long n = samples;
    return n == 0 ? 0 : (double) blockedSum / n;
  }

  int inFlightPeak() {
    return inFlightPeak.get();
  }

  private void sample() {
    while (sampling) {
      int waiting = blocked(waitingForPermit);
      int blocked = blocked(insideCall);
      waitingSum += waiting;
      blockedSum += blocked;
      waitingPeak = Math.max(waitingPeak, waiting);
      samples++;
      LockSupport.parkNanos(SAMPLE_PERIOD_NANOS);
    }
  }

  /**
   * Threads of {@code threads} that are parked or blocked. The set's iterator may still show a
   * thread that has just left it, and whose state is by then that of a wait outside the call (the
   * benchmark thread waiting for the operation's futures, say), so a thread counts only if it is
   * still in the set after its state was read.
   */
  private static int blocked(Set<Thread> threads) {
    int n = 0;
    for (Thread thread : threads) {
      boolean parked = switch (thread.getState()) {
        case WAITING, TIMED_WAITING, BLOCKED -> true;
        default -> false;
      };
      if (parked && threads.contains(thread)) {
        n++;
      }
    }
    return n;
  }
}
