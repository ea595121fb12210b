package dev.baton.benchmarks;

import dev.baton.AsyncQueue;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Control;

/**
 * One producer thread and one consumer thread through one queue: each JMH group below is a pair
 * of methods run side by side, one thread each. Baton's queues wait with {@code join()} on the
 * future of {@code put} or {@code take}; the {@code ...OfferPoll} groups spin on the non-waiting
 * {@code offer} and {@code poll} instead.
 *
 * <p>JMH reports each group's score as put and take rates added together, and each method's rate
 * as a secondary result. The take rate is the number of items that went through.
 *
 * <p>Unbounded queues: left alone, the producer runs ahead of the consumer (a put never waits),
 * millions of items pile up in an iteration, the consumer never finds the queue empty, and the
 * group score adds puts that no take matched. So the producer of an unbounded queue, Baton's and
 * {@link LinkedBlockingQueue} alike, holds the backlog to {@link #BACKLOG} items: every
 * {@link #BATCH} puts it compares its count with the consumer's (published every {@code BATCH}
 * takes) and yields while it is more than {@code BACKLOG} ahead. Puts and takes then run at the
 * same rate, within {@code BACKLOG + BATCH} items per iteration, so the score is twice the rate
 * of items moved, as for the bounded queues; a tear-down fails the trial if more than that is
 * left queued (puts less takes, the queue being new each iteration).
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
  /**
   * Most items an unbounded queue's producer lets the consumer fall behind (see above): enough
   * that the consumer does not empty the queue while the producer is off its core.
   */
  static final int BACKLOG = 1 << 16;
  /** Puts between two looks at the consumer's count, and takes between two publications of it. */
  static final int BATCH = 64;
  private static final Integer ITEM = 42;

  /** Takes from the unbounded queues this iteration, published every {@link #BATCH} takes. */
  private final AtomicLong taken = new AtomicLong();

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
    taken.set(0);
  }

  /**
   * Fails the trial if an unbounded queue was left with more than {@code BACKLOG + BATCH} items:
   * then puts and takes did not balance, and the score would count puts no take matched.
   */
  @TearDown(Level.Iteration)
  public void checkBacklog() {
    checkBacklog("AsyncQueue.unbounded()", asyncUnbounded.size());
    checkBacklog("LinkedBlockingQueue", linkedBlocking.size());
  }

  private static void checkBacklog(String queue, int left) {
    if (left > BACKLOG + BATCH) {
      throw new IllegalStateException(queue + " was left with " + left + " items (more than "
          + (BACKLOG + BATCH) + "): its producer ran ahead, so puts and takes did not balance");
    }
  }

  /** This thread's count of items put, or taken, in the iteration (unbounded queues only). */
  @State(Scope.Thread)
  public static class Count {
    long items;

    @Setup(Level.Iteration)
    public void reset() {
      items = 0;
    }
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
  public void asyncUnboundedPut(Control control, Count puts) {
    if (roomFor(puts, control)) {
      put(asyncUnbounded, control);
    }
  }

  @Benchmark
  @Group("asyncUnboundedPutTake")
  @GroupThreads(1)
  public Integer asyncUnboundedTake(Control control, Count takes) {
    return counted(take(asyncUnbounded, control), takes);
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
  public boolean asyncUnboundedOffer(Control control, Count puts) {
    return roomFor(puts, control) && offer(asyncUnbounded, control);
  }

  @Benchmark
  @Group("asyncUnboundedOfferPoll")
  @GroupThreads(1)
  public Integer asyncUnboundedPoll(Control control, Count takes) {
    return counted(poll(asyncUnbounded, control), takes);
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
  public void linkedBlockingPut(Control control, Count puts) throws InterruptedException {
    if (roomFor(puts, control)) {
      put(linkedBlocking, control);
    }
  }

  @Benchmark
  @Group("linkedBlockingPutTake")
  @GroupThreads(1)
  public Integer linkedBlockingTake(Control control, Count takes)
      throws InterruptedException {
    return counted(take(linkedBlocking, control), takes);
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
  public boolean linkedBlockingOffer(Control control, Count puts) {
    return roomFor(puts, control) && offer(linkedBlocking, control);
  }

  @Benchmark
  @Group("linkedBlockingOfferPoll")
  @GroupThreads(1)
  public Integer linkedBlockingPoll(Control control, Count takes) {
    return counted(poll(linkedBlocking, control), takes);
  }

  // ---- The unbounded queues' backlog bound (see the class comment), the same for both.

  /**
   * Counts one put; every {@link #BATCH} puts, waits while the consumer is more than
   * {@link #BACKLOG} items behind, yielding its core (the consumer is the one with work to do,
   * and on a busy machine may need this core to do it). False (put nothing) if the measurement
   * stopped meanwhile.
   */
  private boolean roomFor(Count puts, Control control) {
    if ((++puts.items & (BATCH - 1)) != 0) {
      return true;
    }
    while (puts.items - taken.getAcquire() > BACKLOG) {
      if (control.stopMeasurement) {
        puts.items--;
        return false;
      }
      Thread.yield();
    }
    return true;
  }

  /** Counts a taken item and publishes the count every {@link #BATCH} items. */
  private Integer counted(Integer item, Count takes) {
    if (item != null && (++takes.items & (BATCH - 1)) == 0) {
      taken.setRelease(takes.items);
    }
    return item;
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
