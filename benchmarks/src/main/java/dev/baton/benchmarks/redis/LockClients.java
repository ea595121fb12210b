package dev.baton.benchmarks.redis;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import dev.baton.redis.RedisBackend;
import dev.baton.redis.RedisBackendOptions;
import io.lettuce.core.RedisURI;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;
import org.slf4j.LoggerFactory;

/**
 * Baton's Redis backend and a Redisson client connected to the same Redis, set up alike, for the
 * lock benchmarks and the queue ones: Baton's lease and Redisson's lock watchdog both
 * {@link #LEASE} (each renews every third of it), every other setting left at its default.
 * Opening waits out Baton's restart quarantine (nothing is granted during the first lease after
 * {@code redis-server} starts).
 */
final class LockClients implements AutoCloseable {

  /**
   * Baton's lease and Redisson's watchdog timeout: short, because the restart quarantine makes
   * every fresh server wait that long, and quick runs start a server per trial.
   */
  static final Duration LEASE = Duration.ofSeconds(1);

  final RedisBackend baton;
  final RedissonClient redisson;

  private LockClients(RedisBackend baton, RedissonClient redisson) {
    this.baton = baton;
    this.redisson = redisson;
  }

  static LockClients open(int port) throws InterruptedException {
    // Logback without a configuration file logs at DEBUG, and Lettuce, Redisson and Netty log
    // every command there: that would be what the benchmarks measure.
    ((Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).setLevel(Level.INFO);
    RedisBackend baton = RedisBackend.connect(RedisURI.create("127.0.0.1", port),
        RedisBackendOptions.DEFAULTS.withLease(LEASE).withKeyPrefix("bench"));
    Config config = new Config().setLockWatchdogTimeout(LEASE.toMillis());
    config.useSingleServer().setAddress("redis://127.0.0.1:" + port);
    LockClients clients = new LockClients(baton, Redisson.create(config));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10) + LEASE.toNanos();
    while (baton.isQuarantined()) {
      if (System.nanoTime() > deadline) {
        clients.close();
        throw new IllegalStateException("Redis stayed in Baton's restart quarantine");
      }
      Thread.sleep(50);
    }
    return clients;
  }

  @Override
  public void close() {
    redisson.shutdown();
    baton.close();
  }
}
