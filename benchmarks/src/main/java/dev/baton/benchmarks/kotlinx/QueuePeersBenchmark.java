package dev.baton.benchmarks.kotlinx;

import dev.baton.AsyncQueue;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import kotlinx.coroutines.ExecutorsKt;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
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
    batonBounded(threads, item -> { });
  }

  @Benchmark
  @OperationsPerInvocation(ITEMS)
  public void kotlinxChannel() {
    KotlinxRuns.channel(capacity, dispatcher, pairs, ITEMS / pairs, ITEM, item -> { });
  }

  /**
   * Fails the trial unless both sides move the same items: {@code ITEMS} of them taken, each
   * {@link #ITEM} itself, so that neither side boxes a fresh item the other does not.
   */
  @Setup(Level.Trial)
  public void checkSameItems() {
    ExecutorService pool = Executors.newFixedThreadPool(2, task -> {
      Thread thread = new Thread(task, "peers-check");
      thread.setDaemon(true);
      return thread;
    });
    try {
      List<Integer> baton = Collections.synchronizedList(new ArrayList<>());
      batonBounded(pool, baton::add);
      List<Integer> kotlinx = Collections.synchronizedList(new ArrayList<>());
      KotlinxRuns.channel(
          capacity, ExecutorsKt.from(pool), pairs, ITEMS / pairs, ITEM, kotlinx::add);
      checkTaken("batonBounded", baton);
      checkTaken("kotlinxChannel", kotlinx);
    } finally {
      pool.shutdownNow();
    }
  }

  private static void checkTaken(String side, List<Integer> taken) {
    long others = taken.stream().filter(item -> item != ITEM).count();
    if (taken.size() != ITEMS || others != 0) {
      throw new IllegalStateException(side + ": " + taken.size() + " items taken, " + others
          + " of them not the item the other side moves (" + ITEM + "), e.g. "
          + taken.stream().filter(item -> item != ITEM).limit(3).toList());
    }
  }

  /** {@link #pairs} producer and consumer chains on {@code executor}; each item goes to taken. */
  private void batonBounded(Executor executor, Consumer<Integer> taken) {
    AsyncQueue<Integer> queue = AsyncQueue.bounded(capacity);
    Chain<?>[] chains = new Chain<?>[2 * pairs];
    for (int i = 0; i < pairs; i++) {
      chains[2 * i] = new Chain<>(ITEMS / pairs, () -> queue.put(ITEM), done -> { }, executor);
      chains[2 * i + 1] = new Chain<>(ITEMS / pairs, queue::take, taken, executor);
    }
    Chain.runAll(executor, chains);
  }
}
