package dev.baton.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.baton.AsyncBarrier;
import dev.baton.AsyncCondition;
import dev.baton.AsyncEvent;
import dev.baton.AsyncLock;
import dev.baton.AsyncSemaphore;
import dev.baton.Permit;
import io.lettuce.core.RedisURI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Two backends on a three-node Redis Cluster (no replicas): each primitive in its own slot. */
class RedisClusterTest {

  static final Duration LEASE = Duration.ofSeconds(2);
  static final List<RedisServer> nodes = new ArrayList<>();
  static RedisBackend one;
  static RedisBackend two;

  @BeforeAll
  static void startCluster() {
    nodes.addAll(RedisServer.startCluster(3));
    List<RedisURI> seeds = nodes.stream().map(RedisServer::uri).toList();
    RedisBackendOptions options = RedisBackendOptions.DEFAULTS.withLease(LEASE)
        .withCommandTimeout(Duration.ofSeconds(2));
    one = RedisBackend.connectCluster(seeds, options);
    two = RedisBackend.connectCluster(seeds, options);
    await().atMost(LEASE.multipliedBy(3)).until(() -> nodes.stream()
        .allMatch(node -> node.uptimeMillis() >= LEASE.toMillis()));
  }

  @AfterAll
  static void stopCluster() {
    one.close();
    two.close();
    nodes.forEach(RedisServer::close);
  }

  /**
   * Connecting loads Baton's library on every primary, not only on the node it first reaches: no
   * node lacks it, and no call on any node met an unknown function and had to be sent again. A
   * cluster that lost it (here by FUNCTION FLUSH on every node) has it loaded again on every
   * primary by the first call that finds it missing, and the calls go on.
   */
  @Test
  void theLibraryIsOnEveryPrimaryFromTheConnectAndAgainOnceLost() throws Exception {
    for (RedisServer node : nodes) {
      assertThat(node.commandStat("fcall", "failed_calls")).as("node %s's failed calls",
          node.port()).isZero();
    }
    assertLibraryOnEveryNode();
    nodes.forEach(node -> node.cli("FUNCTION", "FLUSH"));
    for (String name : List.of("a", "b", "c", "d", "e", "f")) {
      one.lock("lost-" + name).acquire().get(5, TimeUnit.SECONDS).release();
    }
    assertLibraryOnEveryNode();
  }

  private static void assertLibraryOnEveryNode() {
    for (RedisServer node : nodes) {
      assertThat(node.cli("FUNCTION", "LIST", "LIBRARYNAME", Scripts.library()))
          .as("node %s's libraries", node.port()).contains(Scripts.library());
    }
  }

  /**
   * While a primitive's slot migrates, Redis refuses Baton's calls there with TRYAGAIN (each call
   * names several keys of the slot, some absent): they fail as unavailable, quoting the reply,
   * and go on once the slot is stable. Regression: Lettuce's exception reached the caller raw.
   */
  @Test
  void aCallToASlotBeingMigratedFailsAsUnavailableQuotingTheReply() throws Exception {
    RedisServer source = nodes.get(0);
    RedisServer target = nodes.get(1);
    String name = source.lockNameServedHere();
    String slot = source.cli("CLUSTER", "KEYSLOT", "{baton:lock:" + name + "}");
    target.cli("CLUSTER", "SETSLOT", slot, "IMPORTING", source.cli("CLUSTER", "MYID"));
    source.cli("CLUSTER", "SETSLOT", slot, "MIGRATING", target.cli("CLUSTER", "MYID"));
    try {
      assertThat(one.lock(name).acquire(Duration.ofSeconds(5)))
          .failsWithin(Duration.ofSeconds(5)).withThrowableOfType(ExecutionException.class)
          .withCauseInstanceOf(RedisUnavailableException.class)
          .withMessageContaining("TRYAGAIN");
    } finally {
      target.cli("CLUSTER", "SETSLOT", slot, "STABLE");
      source.cli("CLUSTER", "SETSLOT", slot, "STABLE");
    }
    one.lock(name).acquire().get(5, TimeUnit.SECONDS).release();
  }

  @Test
  void locksOnEveryNodeHandOverFifoAcrossBackends() throws Exception {
    for (String name : List.of("a", "b", "c", "d", "e", "f")) {
      AsyncLock mine = one.lock(name);
      Permit held = mine.acquire().get(5, TimeUnit.SECONDS);
      CompletableFuture<Permit> first = two.lock(name).acquire();
      await().until(() -> mine.waiters() == 1);
      CompletableFuture<Permit> second = one.lock(name).acquire();
      await().until(() -> mine.waiters() == 2);
      held.release();
      Permit next = first.get(5, TimeUnit.SECONDS);
      assertThat(second).isNotDone();
      assertThat(next.token()).isGreaterThan(held.token());
      next.release();
      second.get(5, TimeUnit.SECONDS).release();
    }
    await().until(() -> nodes.stream().allMatch(node -> node.keys().isEmpty()));
  }

  @Test
  void semaphoresAndEventsWorkAcrossBackends() throws Exception {
    AsyncSemaphore a = one.semaphore("limit", 2);
    Permit p1 = a.acquire().get(5, TimeUnit.SECONDS);
    Permit p2 = two.semaphore("limit", 2).acquire().get(5, TimeUnit.SECONDS);
    assertThat(two.semaphore("limit", 2).tryAcquire()).isEmpty();
    p1.release();
    p2.release();
    AsyncEvent event = two.event("ready");
    CompletableFuture<Void> wait = event.await();
    await().until(() -> event.waiters() == 1);
    one.event("ready").set();
    wait.get(5, TimeUnit.SECONDS);
    one.event("ready").clear();
  }

  @Test
  void conditionsAndBarriersWorkAcrossBackends() throws Exception {
    AsyncCondition condition = one.condition("queue");
    CompletableFuture<Permit> waiting =
        condition.await(condition.acquire().get(5, TimeUnit.SECONDS));
    await().until(() -> condition.waiters() == 1);
    Permit signaller = two.condition("queue").acquire().get(5, TimeUnit.SECONDS);
    two.condition("queue").signal();
    signaller.release();
    waiting.get(5, TimeUnit.SECONDS).release();
    AsyncBarrier barrier = one.barrier("phase", 2);
    CompletableFuture<Integer> first = barrier.await();
    await().until(() -> barrier.waiting() == 1);
    assertThat(two.barrier("phase", 2).await().get(5, TimeUnit.SECONDS)).isEqualTo(1);
    assertThat(first.get(5, TimeUnit.SECONDS)).isZero();
    await().atMost(LEASE.multipliedBy(3))
        .until(() -> nodes.stream().allMatch(node -> node.keys().isEmpty()));
  }
}
