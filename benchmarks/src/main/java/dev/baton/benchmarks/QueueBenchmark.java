package dev.baton.benchmarks;

import dev.baton.AsyncQueue;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Control;

/**
 * One producer thread and one consumer thread through one queue: each JMH group below is a pair
 * of methods run side by side, one thread each. Baton's queues wait with {@code join()} on the
 * future of {@code put} or {@code take}; the {@code ...OfferPoll} groups spin on the non-waiting
 * {@code offer} and {@code poll} instead.
 *
 * <p>JMH reports each group's score as put and take rates added together, and each method's rate
 * as a secondary result. The take rate is the number of items that went through. For unbounded
 * queues the producer may run ahead of the consumer (the put rate is then higher than the take
 * rate and the backlog grows); fresh queues every iteration keep that backlog to one iteration's
 * worth.
 *
 * <p>Ending an iteration without deadlock: JMH keeps calling both methods until both threads
 * have left their measured loop ("synchronized iterations"), and once the iteration's time is up
 * ({@link Control#stopMeasurement}, one flag for all threads) every call switches to the
 * non-waiting {@code offer} and {@code poll}. A wait that began before the flag is ended by the
 * other thread, which keeps putting or taking until both threads are out; so both leave the
 * iteration with no wait pending. The baselines use the same scheme, so the extra volatile read
 * is in every score.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 3, jvmArgsAppend = {"-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch"})
@State(Scope.Group)
public class QueueBenchmark {

  /** Capacity of every bounded queue. */
  static final int CAPACITY = 1024;
  private static final Integer ITEM = 42;

  private AsyncQueue<Integer> asyncBounded;
  private AsyncQueue<Integer> asyncUnbounded;
  private BlockingQueue<Integer> arrayBlocking;
  private BlockingQueue<Integer> linkedBlocking;

  /** New, empty queues each iteration: no wait is pending between iterations (see above). */
  @Setup(Level.Iteration)
  public void newQueues() {
    asyncBounded = AsyncQueue.bounded(CAPACITY);
    asyncUnbounded = AsyncQueue.unbounded();
    arrayBlocking = new ArrayBlockingQueue<>(CAPACITY);
    linkedBlocking = new LinkedBlockingQueue<>();
  }

  // ---- AsyncQueue.bounded(1024): put(x).join() / take().join()

  @Benchmark
  @Group("asyncBoundedPutTake")
  @GroupThreads(1)
  public void asyncBoundedPut(Control control) {
    put(asyncBounded, control);
  }

  @Benchmark
  @Group("asyncBoundedPutTake")
  @GroupThreads(1)
  public Integer asyncBoundedTake(Control control) {
    return take(asyncBounded, control);
  }

  // ---- AsyncQueue.unbounded(): put(x).join() / take().join()

  @Benchmark
  @Group("asyncUnboundedPutTake")
  @GroupThreads(1)
  public void asyncUnboundedPut(Control control) {
    put(asyncUnbounded, control);
  }

  @Benchmark
  @Group("asyncUnboundedPutTake")
  @GroupThreads(1)
  public Integer asyncUnboundedTake(Control control) {
    return take(asyncUnbounded, control);
  }

  // ---- AsyncQueue.bounded(1024): offer / poll, spinning until they succeed

  @Benchmark
  @Group("asyncBoundedOfferPoll")
  @GroupThreads(1)
  public boolean asyncBoundedOffer(Control control) {
    return offer(asyncBounded, control);
  }

  @Benchmark
  @Group("asyncBoundedOfferPoll")
  @GroupThreads(1)
  public Integer asyncBoundedPoll(Control control) {
    return poll(asyncBounded, control);
  }

  // ---- AsyncQueue.unbounded(): offer / poll, spinning until they succeed

  @Benchmark
  @Group("asyncUnboundedOfferPoll")
  @GroupThreads(1)
  public boolean asyncUnboundedOffer(Control control) {
    return offer(asyncUnbounded, control);
  }

  @Benchmark
  @Group("asyncUnboundedOfferPoll")
  @GroupThreads(1)
  public Integer asyncUnboundedPoll(Control control) {
    return poll(asyncUnbounded, control);
  }

  // ---- ArrayBlockingQueue(1024): put / take

  @Benchmark
  @Group("arrayBlockingPutTake")
  @GroupThreads(1)
  public void arrayBlockingPut(Control control) throws InterruptedException {
    put(arrayBlocking, control);
  }

  @Benchmark
  @Group("arrayBlockingPutTake")
  @GroupThreads(1)
  public Integer arrayBlockingTake(Control control) throws InterruptedException {
    return take(arrayBlocking, control);
  }

  // ---- LinkedBlockingQueue(): put / take

  @Benchmark
  @Group("linkedBlockingPutTake")
  @GroupThreads(1)
  public void linkedBlockingPut(Control control) throws InterruptedException {
    put(linkedBlocking, control);
  }

  @Benchmark
  @Group("linkedBlockingPutTake")
  @GroupThreads(1)
  public Integer linkedBlockingTake(Control control) throws InterruptedException {
    return take(linkedBlocking, control);
  }

  // ---- ArrayBlockingQueue(1024): offer / poll, spinning until they succeed

  @Benchmark
  @Group("arrayBlockingOfferPoll")
  @GroupThreads(1)
  public boolean arrayBlockingOffer(Control control) {
    return offer(arrayBlocking, control);
  }

  @Benchmark
  @Group("arrayBlockingOfferPoll")
  @GroupThreads(1)
  public Integer arrayBlockingPoll(Control control) {
    return poll(arrayBlocking, control);
  }

  // ---- LinkedBlockingQueue(): offer / poll, spinning until they succeed

  @Benchmark
  @Group("linkedBlockingOfferPoll")
  @GroupThreads(1)
  public boolean linkedBlockingOffer(Control control) {
    return offer(linkedBlocking, control);
  }

  @Benchmark
  @Group("linkedBlockingOfferPoll")
  @GroupThreads(1)
  public Integer linkedBlockingPoll(Control control) {
    return poll(linkedBlocking, control);
  }

  // ---- The four ways to move an item; each stops waiting once this thread's measurement stops.

  private static void put(AsyncQueue<Integer> queue, Control control) {
    if (control.stopMeasurement) {
      queue.offer(ITEM);
      return;
    }
    queue.put(ITEM).join();
  }

  private static Integer take(AsyncQueue<Integer> queue, Control control) {
    if (control.stopMeasurement) {
      return queue.poll();
    }
    return queue.take().join();
  }

  private static void put(BlockingQueue<Integer> queue, Control control)
      throws InterruptedException {
    if (control.stopMeasurement) {
      queue.offer(ITEM);
      return;
    }
    queue.put(ITEM);
  }

  private static Integer take(BlockingQueue<Integer> queue, Control control)
      throws InterruptedException {
    if (control.stopMeasurement) {
      return queue.poll();
    }
    return queue.take();
  }

  private static boolean offer(AsyncQueue<Integer> queue, Control control) {
    while (!queue.offer(ITEM)) {
      if (control.stopMeasurement) {
        return false;
      }
      Thread.onSpinWait();
    }
    return true;
  }

  private static Integer poll(AsyncQueue<Integer> queue, Control control) {
    Integer item;
    while ((item = queue.poll()) == null) {
      if (control.stopMeasurement) {
        return null;
      }
      Thread.onSpinWait();
    }
    return item;
  }

  private static boolean offer(BlockingQueue<Integer> queue, Control control) {
    while (!queue.offer(ITEM)) {
      if (control.stopMeasurement) {
        return false;
      }
      Thread.onSpinWait();
    }
    return true;
  }

  private static Integer poll(BlockingQueue<Integer> queue, Control control) {
    Integer item;
    while ((item = queue.poll()) == null) {
      if (control.stopMeasurement) {
        return null;
      }
      Thread.onSpinWait();
    }
    return item;
  }
}
