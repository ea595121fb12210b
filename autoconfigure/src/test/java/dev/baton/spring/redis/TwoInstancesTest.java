package dev.baton.spring.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.jayway.jsonpath.JsonPath;
import dev.baton.AsyncBarrier;
import dev.baton.AsyncCondition;
import dev.baton.AsyncQueue;
import dev.baton.Permit;
import dev.baton.redis.RedisServer;
import dev.baton.spring.Http;
import dev.baton.spring.PrimitiveRegistry;
import dev.baton.spring.metrics.BatonGauges;
import dev.baton.spring.redis.RedisTestApplication.Catalog;
import dev.baton.spring.redis.RedisTestApplication.Job;
import dev.baton.spring.redis.RedisTestApplication.Journal;
import dev.baton.spring.redis.RedisTestApplication.Payments;
import dev.baton.spring.redis.RedisTestApplication.Stock;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Two instances of one application ({@link RedisTestApplication}), each a Spring context with its
 * own Redis backend, sharing Baton's primitives through one real {@code redis-server}
 * ({@link TwoRedisInstances}).
 */
class TwoInstancesTest {

  private static final Duration PATIENCE = Duration.ofSeconds(10);

  /** Every instance's properties. */
  private static final String[] PROPERTIES = {
      "server.port=0",
      "management.endpoints.web.exposure.include=baton",
      "baton.redis.lease=2s",
      "baton.semaphores.payments.permits=2",
      "baton.queues.jobs.capacity=10",
      "baton.queues.jobs.item-type=" + Job.class.getName(),
      "baton.queues.urgent.order=priority",
      "baton.queues.urgent.item-type=" + Job.class.getName(),
      "baton.queues.urgent.score-property=priority",
      "baton.barriers.meet.parties=2"};

  static TwoRedisInstances instances;
  static RedisServer server;
  static ConfigurableApplicationContext one;
  static ConfigurableApplicationContext two;

  @BeforeAll
  static void start() {
    instances = new TwoRedisInstances(PROPERTIES);
    server = instances.server;
    one = instances.one;
    two = instances.two;
  }

  @AfterAll
  static void stop() {
    instances.close();
  }

  @BeforeEach
  void resetJournal() {
    Journal.reset();
  }

  @AfterEach
  void nothingIsLeftInRedis() {
    registry(one).event("catalog-loaded").clear();
    await().atMost(PATIENCE).untilAsserted(() -> assertThat(server.keys()).isEmpty());
  }

  private static PrimitiveRegistry registry(ConfigurableApplicationContext instance) {
    return instance.getBean(PrimitiveRegistry.class);
  }

  @Test
  void aLimitedMethodNeverRunsMoreThanItsPermitsAcrossInstancesAndAdmitsInArrivalOrder() {
    Payments onOne = one.getBean(Payments.class);
    Payments onTwo = two.getBean(Payments.class);
    List<CompletableFuture<String>> done = new ArrayList<>();
    List<CompletableFuture<String>> calls = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      done.add(new CompletableFuture<>());
    }

    calls.add(onOne.pay("one-1", done.get(0)));
    calls.add(onTwo.pay("two-1", done.get(1)));
    await().atMost(PATIENCE).until(() -> Journal.entered.size() == 2);
    calls.add(onOne.pay("one-2", done.get(2)));
    await().atMost(PATIENCE).until(() -> registry(two).semaphore("payments").waiters() == 1);
    calls.add(onTwo.pay("two-2", done.get(3)));
    await().atMost(PATIENCE).until(() -> registry(one).semaphore("payments").waiters() == 2);
    assertThat(Journal.entered).containsExactlyInAnyOrder("one-1", "two-1");

    done.get(1).complete("two-1");
    await().atMost(PATIENCE).until(() -> Journal.entered.size() == 3);
    assertThat(Journal.entered.get(2)).as("the oldest waiter, from the other instance")
        .isEqualTo("one-2");
    done.get(0).complete("one-1");
    await().atMost(PATIENCE).until(() -> Journal.entered.size() == 4);
    assertThat(Journal.entered.get(3)).isEqualTo("two-2");
    done.forEach(future -> future.complete("done"));

