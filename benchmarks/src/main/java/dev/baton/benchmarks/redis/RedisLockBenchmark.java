package dev.baton.benchmarks.redis;

import dev.baton.AsyncLock;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.redisson.api.RLock;

/**
 * Uncontended acquire+release of a lock in Redis, per second: Baton's Redis {@link AsyncLock}
 * against Redisson's {@link RLock}, both on one local {@code redis-server} that each trial starts
 * for itself (see {@link LockClients} for how both are set up alike).
 *
 * <p>Every thread has a lock of its own (a key nobody else uses), so nothing ever waits for
 * another holder. With one thread the score is the latency of one acquire+release; with eight,
 * how many the client library and Redis complete side by side (Baton sends every command over
 * its one connection, Redisson over a pool).
 *
 * <p>Baton's {@code release()} is asynchronous: it sends its RELEASE script and returns. The
 * next operation's ACQUIRE follows on the same connection, so Redis runs it after the RELEASE,
 * and an operation completes only once Redis has run both of its own scripts; the release's
 * reply is just not waited for. Redisson's {@code unlock()} waits for its reply, and so does
 * {@code unlockAsync().join()}: two awaited round trips per operation.
 * {@code redissonUnlockNotAwaited} is the like-for-like baseline for Baton's release: it sends
 * Redisson's {@code unlockAsync()} and does not wait for it, so, as for Baton, only the acquire's
 * round trip is awaited (Redisson's next {@code lock()} may go out on another pooled connection,
 * so Redis need not run it after the unlock; the key is the thread's own, so it cannot wait for
 * it either way: Redisson's lock is reentrant for its own thread).
 *
 * <p>Target from issue 12: {@code baton} at least as fast as {@code redisson}; RESULTS.md gives
 * it against both {@code redisson} and {@code redissonUnlockNotAwaited}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 3, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@State(Scope.Benchmark)
public class RedisLockBenchmark {

  private static final AtomicInteger KEYS = new AtomicInteger();

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

  /** One thread's own lock, under a key no other thread uses, in both libraries. */
  @State(Scope.Thread)
  public static class OwnLock {

    AsyncLock baton;
    RLock redisson;

    @Setup(Level.Trial)
    public void open(RedisLockBenchmark benchmark) {
      String name = "lock-" + KEYS.incrementAndGet();
      baton = benchmark.clients.baton.lock(name);
      redisson = benchmark.clients.redisson.getLock(name);
    }
  }

  @Benchmark
  @Threads(1)
  public void baton(OwnLock lock) {
    lock.baton.acquire().join().release();
  }

  @Benchmark
  @Threads(1)
  public void redisson(OwnLock lock) {
    lock.redisson.lock();
    lock.redisson.unlock();
  }

  @Benchmark
  @Threads(1)
  public void redissonAsync(OwnLock lock) {
    lock.redisson.lockAsync().toCompletableFuture().join();
    lock.redisson.unlockAsync().toCompletableFuture().join();
  }

  /** Redisson's unlock sent and not waited for, as Baton's release is: like for like. */
  @Benchmark
  @Threads(1)
  public void redissonUnlockNotAwaited(OwnLock lock) {
    lock.redisson.lock();
    lock.redisson.unlockAsync();
  }

  @Benchmark
  @Threads(8)
  public void baton8Threads(OwnLock lock) {
    baton(lock);
  }

  @Benchmark
  @Threads(8)
  public void redisson8Threads(OwnLock lock) {
    redisson(lock);
  }

  @Benchmark
  @Threads(8)
  public void redissonAsync8Threads(OwnLock lock) {
    redissonAsync(lock);
  }
}
