package dev.baton.benchmarks.annotations;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The thread figures of {@link SaturatedAnnotationBenchmark}, reported by JMH next to the score
 * (one value per iteration, as of its last operation; see {@link SaturationProbe} for how they are
 * taken).
 */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.EVENTS)
public class SaturationCounters {

  /** Threads that issue the calls: 1, or the caller pool's size for a limiter that blocks. */
  public double callerThreads;
  /** Mean calling threads parked or blocked inside the limiter, waiting for a permit. */
  public double waitingThreadsMean;
  /** Most calling threads seen parked or blocked inside the limiter at once. */
  public double waitingThreadsPeak;
  /** Mean calling threads parked or blocked anywhere inside the call (limiter or body). */
  public double blockedThreadsMean;
  /** Most bodies started and not yet completed at once: what the permits actually bound. */
  public double inFlightPeak;

  @Setup(Level.Iteration)
  public void clear() {
    callerThreads = 0;
    waitingThreadsMean = 0;
    waitingThreadsPeak = 0;
    blockedThreadsMean = 0;
    inFlightPeak = 0;
  }

  void record(int callers, SaturationProbe probe) {
    callerThreads = callers;
    waitingThreadsMean = probe.waitingMean();
    waitingThreadsPeak = probe.waitingPeak();
    blockedThreadsMean = probe.blockedMean();
    inFlightPeak = probe.inFlightPeak();
  }
}
