package dev.baton.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.baton.AcquireTimeoutException;
import dev.baton.AsyncLock;
import dev.baton.Permit;
import io.lettuce.core.RedisURI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/**
 * A backend connected through Sentinel follows a failover ({@code SENTINEL FAILOVER}, the usual
 * maintenance path) as soon as Sentinel has promoted a replica and names it to clients, not when
 * Sentinel ends the failover ({@code +switch-master}, once the other replicas follow) nor when it
 * demotes the old master (some ten seconds on): its held permits are renewed on the new master,
 * a wait the new master lacks is queued there again, it writes nothing more to the old one, and a
 * backend that connects meanwhile, reaching the new master, cannot hold the same lock at once. A
 * closed backend leaves no connection on Sentinel.
 */
class RedisSentinelSwitchTest {

  /**
   * Long enough that the grant copied to the replicas outlives the failover (about a second)
   * and the reconnect on a loaded machine: a 2 s lease ran out on the new master before the first
   * renewal reached it in a CI run with benchmarks beside it, and a 5 s one once in a quiet CI
   * run (the renewal after the reconnect found the permit gone). An 8 s one failed once too, in
   * CI, when the fresh backend was granted 'before': the steps are checked one by one since.
   */
  static final Duration LEASE = Duration.ofSeconds(8);
  static final RedisBackendOptions OPTIONS = RedisBackendOptions.DEFAULTS.withLease(LEASE)
      .withCommandTimeout(Duration.ofSeconds(1));
  static final Duration PATIENCE = Duration.ofSeconds(20);

