package dev.baton.spring.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.baton.AsyncEvent;
import dev.baton.AsyncLock;
import dev.baton.AsyncSemaphore;
import dev.baton.Permit;
import dev.baton.redis.RedisBackend;
import dev.baton.redis.RedisServer;
import dev.baton.spring.BatonAutoConfiguration;
import dev.baton.spring.PrimitiveRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * {@code spring.data.redis.cluster.nodes}: two Spring contexts, standing for two instances of an
 * application, share Baton's primitives through a real three-node Redis Cluster (no replicas).
 * The declared lock held through one instance's bean makes the other's acquire wait, is handed
 * over FIFO across the instances with increasing tokens, and per-key locks reach every node's
 * slots; a semaphore's permits and an event are shared too.
 */
class RedisClusterInstancesTest {

  private static final Duration LEASE = Duration.ofSeconds(2);
  private static final Duration PATIENCE = Duration.ofSeconds(10);

  static final List<RedisServer> nodes = new ArrayList<>();

  @BeforeAll
  static void startCluster() {
    nodes.addAll(RedisServer.startCluster(3));
  }

  @AfterAll
  static void stopCluster() {
    nodes.forEach(RedisServer::close);
  }

  private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class,
          BatonRedisAutoConfiguration.class, BatonAutoConfiguration.class))
      .withPropertyValues("baton.backend=redis", "baton.redis.lease=" + LEASE.toSeconds() + "s",
          "baton.locks.ledger.timeout=10s", "baton.semaphores.payments.permits=2",
          "spring.data.redis.cluster.nodes=" + nodes.stream()
              .map(node -> "127.0.0.1:" + node.port()).collect(Collectors.joining(",")));

  @Test
  void twoInstancesOnAClusterShareLocksSemaphoresAndEvents() {
    contextRunner.run(one -> contextRunner.run(two -> {
      assertThat(one).hasNotFailed();
      assertThat(two).hasNotFailed();
      // A freshly started cluster grants nothing during its first lease.
      await().atMost(PATIENCE).until(() -> !backend(one).isQuarantined()
          && !backend(two).isQuarantined());

      lockHeldByOneInstanceIsHandedOverFifoToTheOther(one, two);
      perKeyLocksReachEveryNode(one, two);
      semaphoreAndEventAreShared(one, two);

      await().atMost(LEASE.multipliedBy(3))
          .until(() -> nodes.stream().allMatch(node -> node.keys().isEmpty()));
    }));
  }

  /**
   * {@code spring.data.redis.username}, {@code password} and {@code client-name} reach the
   * cluster's nodes as they reach a standalone server: Baton's connections there are logged in
   * as that user and carry that name.
   */
  @Test
  void clusterConnectionsLogInAsTheUserAndCarryTheClientName() {
    nodes.forEach(node -> node.cli("ACL", "SETUSER", "app", "on", ">app-pw", "~*", "&*", "+@all"));
    contextRunner.withPropertyValues("spring.data.redis.username=app",
        "spring.data.redis.password=app-pw", "spring.data.redis.client-name=orders-app")
        .run(context -> {
          assertThat(context).hasNotFailed();
          await().atMost(PATIENCE).until(() -> !backend(context).isQuarantined());
          context.getBean(PrimitiveRegistry.class).lock("ledger").acquire()
              .get(5, TimeUnit.SECONDS).release();
          assertThat(nodes.stream().flatMap(node -> node.cli("CLIENT", "LIST").lines())
              .filter(line -> line.contains(" name=orders-app ")))
              .as("Baton's named connections").isNotEmpty()
              .allMatch(line -> line.contains(" user=app "));
        });
  }

  /**
   * {@code spring.data.redis.ssl.enabled=true} makes Baton speak TLS to the seed nodes too:
   * these serve plain text only, so start-up fails to reach them.
   */
  @Test
  void clusterNodesWithSslEnabledAreSpokenToOverTls() {
    contextRunner.withPropertyValues("spring.data.redis.ssl.enabled=true",
        "spring.data.redis.timeout=2s").run(context ->
            assertThat(context.getStartupFailure()).isNotNull()
                .hasStackTraceContaining("Redis at cluster [127.0.0.1:" + nodes.get(0).port()));
  }

  private static void lockHeldByOneInstanceIsHandedOverFifoToTheOther(
      AssertableApplicationContext one, AssertableApplicationContext two) throws Exception {
    AsyncLock ledgerOne = one.getBean("baton.lock.ledger", AsyncLock.class);
    AsyncLock ledgerTwo = two.getBean("baton.lock.ledger", AsyncLock.class);
    assertThat(ledgerOne).isNotSameAs(ledgerTwo);

    Permit held = ledgerOne.acquire().get(5, TimeUnit.SECONDS);
    assertThat(nodesHolding("{baton:lock:ledger}:holders")).hasSize(1);
    assertThat(ledgerTwo.isLocked()).isTrue();
    CompletableFuture<Permit> first = ledgerTwo.acquire();
    await().atMost(PATIENCE).until(() -> ledgerOne.waiters() == 1);
    assertThat(ledgerTwo.tryAcquire()).isEmpty();
    CompletableFuture<Permit> second = ledgerOne.acquire();
    await().atMost(PATIENCE).until(() -> ledgerTwo.waiters() == 2);
    assertThat(first).isNotDone();

    held.release();
    Permit next = first.get(5, TimeUnit.SECONDS);
    assertThat(next.token()).isGreaterThan(held.token());
    assertThat(second).isNotDone();
    assertThat(ledgerOne.waiters()).isEqualTo(1);

    next.release();
    Permit last = second.get(5, TimeUnit.SECONDS);
    assertThat(last.token()).isGreaterThan(next.token());
    last.release();
    await().atMost(PATIENCE).until(() -> !ledgerTwo.isLocked());
  }

  /** Per-key locks of one family land in slots of every node, and still exclude each other. */
  private static void perKeyLocksReachEveryNode(AssertableApplicationContext one,
      AssertableApplicationContext two) throws Exception {
    PrimitiveRegistry registryOne = one.getBean(PrimitiveRegistry.class);
    PrimitiveRegistry registryTwo = two.getBean(PrimitiveRegistry.class);
    Set<Integer> nodesUsed = new HashSet<>();
    for (String key : List.of("a", "b", "c", "d", "e", "f")) {
      Permit held = registryOne.lock("stock", key).acquire().get(5, TimeUnit.SECONDS);
      nodesUsed.addAll(nodesHolding("{baton:lock:stock:" + key + "}:holders"));
      CompletableFuture<Permit> waiting = registryTwo.lock("stock", key).acquire();
      await().atMost(PATIENCE).until(() -> registryOne.lock("stock", key).waiters() == 1);
      assertThat(waiting).isNotDone();
      held.release();
      Permit next = waiting.get(5, TimeUnit.SECONDS);
      assertThat(next.token()).isGreaterThan(held.token());
      next.release();
    }
    assertThat(nodesUsed).containsExactlyInAnyOrder(0, 1, 2);
  }

  private static void semaphoreAndEventAreShared(AssertableApplicationContext one,
      AssertableApplicationContext two) throws Exception {
    AsyncSemaphore paymentsOne = one.getBean("baton.semaphore.payments", AsyncSemaphore.class);
    AsyncSemaphore paymentsTwo = two.getBean("baton.semaphore.payments", AsyncSemaphore.class);
    Permit p1 = paymentsOne.acquire().get(5, TimeUnit.SECONDS);
    Permit p2 = paymentsTwo.acquire().get(5, TimeUnit.SECONDS);
    assertThat(paymentsOne.availablePermits()).isZero();
    assertThat(paymentsTwo.tryAcquire()).isEmpty();
    CompletableFuture<Permit> third = paymentsOne.acquire();
    await().atMost(PATIENCE).until(() -> paymentsTwo.waiters() == 1);
    p2.release();
    Permit p3 = third.get(5, TimeUnit.SECONDS);
    p1.release();
    p3.release();
    await().atMost(PATIENCE).until(() -> paymentsTwo.availablePermits() == 2);

    AsyncEvent loadedTwo = two.getBean(PrimitiveRegistry.class).event("loaded");
    CompletableFuture<Void> awaiting = loadedTwo.await();
    await().atMost(PATIENCE).until(() -> loadedTwo.waiters() == 1);
    AsyncEvent loadedOne = one.getBean(PrimitiveRegistry.class).event("loaded");
    loadedOne.set();
    assertThat(awaiting).succeedsWithin(Duration.ofSeconds(5));
    assertThat(nodesHolding("{baton:event:loaded}")).hasSize(1);
    loadedOne.clear();
    await().atMost(PATIENCE).until(() -> !loadedTwo.isSet());
  }

  private static RedisBackend backend(AssertableApplicationContext context) {
    return context.getBean(RedisBackend.class);
  }

  /** The indices of the nodes that hold {@code key}. */
  private static List<Integer> nodesHolding(String key) {
    List<Integer> holding = new ArrayList<>();
    for (int i = 0; i < nodes.size(); i++) {
      if (nodes.get(i).keys().contains(key)) {
        holding.add(i);
      }
    }
    return holding;
  }
}