    assertThat(calls).allSatisfy(call -> assertThat(call).succeedsWithin(PATIENCE));
    assertThat(Journal.mostInFlight).hasValue(2);
  }

  @Test
  void aGuardedKeyExcludesAcrossInstancesWhileOtherKeysDoNotContend() {
    CompletableFuture<String> firstApple = new CompletableFuture<>();
    CompletableFuture<String> secondApple = new CompletableFuture<>();
    CompletableFuture<String> pear = new CompletableFuture<>();

    CompletableFuture<String> onOne = one.getBean(Stock.class).reserve("apple", "one-apple",
        firstApple);
    await().atMost(PATIENCE).until(() -> Journal.entered.contains("one-apple"));
    CompletableFuture<String> appleOnTwo = two.getBean(Stock.class).reserve("apple", "two-apple",
        secondApple);
    CompletableFuture<String> pearOnTwo = two.getBean(Stock.class).reserve("pear", "two-pear",
        pear);
    await().atMost(PATIENCE).until(() -> Journal.entered.contains("two-pear"));
    await().atMost(PATIENCE).until(() -> registry(one).lock("stock", "apple").waiters() == 1);
    assertThat(Journal.entered).doesNotContain("two-apple");

    firstApple.complete("one");
    await().atMost(PATIENCE).until(() -> Journal.entered.contains("two-apple"));
    secondApple.complete("two");
    pear.complete("pear");

    assertThat(List.of(onOne, appleOnTwo, pearOnTwo))
        .allSatisfy(call -> assertThat(call).succeedsWithin(PATIENCE));
    await().atMost(PATIENCE).untilAsserted(() -> assertThat(server.keys()).isEmpty());
  }

  @Test
  void aKeyIsSharedByItsStringValueSoTheNumberAndTheStringOneAreOneLock() {
    Permit number = registry(one).lock("stock", 1).acquire().join();
    try {
      assertThat(registry(two).lock("stock", "1").tryAcquire()).isEmpty();
      assertThat(registry(two).lock("stock", "2").tryAcquire()).hasValueSatisfying(Permit::release);
    } finally {
      number.release();
    }
  }

  @Test
  void aKeyLockTokenKeepsIncreasingAcrossInstancesAfterItsKeyVanished() {
    long last = 0;
    for (int i = 0; i < 5; i++) {
      Permit permit = registry(one).lock("stock", "fig").acquire().join();
      assertThat(permit.token()).isGreaterThan(last);
      last = permit.token();
      permit.release();
    }
    await().atMost(PATIENCE).untilAsserted(() -> assertThat(server.keys()).isEmpty());

    Permit onTwo = registry(two).lock("stock", "fig").acquire().join();
    onTwo.release();

    assertThat(onTwo.token()).isGreaterThan(last);
  }

  @Test
  void settingAnEventInOneInstanceWakesTheMethodAwaitingItInTheOther() {
    CompletableFuture<String> browsing = two.getBean(Catalog.class).browse();
    await().atMost(PATIENCE).until(() -> registry(two).event("catalog-loaded").waiters() == 1);
    assertThat(browsing).isNotDone();

    one.getBean(Catalog.class).load();

    assertThat(browsing).succeedsWithin(PATIENCE).isEqualTo("browsed");
    assertThat(Journal.entered).containsExactly("load", "browse");
  }

  @Test
  void gaugesAndTheEndpointOfOneInstanceShowWhatTheOtherHolds() {
    registry(two).lock("stock", "apple").acquire().join().release();
    Permit heldByOne = registry(one).semaphore("payments").acquire().join();
    Permit figByOne = registry(one).lock("stock", "fig").acquire().join();
    MeterRegistry metersOfTwo = two.getBean(MeterRegistry.class);
    try {
      await().atMost(PATIENCE).untilAsserted(() -> assertThat(metersOfTwo
          .get(BatonGauges.SEMAPHORE_AVAILABLE).tag(BatonGauges.TAG_NAME, "payments").gauge()
          .value()).isEqualTo(1));
      assertThat(metersOfTwo.get(RedisBackendMetrics.LEASES_LOST).functionCounter().count())
          .isZero();

      await().atMost(PATIENCE).untilAsserted(() -> {
        String body = get(two, "/actuator/baton");
        assertThat(JsonPath.<String>read(body, "$.backend")).isEqualTo("redis");
        assertThat(JsonPath.<Map<String, Object>>read(body, "$.redis"))
            .containsEntry("address", "127.0.0.1:" + server.port())
            .containsEntry("keyPrefix", "baton").containsEntry("lease", "PT2S")
            .containsEntry("connected", true).containsEntry("quarantined", false)
            .containsEntry("lostLeases", 0).containsEntry("heldPermits", 0)
            .containsEntry("waitingAcquires", 0);
        Map<String, Object> payments = one(body, "payments");
        assertThat(payments).containsEntry("scope", "shared").containsEntry("state", "in-use")
            .containsEntry("permits", Map.of("max", 2, "available", 1, "inUse", 1));
        assertThat(one(body, "jobs")).containsEntry("scope", "shared");
        assertThat(one(body, "stock")).as("counts the keys this instance uses")
            .containsEntry("scope", "this-instance").containsEntry("heldKeys", 0);
      });
      String bodyOfOne = get(one, "/actuator/baton");
      assertThat(JsonPath.<Integer>read(bodyOfOne, "$.redis.heldPermits")).isEqualTo(2);
      assertThat(one(bodyOfOne, "stock")).containsEntry("scope", "this-instance")
          .containsEntry("heldKeys", 1);
    } finally {
      figByOne.release();
      heldByOne.release();
    }
  }

  /**
   * "baton.lock.keys.active: keys of a per-key family whose lock is held or waited for", this
   * instance's on Redis: a key the other instance holds and this one waits for is active here,
   * though this instance holds no key of the family.
   */
  @Test
  void aKeyThisInstanceWaitsForWhileTheOtherHoldsItIsActiveButNotHeldHere() {
    Permit figByOne = registry(one).lock("stock", "fig").acquire().join();
    CompletableFuture<Permit> figByTwo = registry(two).lock("stock", "fig").acquire();
    MeterRegistry metersOfTwo = two.getBean(MeterRegistry.class);
    try {
      assertThat(level(metersOfTwo, BatonGauges.LOCK_KEYS_ACTIVE)).isEqualTo(1);
      assertThat(level(metersOfTwo, BatonGauges.LOCK_HELD)).isZero();
      assertThat(level(metersOfTwo, BatonGauges.LOCK_WAITERS)).isEqualTo(1);
    } finally {
      figByOne.release();
      assertThat(figByTwo).succeedsWithin(PATIENCE);
      figByTwo.join().release();
    }
  }

  private static double level(MeterRegistry meters, String gauge) {
    return meters.get(gauge).tag(BatonGauges.TAG_NAME, "stock").gauge().value();
  }

  /**
   * An instance opens exactly two connections of its own to Redis, one for commands and one
   * subscribed for pub/sub (none through Spring Data's connection factory), and closes both when
   * it stops.
   */
  @Test
  void anInstanceOpensExactlyTwoConnectionsOneForCommandsAndOneForPubSub() {
    List<String> commands = clients("normal");
    List<String> pubSub = clients("pubsub");
    assertThat(pubSub).as("one for each instance").hasSize(2);

    try (ConfigurableApplicationContext three = instances.instance(PROPERTIES)) {
      assertThat(clients("normal")).as("commands").hasSize(commands.size() + 1);
      assertThat(clients("pubsub")).as("pub/sub").hasSize(pubSub.size() + 1)
          .allMatch(client -> !client.contains(" sub=0 "), "subscribed");
    }

    await().atMost(PATIENCE).untilAsserted(() -> {
      assertThat(clients("normal")).hasSameSizeAs(commands);
      assertThat(clients("pubsub")).hasSameSizeAs(pubSub);
    });
  }

  @Test
  void aDeclaredQueueCarriesEachItemExactlyOnceBetweenInstancesAndCountsTasksAcrossThem() {
    AsyncQueue<Job> onOne = registry(one).queue("jobs", Job.class);
    AsyncQueue<Job> onTwo = registry(two).queue("jobs");
    List<CompletableFuture<Job>> takes = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      takes.add(onTwo.take());
    }
    await().atMost(PATIENCE).until(() -> onOne.takers() == 3);
    List<CompletableFuture<Void>> puts = new ArrayList<>();
    for (int i = 0; i < 13; i++) {
      puts.add(onOne.put(new Job("job-" + i, 0)));
    }
    assertThat(puts).allSatisfy(put -> assertThat(put).succeedsWithin(PATIENCE));
    List<Job> taken = new ArrayList<>();
    takes.forEach(take -> taken.add(take.join()));
    for (int i = 3; i < 13; i++) {
      taken.add((i % 2 == 0 ? onOne : onTwo).take().join());
    }

    assertThat(taken).extracting(Job::id).containsExactlyElementsOf(
        java.util.stream.IntStream.range(0, 13).mapToObj(i -> "job-" + i).toList());
    assertThat(onOne.unfinishedTasks()).isEqualTo(13);
    CompletableFuture<Void> joined = onOne.join();
    for (int i = 0; i < 12; i++) {
      onTwo.taskDone();
    }
    assertThat(joined).isNotDone();
    onOne.taskDone();
    assertThat(joined).succeedsWithin(PATIENCE);
  }

  @Test
  void aPriorityQueueOnRedisTakesTheLowestScoreFirstWhicheverInstancePutIt() {
    AsyncQueue<Job> onOne = registry(one).queue("urgent");
    AsyncQueue<Job> onTwo = registry(two).queue("urgent", Job.class);
    onOne.offer(new Job("later", 5));
    onTwo.offer(new Job("now", 1));
    onOne.offer(new Job("soon", 3));

    assertThat(List.of(onTwo.poll(), onOne.poll(), onTwo.poll())).extracting(Job::id)
        .containsExactly("now", "soon", "later");
    List.of(1, 2, 3).forEach(i -> onOne.taskDone());
  }

  @Test
  void aConditionSignalledInOneInstanceWakesTheWaiterInTheOtherHoldingItsLock() {
    AsyncCondition onOne = registry(one).condition("restocked");
    AsyncCondition onTwo = registry(two).condition("restocked");
    CompletableFuture<Permit> waiting = onOne.await(onOne.lock().acquire().join());
    await().atMost(PATIENCE).until(() -> onTwo.waiters() == 1);
    assertThat(registry(two).lock("restocked").isLocked())
        .as("a condition's lock is its own, not the lock of the same name").isFalse();

    Permit signaller = onTwo.lock().acquire().join();
    onTwo.signal();
    assertThat(waiting).isNotDone();
    signaller.release();

    Permit woken = waiting.join();
    assertThat(onTwo.lock().isLocked()).isTrue();
    woken.release();
  }

  @Test
  void aBarrierTripsWhenItsPartiesArriveFromDifferentInstances() {
    AsyncBarrier onOne = registry(one).barrier("meet");
    AsyncBarrier onTwo = registry(two).barrier("meet", 2);
    CompletableFuture<Integer> first = onOne.await();
    await().atMost(PATIENCE).until(() -> onTwo.waiting() == 1);

    CompletableFuture<Integer> second = onTwo.await();

    assertThat(first).succeedsWithin(PATIENCE);
    assertThat(second).succeedsWithin(PATIENCE);
    assertThat(List.of(first.join(), second.join())).containsExactlyInAnyOrder(0, 1);
  }

  @Test
  void queueConditionAndBarrierGaugesOfOneInstanceShowWhatTheOtherDoes() {
    AsyncQueue<Job> jobs = registry(one).queue("jobs");
    jobs.offer(new Job("waiting", 0));
    AsyncCondition condition = registry(one).condition("restocked");
    CompletableFuture<Permit> waiting = condition.await(condition.lock().acquire().join());
    CompletableFuture<Integer> arrived = registry(one).barrier("meet").await();
    MeterRegistry metersOfTwo = two.getBean(MeterRegistry.class);
    try {
      await().atMost(PATIENCE).untilAsserted(() -> {
        assertThat(gauge(metersOfTwo, BatonGauges.QUEUE_SIZE, "jobs")).isEqualTo(1);
        assertThat(gauge(metersOfTwo, BatonGauges.QUEUE_UNFINISHED, "jobs")).isEqualTo(1);
        assertThat(gauge(metersOfTwo, BatonGauges.CONDITION_WAITERS, "restocked")).isEqualTo(1);
        assertThat(gauge(metersOfTwo, BatonGauges.BARRIER_WAITING, "meet")).isEqualTo(1);
        String body = get(two, "/actuator/baton");
        assertThat(one(body, "jobs")).containsEntry("scope", "shared").containsEntry("size", 1);
        assertThat(one(body, "meet")).containsEntry("waiting", 1);
      });
    } finally {
      assertThat(registry(two).queue("jobs").poll()).isEqualTo(new Job("waiting", 0));
      registry(two).queue("jobs").taskDone();
      CompletableFuture<Integer> other = registry(two).barrier("meet").await();
      assertThat(arrived).succeedsWithin(PATIENCE);
      assertThat(other).succeedsWithin(PATIENCE);
      Permit signaller = registry(two).condition("restocked").lock().acquire().join();
      registry(two).condition("restocked").signalAll();
      signaller.release();
      waiting.join().release();
    }
  }

  /** The server's clients of {@code type} (CLIENT LIST's), but the redis-cli asking. */
  private static List<String> clients(String type) {
    return server.cli("CLIENT", "LIST", "TYPE", type).lines()
        .filter(client -> !client.contains(" cmd=client|list ")).toList();
  }

  private static double gauge(MeterRegistry meters, String name, String primitive) {
    return meters.get(name).tag(BatonGauges.TAG_NAME, primitive).gauge().value();
  }

  private static Map<String, Object> one(String body, String name) {
    List<Map<String, Object>> named =
        JsonPath.read(body, "$.primitives[?(@.name == '" + name + "')]");
    assertThat(named).hasSize(1);
    return named.get(0);
  }

  private static String get(ConfigurableApplicationContext instance, String path) {
    HttpResponse<String> response = Http.get(instance, path);
    assertThat(response.statusCode()).isEqualTo(200);
    return response.body();
  }
}
