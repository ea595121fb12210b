package dev.baton.benchmarks.annotations;

import java.util.concurrent.atomic.AtomicReference;

/**
 * One iteration's thread figures from {@link SaturatedAnnotationBenchmark}, handed to
 * {@link ThreadFiguresProfiler}, which reports them next to the score. (Not JMH's
 * {@code @AuxCounters}: those are summed over iterations and forks, which suits counts of events
 * but not these levels and peaks.)
 *
 * @param callerThreads threads that issue the calls: 1, or the caller pool's size for a limiter
 *     that parks its callers
 * @param waitingThreadsPeak most calling threads seen parked or blocked inside the limiter at once,
 *     waiting for a permit
 * @param waitingThreadsMean the same, averaged over the samples
 * @param blockedThreadsMean calling threads parked or blocked anywhere inside the call (the limiter
 *     or a body that waits for its work), averaged over the samples
 * @param inFlightPeak most bodies started and not yet completed at once: what the permits bound
 * @param workMicros mean real length of a call's work, in microseconds ({@link WorkClock})
 */
record ThreadFigures(int callerThreads, int waitingThreadsPeak, double waitingThreadsMean,
    double blockedThreadsMean, int inFlightPeak, double workMicros) {

  private static final AtomicReference<ThreadFigures> LAST = new AtomicReference<>();

  /** Called by the benchmark when an iteration ends. */
  static void publish(ThreadFigures figures) {
    LAST.set(figures);
  }

  /** The figures published since the last call, or null if none were. */
  static ThreadFigures take() {
    return LAST.getAndSet(null);
  }
}
