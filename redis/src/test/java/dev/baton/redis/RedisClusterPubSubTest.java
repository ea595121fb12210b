package dev.baton.redis;

import static org.awaitility.Awaitility.await;

import dev.baton.AsyncEvent;
import dev.baton.AsyncLock;
import dev.baton.Permit;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A Redis Cluster whose node holding a backend's pub/sub connection hangs (here SIGSTOP: its
 * connections stay open and silent, as behind a lost network path).
 */
class RedisClusterPubSubTest {

  static final RedisBackendOptions OPTIONS = RedisBackendOptions.DEFAULTS
      .withLease(Duration.ofSeconds(3)).withCommandTimeout(Duration.ofSeconds(1))
      .withConnectTimeout(Duration.ofSeconds(1));

  final List<RedisServer> nodes = new ArrayList<>();

  @AfterEach
  void stop() {
    nodes.forEach(RedisServer::close);
  }

  /**
   * The backend subscribes again on another node within a renewal tick and a command timeout, so
   * that grants and wake-ups on the healthy nodes' slots come by PUBLISH again. Regression: the
   * subscription stayed on the hung node for as long as it hung, and every grant and wake-up of
   * the instance waited for a renewal tick (a third of the lease: 10 s by default).
   */
  @Test
  void aHungPubSubNodeIsLeftForAnotherNode() throws Exception {
    nodes.addAll(RedisServer.startCluster(3));
    for (RedisServer node : nodes) {
      // The healthy nodes serve their slots while the hung one's are not served.
      node.cli("CONFIG", "SET", "cluster-require-full-coverage", "no");
    }
    try (RedisBackend backend = RedisBackend.connectCluster(
        nodes.stream().map(RedisServer::uri).toList(), OPTIONS)) {
      RedisServer hung = nodes.stream().filter(RedisClusterPubSubTest::listens).findFirst()
          .orElseThrow();
      List<RedisServer> healthy = nodes.stream().filter(node -> node != hung).toList();
      AsyncLock lock = backend.lock(healthy.get(0).lockNameServedHere());
      AsyncEvent event = backend.event(healthy.get(0).nameServedHere("event"));
      hung.pause();
      await().atMost(Duration.ofSeconds(10))
          .until(() -> healthy.stream().anyMatch(RedisClusterPubSubTest::listens));
      Permit holder = lock.acquire().get(5, TimeUnit.SECONDS);
      CompletableFuture<Permit> waiter = lock.acquire();
      holder.release();
      waiter.get(5, TimeUnit.SECONDS).release();
      CompletableFuture<Void> woken = event.await();
      event.set();
      woken.get(5, TimeUnit.SECONDS);
    }
  }

  /** Whether a JVM's grant channel is subscribed to on {@code node}. */
  private static boolean listens(RedisServer node) {
    return !node.cli("PUBSUB", "CHANNELS", "baton:jvm:*").isBlank();
  }
}
