package dev.baton.benchmarks.annotations;

import java.util.Collection;
import java.util.List;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

/**
 * Reports {@link SaturatedAnnotationBenchmark}'s {@link ThreadFigures} as secondary results, peaks
 * aggregated over iterations and forks as their maximum, means (the work's length too) as their
 * mean. Enable it with
 * {@code -prof dev.baton.benchmarks.annotations.ThreadFiguresProfiler} ({@code benchmarks/run.sh}
 * always does); for other benchmarks it reports nothing.
 */
public final class ThreadFiguresProfiler implements InternalProfiler {

  @Override
  public String getDescription() {
    return "Thread figures of the saturated annotation benchmark";
  }

  @Override
  public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
    ThreadFigures.take();
  }

  @Override
  public Collection<? extends Result> afterIteration(BenchmarkParams benchmarkParams,
      IterationParams iterationParams, IterationResult result) {
    ThreadFigures figures = ThreadFigures.take();
    if (figures == null) {
      return List.of();
    }
    return List.of(
        new ScalarResult("callerThreads", figures.callerThreads(), "threads",
            AggregationPolicy.MAX),
        new ScalarResult("waitingThreadsPeak", figures.waitingThreadsPeak(), "threads",
            AggregationPolicy.MAX),
        new ScalarResult("waitingThreadsMean", figures.waitingThreadsMean(), "threads",
            AggregationPolicy.AVG),
        new ScalarResult("blockedThreadsMean", figures.blockedThreadsMean(), "threads",
            AggregationPolicy.AVG),
        new ScalarResult("inFlightPeak", figures.inFlightPeak(), "calls",
            AggregationPolicy.MAX),
        new ScalarResult("workMicros", figures.workMicros(), "us", AggregationPolicy.AVG));
  }
}
