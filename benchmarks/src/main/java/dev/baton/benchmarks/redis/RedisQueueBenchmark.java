package dev.baton.benchmarks.redis;

import dev.baton.AsyncQueue;
import dev.baton.redis.ItemCodec;
import dev.baton.redis.QueueSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;
import org.redisson.api.RBlockingQueue;
import org.redisson.api.RBoundedBlockingQueue;
import org.redisson.client.codec.StringCodec;

/**
 * Queue put+take pairs per second on Redis: Baton's Redis {@link AsyncQueue} against Redisson's
 * {@link RBlockingQueue}, both on one local {@code redis-server} that each trial starts for itself,
 * with both clients connected to it throughout (see {@link LockClients} for how both are set up
 * alike). One operation is one item put and that item taken; every item is the same 32-byte
 * string, stored as is by both (Baton's {@link ItemCodec#strings()}, Redisson's
 * {@link StringCodec}).
 *
 * <ul>
 *   <li>{@code *Round}: one thread puts an item, waits, takes it, waits. The score is the latency
 *       of a put plus a take; the take always finds the item (nothing waits in Redis).
 *   <li>{@code *Pipelined}: one thread sends {@value #BATCH} puts without waiting, then
 *       {@value #BATCH} takes without waiting, then waits for all of them: a producer and a
 *       consumer with that many calls in flight each. Baton pipelines them on its one command
 *       connection, Redisson spreads them over its connection pool (each take, a {@code BLPOP},
 *       holds a connection until it returns).
 *   <li>{@code *Bounded*}: the same round on a queue of capacity {@value #CAPACITY} (Baton's
 *       {@link QueueSpec#fifo(int)}, Redisson's {@link RBoundedBlockingQueue}); it never fills,
 *       so this is what keeping the bound costs. Redisson 4.7.0 deprecates its bounded queue
 *       (and logs an error when one is made), and it stores items with Redisson's default codec
 *       (Kryo), since with {@link StringCodec} its take fails to decode them.
 * </ul>
 *
 * <p>Baton's {@code take()} completes once its TAKE script's reply hands it the item, and then
 * acknowledges the item with one more script, not waited for: an item stays in Redis until the
 * taker's JVM has it. Redisson's {@code offer} is an {@code RPUSH}, its {@code take} a
 * {@code BLPOP}. No variant calls {@link AsyncQueue#taskDone()}, which Redisson has no
 * counterpart of, so Baton's count of unfinished tasks grows by one per operation: a counter in
 * Redis, not an item.
 *
 * <p>Every take is checked to return the item put, and every iteration ends with as many items
 * taken as put and both queues empty in Redis (checked there), so no iteration leaves work for
 * the next. An item left over although every item put was taken is a put queued twice, which
 * fails the run (this check caught the renewal race that 67b5049 fixed: see the queue section of
 * {@code benchmarks/RESULTS.md}).
 *
 * <p>Target from issue 13: none; for the record.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Threads(1)
@State(Scope.Benchmark)
public class RedisQueueBenchmark {

  /** The one item every put adds: 32 bytes in UTF-8. */
  static final String ITEM = "baton-redis-queue-benchmark-item";
  /** Puts (and takes) in flight at once in the pipelined variants. */
  static final int BATCH = 32;
  /** The capacity of the bounded queues. */
  static final int CAPACITY = 100;

  private RedisServerProcess server;
  private LockClients clients;

  @Setup(Level.Trial)
  public void start() throws Exception {
    server = RedisServerProcess.start();
    clients = LockClients.open(server.port());
  }

  @TearDown(Level.Trial)
  public void stop() throws Exception {
    clients.close();
    server.close();
  }

  /**
   * One Baton queue and one Redisson queue of the same shape, under names nobody else uses, and
   * the items put and taken in the current iteration; each iteration must end with as many taken
   * as put and both queues empty.
   */
  public abstract static class QueuePair {

    AsyncQueue<String> baton;
    RBlockingQueue<String> redisson;
    long put;
    long taken;

    @TearDown(Level.Iteration)
    public void check() {
      if (taken != put) {
        throw new IllegalStateException(put + " items put and " + taken + " taken");
      }
      Queues.requireEmpty(baton, redisson);
      put = 0;
      taken = 0;
    }
  }

  /** Unbounded queues. */
  @State(Scope.Thread)
  public static class Unbounded extends QueuePair {

    @Setup(Level.Trial)
    public void open(RedisQueueBenchmark benchmark) {
      baton = benchmark.clients.baton.queue("queue-unbounded", QueueSpec.fifo(Integer.MAX_VALUE),
          ItemCodec.strings());
      redisson = benchmark.clients.redisson.getBlockingQueue("queue-unbounded",
          StringCodec.INSTANCE);
      Queues.requireEmpty(baton, redisson);
    }
  }

  /** Queues of capacity {@link #CAPACITY}. */
  @State(Scope.Thread)
  public static class Bounded extends QueuePair {

    @Setup(Level.Trial)
    public void open(RedisQueueBenchmark benchmark) {
      baton = benchmark.clients.baton.queue("queue-bounded", QueueSpec.fifo(CAPACITY),
          ItemCodec.strings());
      // Redisson's default codec: with StringCodec its take decodes with the default codec
      // anyway and fails (4.7.0's RedissonBoundedBlockingQueue builds its inner queue without
      // the codec it was given).
      RBoundedBlockingQueue<String> bounded =
          benchmark.clients.redisson.getBoundedBlockingQueue("queue-bounded");
      if (!bounded.trySetCapacity(CAPACITY)) {
        throw new IllegalStateException("Redisson's bounded queue had a capacity already");
      }
      redisson = bounded;
      Queues.requireEmpty(baton, redisson);
    }
  }

  // ---- put, then take, one at a time ----

  @Benchmark
  public void batonRound(Unbounded queue, Blackhole items) {
    batonRoundOn(queue, items);
  }

  @Benchmark
  public void redissonAsyncRound(Unbounded queue, Blackhole items) {
    redissonAsyncRoundOn(queue, items);
  }

  @Benchmark
  public void redissonRound(Unbounded queue, Blackhole items) throws InterruptedException {
    queue.redisson.put(ITEM);
    queue.put++;
    queue.taken += taken(queue.redisson.take(), items);
  }

  // ---- BATCH puts and BATCH takes in flight ----

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void batonPipelined(Unbounded queue, Blackhole items) {
    List<CompletableFuture<Void>> puts = Queues.times(BATCH, () -> queue.baton.put(ITEM));
    queue.put += BATCH;
    List<CompletableFuture<String>> takes = Queues.times(BATCH, queue.baton::take);
    for (CompletableFuture<String> take : takes) {
      queue.taken += taken(take.join(), items);
    }
    puts.forEach(CompletableFuture::join);
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void redissonAsyncPipelined(Unbounded queue, Blackhole items) {
    List<CompletableFuture<Boolean>> puts =
        Queues.times(BATCH, () -> queue.redisson.offerAsync(ITEM).toCompletableFuture());
    queue.put += BATCH;
    List<CompletableFuture<String>> takes =
        Queues.times(BATCH, () -> queue.redisson.takeAsync().toCompletableFuture());
    for (CompletableFuture<String> take : takes) {
      queue.taken += taken(take.join(), items);
    }
    puts.forEach(put -> Queues.offered(put.join()));
  }

  // ---- put, then take, on a bounded queue ----

  @Benchmark
  public void batonBoundedRound(Bounded queue, Blackhole items) {
    batonRoundOn(queue, items);
  }

  @Benchmark
  public void redissonBoundedAsyncRound(Bounded queue, Blackhole items) {
    redissonAsyncRoundOn(queue, items);
  }

  /** One Baton put, then one take, each waited for. */
  private static void batonRoundOn(QueuePair queue, Blackhole items) {
    queue.baton.put(ITEM).join();
    queue.put++;
    queue.taken += taken(queue.baton.take().join(), items);
  }

  /** One Redisson {@code offerAsync}, then one {@code takeAsync}, each waited for. */
  private static void redissonAsyncRoundOn(QueuePair queue, Blackhole items) {
    Queues.offered(queue.redisson.offerAsync(ITEM).toCompletableFuture().join());
    queue.put++;
    queue.taken += taken(queue.redisson.takeAsync().toCompletableFuture().join(), items);
  }

  /** 1 for the item put, after handing it to the blackhole; fails for anything else. */
  private static int taken(String item, Blackhole items) {
    if (!ITEM.equals(item)) {
      throw new IllegalStateException("a take returned " + item + " instead of the item put");
    }
    items.consume(item);
    return 1;
  }

  /** Checks shared by the states and benchmarks. */
  private static final class Queues {

    private Queues() {}

    static void requireEmpty(AsyncQueue<String> baton, RBlockingQueue<String> redisson) {
      if (baton.size() != 0 || baton.takers() != 0 || baton.putters() != 0) {
        throw new IllegalStateException("Baton's queue is not empty in Redis: " + baton.size()
            + " items (after every item put was taken: a put queued twice), " + baton.takers()
            + " takes and " + baton.putters() + " puts waiting");
      }
      if (redisson.size() != 0) {
        throw new IllegalStateException("Redisson's queue is not empty in Redis: "
            + redisson.size() + " items");
      }
    }

    static void offered(boolean added) {
      if (!added) {
        throw new IllegalStateException("Redisson refused an item");
      }
    }

    static <F> List<F> times(int n, Supplier<F> call) {
      List<F> futures = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        futures.add(call.get());
      }
      return futures;
    }
  }
}
