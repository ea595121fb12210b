/**
 * JMH benchmarks of Baton's primitives, each measured in the same run as the
 * {@code java.util.concurrent} code it would replace, and (in
 * {@link dev.baton.benchmarks.annotations}) of its {@code @Limited} annotation against Spring's and
 * Resilience4j's.
 *
 * <dl>
 * <dt>{@link dev.baton.benchmarks.UncontendedBenchmark}</dt>
 * <dd>One thread, acquire and release with nobody waiting: the single-CAS fast path.</dd>
 * <dt>{@link dev.baton.benchmarks.ContendedHandOffBenchmark}</dt>
 * <dd>Two threads taking turns on one permit, the waiting one blocked in {@code join()}.</dd>
 * <dt>{@link dev.baton.benchmarks.QueueBenchmark}</dt>
 * <dd>One producer and one consumer through one queue.</dd>
 * <dt>{@link dev.baton.benchmarks.PendingWaitersBenchmark}</dt>
 * <dd>A million pending acquires granted and drained by one release.</dd>
 * <dt>{@link dev.baton.benchmarks.WaiterFootprint}</dt>
 * <dd>Heap bytes per pending waiter; a plain main class, not a JMH benchmark (see its
 * documentation for why).</dd>
 * <dt>{@link dev.baton.benchmarks.annotations.UncontendedAnnotationBenchmark}</dt>
 * <dd>One call through a Spring proxy to a method returning a completed future, per limiter.</dd>
 * <dt>{@link dev.baton.benchmarks.annotations.SaturatedAnnotationBenchmark}</dt>
 * <dd>64 concurrent calls on 4 permits: calls per second and the threads each limiter blocks.</dd>
 * <dt>{@link dev.baton.benchmarks.stalls}</dt>
 * <dd>What the stall view adds: per contended wait, per watchdog tick, per full check.</dd>
 * <dt>{@link dev.baton.benchmarks.redis}</dt>
 * <dd>Baton's Redis lock against Redisson's: uncontended operations per second, round trips per
 * operation, and hand-off latency between two JVMs, on a {@code redis-server} each starts.</dd>
 * </dl>
 *
 * <p>Every class carries the JMH settings meant for a full run on a small (2-core) machine, so
 * {@code java -jar benchmarks/target/benchmarks.jar} alone runs the full suite;
 * {@code benchmarks/run.sh} adds JSON output and a {@code --quick} smoke mode. Results and their
 * reading live in {@code benchmarks/RESULTS.md}.
 */
package dev.baton.benchmarks;