  @Test
  void backendsOnBothSidesOfASentinelFailoverNeverHoldTheSameLockAtOnce() throws Exception {
    try (RedisServer master = RedisServer.startedAhead();
        RedisServer replica = replicaOf(master);
        // Reconfiguring it delays +switch-master by a second or more after the promotion.
        RedisServer another = replicaOf(master)) {
      // Started once the replicas are attached, Sentinel finds them with its first INFO.
      await().atMost(PATIENCE).until(() -> attached(replica) && attached(another));
      try (RedisServer sentinel = RedisServer.startSentinel(master, "orders")) {
        RedisURI uri = RedisURI.Builder.sentinel("127.0.0.1", sentinel.port(), "orders")
            .withTimeout(Duration.ofSeconds(1)).build();
        try (RedisBackend old = RedisBackend.connect(uri, OPTIONS)) {
          await().atMost(PATIENCE).until(() -> !old.isQuarantined());
          Permit before = old.lock("before").acquire().get(5, TimeUnit.SECONDS);
          CompletableFuture<Permit> behind = old.lock("before").acquire();
          await().atMost(PATIENCE).until(() -> !waiters(master, "before").isEmpty());
          assertThat(master.cli("WAIT", "2", "2000")).isEqualTo("2");
          // The backend hears Sentinel's announcements once its subscription is in place (a
          // failover before that is read from Sentinel when it connects): wait for it, so that
          // what is tested is following an announcement, not how soon after connect() it listens.
          await("the backend subscribed to Sentinel").atMost(PATIENCE)
              .until(() -> sentinel.cli("CLIENT", "LIST").contains("flags=P"));

          await().atMost(PATIENCE).pollInterval(Duration.ofMillis(100)).until(() ->
              sentinel.cli("SENTINEL", "FAILOVER", "orders").equals("OK"));
          String promotedPort = await().atMost(PATIENCE).pollInterval(Duration.ofMillis(50))
              .until(() -> sentinel.cli("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "orders")
                  .lines().skip(1).findFirst().orElse(""),
                  port -> !port.isEmpty() && !port.equals(Integer.toString(master.port())));
          RedisServer promoted =
              Integer.toString(replica.port()).equals(promotedPort) ? replica : another;
          assertThat(master.cli("ROLE")).as("the old master, not demoted yet").startsWith("master");
          // Refused while the backend reconnects; then granted, by the new master.
          AsyncLock afterLock = old.lock("after");
          Permit after = await().atMost(PATIENCE).until(() -> acquired(afterLock),
              Objects::nonNull);
          // Each step checked where it happens, so that a failure says which one broke. The
          // promoted replica started with this test and may still be in its restart quarantine,
          // where it refuses every grant: the fresh backend's refusal below would then prove
          // nothing, so what the new master holds is read from it.
          assertNothingWrittenTo(master);
          assertThat(leaseLeft(promoted, "after")).as("the new master holds 'after'").isPositive();
          assertThat(leaseLeft(promoted, "before"))
              .as("the new master's copy of 'before', copied before the promotion").isPositive();
          // A wait the new master lacks (as one queued on the old master after the promotion
          // would be; here deleted from the new one) is queued there again by a renewal.
          List<String> copied = waiters(promoted, "before");
          assertThat(copied).as("the wait copied to the new master").hasSize(1);
          String waiter = copied.get(0);
          promoted.cli("EVAL", "redis.call('ZREM', KEYS[1], ARGV[1])"
              + " return redis.call('ZREM', KEYS[2], ARGV[1])", "2",
              lockKey("before", "waiters"), lockKey("before", "alive"), waiter);
          await("the wait queued again on the new master").atMost(LEASE)
              .until(() -> waiters(promoted, "before").contains(waiter));

          try (RedisBackend fresh = RedisBackend.connect(uri, OPTIONS)) {
            assertThat(fresh.lock("after").acquire(Duration.ofMillis(500)))
                .as("a lock acquired after the promotion, granted twice")
                .failsWithin(Duration.ofSeconds(5)).withThrowableOfType(ExecutionException.class)
                .withCauseInstanceOf(AcquireTimeoutException.class);
            // Longer than a lease: the new master's copy of the grant is renewed, not expired.
            assertThat(fresh.lock("before").acquire(LEASE.plusMillis(500)))
                .as(() -> "a lock acquired before the promotion, granted twice (the old backend"
                    + " lost " + old.lostLeases() + " leases; its permit "
                    + (((RedisPermit) before).isLost() ? "lost" : "not lost") + ")")
                .failsWithin(LEASE.plusSeconds(5)).withThrowableOfType(ExecutionException.class)
                .withCauseInstanceOf(AcquireTimeoutException.class);
          }
          assertNothingWrittenTo(master);
          assertThat(before.isReleased()).isFalse();
          assertThat(after.isReleased()).isFalse();
          assertThat(old.lostLeases()).isZero();
          after.release();
          before.release();
          assertThat(behind).as("the wait queued again, granted by the new master")
              .succeedsWithin(Duration.ofSeconds(5)).satisfies(Permit::release);
        }
        await().atMost(PATIENCE).untilAsserted(() -> assertThat(sentinel.cli("CLIENT", "LIST"))
            .as("subscribers left on Sentinel by closed backends").doesNotContain("flags=P"));
      }
    }
  }

  private static RedisServer replicaOf(RedisServer master) {
    return RedisServer.start("--replicaof", "127.0.0.1", Integer.toString(master.port()));
  }

  private static boolean attached(RedisServer replica) {
    return replica.cli("INFO", "replication").contains("master_link_status:up");
  }

  /** Asserts that {@code oldMaster} got no write of 'after', which was first taken after it. */
  private static void assertNothingWrittenTo(RedisServer oldMaster) {
    assertThat(oldMaster.keys()).as("written to the old master after the promotion")
        .noneMatch(key -> key.contains("lock:after"));
  }

  /** The ids waiting for lock {@code name} on {@code server}, first in line first. */
  private static List<String> waiters(RedisServer server, String name) {
    String ids = server.cli("ZRANGE", lockKey(name, "waiters"), "0", "-1");
    return ids.isEmpty() ? List.of() : ids.lines().toList();
  }

  /**
   * How long the lease of lock {@code name}'s holder on {@code server} lasts from now, by the
   * server's clock (ms); -1 when nobody holds it there.
   */
  private static long leaseLeft(RedisServer server, String name) {
    List<String> holder = server.cli("ZRANGE", lockKey(name, "holders"), "0", "0",
        "WITHSCORES").lines().toList();
    if (holder.size() < 2) {
      return -1;
    }
    return Long.parseLong(holder.get(1)) - server.timeMicros() / 1000;
  }

  /** The key {@code part} of lock {@code name}, under the default prefix. */
  private static String lockKey(String name, String part) {
    return "{baton:lock:" + name + "}:" + part;
  }

  /** The permit {@code lock} grants within a second, or null if the call failed. */
  private static Permit acquired(AsyncLock lock) throws InterruptedException {
    try {
      return lock.acquire(Duration.ofSeconds(1)).get(5, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      return null;
    }
  }
}
