package dev.baton.redis;

import static org.awaitility.Awaitility.await;

import io.lettuce.core.RedisURI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A Redis Cluster after a failover: a primary died and its replica took over, so every slot is
 * served again, by the instances connected before it too, while the topology lists the dead
 * node (a failed primary without slots) until an operator makes the cluster forget it.
 */
class RedisClusterFailoverTest {

  static final RedisBackendOptions OPTIONS = RedisBackendOptions.DEFAULTS
      .withLease(Duration.ofSeconds(2)).withCommandTimeout(Duration.ofSeconds(2));
  static final Duration PATIENCE = Duration.ofSeconds(30);

  final List<RedisServer> nodes = new ArrayList<>();

  @AfterEach
  void stop() {
    nodes.forEach(RedisServer::close);
  }

  /**
   * An instance connected before the failover follows the topology to the promoted replica: a
   * lock on the dead primary's slots is granted again once the cluster is ok. Regression: the
   * client never refreshed its topology, so it rejected every command for those slots ("not
   * connected") for as long as it ran.
   *
   * <p>The library is loaded on the primaries that answer, the dead one passed over: an instance
   * connects after the failover and serves every slot, and a primary that then lost the library
   * (here by a {@code FUNCTION FLUSH}) has it loaded again by the first call there. Regression:
   * the load waited for every listed primary, so the connect failed with the dead node's
   * "connection refused", and so did a call that found the library missing.
   */
  @Test
  void instancesConnectedBeforeAndAfterAFailoverServeEverySlotPassingOverTheDeadPrimary()
      throws Exception {
    nodes.addAll(RedisServer.startCluster(3));
    RedisServer dying = nodes.get(2);
    RedisServer replica = RedisServer.startClusterNode();
    nodes.add(replica);
    replica.cli("CLUSTER", "MEET", "127.0.0.1", Integer.toString(nodes.get(0).port()));
    await().atMost(PATIENCE).until(() -> dying.cli("CLUSTER", "NODES").lines().count() == 4);
    // The replica learns of the other nodes by gossip after its MEET: until it knows this one,
    // REPLICATE answers "Unknown node".
    String dyingId = dying.cli("CLUSTER", "MYID");
    await().atMost(PATIENCE)
        .until(() -> "OK".equals(replica.cli("CLUSTER", "REPLICATE", dyingId)));
    await().atMost(PATIENCE).until(() -> replica.cli("INFO", "replication")
        .contains("master_link_status:up"));
    String moving = dying.lockNameServedHere();
    try (RedisBackend early = RedisBackend.connectCluster(
        List.of(nodes.get(0).uri(), nodes.get(1).uri()), OPTIONS)) {
      await().atMost(PATIENCE).until(() -> !early.isQuarantined());
      early.lock(moving).acquire().get(5, TimeUnit.SECONDS).release();
      dying.stop();
      await().atMost(PATIENCE).until(() -> replica.cli("INFO", "replication")
          .contains("role:master") && nodes.get(0).cli("CLUSTER", "INFO")
          .contains("cluster_state:ok") && nodes.get(1).cli("CLUSTER", "INFO")
          .contains("cluster_state:ok"));
      List<RedisURI> seeds = List.of(nodes.get(0).uri(), nodes.get(1).uri(), replica.uri());
      try (RedisBackend late = RedisBackend.connectCluster(seeds, OPTIONS)) {
        for (String name : List.of("a", "b", "c", "d", "e", "f")) {
          late.lock(name).acquire().get(5, TimeUnit.SECONDS).release();
        }
        replica.cli("FUNCTION", "FLUSH");
        late.lock(replica.lockNameServedHere()).acquire().get(5, TimeUnit.SECONDS).release();
      }
      await().atMost(PATIENCE).ignoreExceptions().until(() -> {
        early.lock(moving).acquire(Duration.ofSeconds(2)).get(5, TimeUnit.SECONDS).release();
        return true;
      });
    }
  }
}
