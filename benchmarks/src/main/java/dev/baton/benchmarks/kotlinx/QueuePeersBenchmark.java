package dev.baton.benchmarks.kotlinx;

import dev.baton.AsyncQueue;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Baton's bounded queue against a kotlinx.coroutines {@code Channel} of the same capacity:
 * {@link #pairs} producers each put {@code ITEMS / pairs} items and as many consumers each take
 * as many, all asynchronous tasks on the same two threads ({@link OnTwoThreads}): Baton's as
 * callback {@link Chain}s of {@code put} and {@code take}, kotlinx's as coroutines of
 * {@code send} and {@code receive}. The score is the time per item, put and taken.
 *
 * <p>Target from the project's issue: Baton at least 1.0× the channel's throughput, that is at most
 * its time per item, with one and with four producers and consumers.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"})
@State(Scope.Benchmark)
public class QueuePeersBenchmark extends OnTwoThreads {

  /** Items per invocation, over all producers: a multiple of every {@link #pairs}. */
  static final int ITEMS = 8192;
  private static final Integer ITEM = 42;

  @Param({"1", "4"})
  public int pairs;

  @Param("16")
  public int capacity;

  @Benchmark
  @OperationsPerInvocation(ITEMS)
  public void batonBounded() {
    AsyncQueue<Integer> queue = AsyncQueue.bounded(capacity);
    Chain<?>[] chains = new Chain<?>[2 * pairs];
    for (int i = 0; i < pairs; i++) {
      chains[2 * i] = new Chain<>(ITEMS / pairs, () -> queue.put(ITEM), done -> { }, threads);
      chains[2 * i + 1] = new Chain<>(ITEMS / pairs, queue::take, item -> { }, threads);
    }
    Chain.runAll(threads, chains);
  }

  @Benchmark
  @OperationsPerInvocation(ITEMS)
  public void kotlinxChannel() {
    KotlinxRuns.channel(capacity, dispatcher, pairs, ITEMS / pairs);
  }
}
