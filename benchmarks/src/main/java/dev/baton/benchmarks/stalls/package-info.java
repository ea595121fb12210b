/**
 * What the stall view ({@code baton.stalls.level=basic}) costs, against the targets of the
 * project's issue. The registries are built as Baton's auto-configuration builds them, without a
 * Spring context ({@link dev.baton.benchmarks.stalls.ViewedRegistry}); the per-call cost through
 * an annotation is measured with the other limiters in
 * {@link dev.baton.benchmarks.annotations.UncontendedAnnotationBenchmark} and
 * {@link dev.baton.benchmarks.annotations.SaturatedAnnotationBenchmark}.
 *
 * <dl>
 * <dt>{@link dev.baton.benchmarks.stalls.WaitHandOverBenchmark}</dt>
 * <dd>One contended wait and its hand-over, on one thread: time and bytes per wait, view off
 * and on.</dd>
 * <dt>{@link dev.baton.benchmarks.stalls.ContendedWaitBenchmark}</dt>
 * <dd>Two threads taking turns on one registry lock, view off and on.</dd>
 * <dt>{@link dev.baton.benchmarks.stalls.WatchdogTickBenchmark}</dt>
 * <dd>One watchdog tick with 1,000 locks held and 100 waits pending.</dd>
 * <dt>{@link dev.baton.benchmarks.stalls.FullCheckBenchmark}</dt>
 * <dd>One full check (the wait-for graph reduced) with 100,000 pending waits.</dd>
 * </dl>
 */
package dev.baton.benchmarks.stalls;
