package dev.baton.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.baton.redis.RedisServer;
import dev.baton.sample.orders.OrderLedger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Two instances of the sample app with the {@code redis} profile against one real redis-server,
 * called over real HTTP: a burst of charges on one instance uses up the payments permits that the
 * other instance sees; orders placed on one are fulfilled by both, each once, and a third instance
 * that stops leaves the shared queue up for the other two; the scenarios run on either; both
 * report the Redis backend, and nothing is left in Redis once they stop but the events' keys.
 */
class TwoInstancesOnRedisTest {

  static RedisServer redis;
  static ConfigurableApplicationContext first;
  static ConfigurableApplicationContext second;

  @BeforeAll
  static void start() {
    redis = RedisServer.start();
    first = instance();
    second = instance();
    await().atMost(Duration.ofSeconds(20)).until(() -> !endpoint(first).redis().quarantined()
        && !endpoint(second).redis().quarantined());
  }

  @AfterAll
  static void stop() {
    try {
      if (first != null) {
        first.close();
      }
      if (second != null) {
        second.close();
      }
      await().atMost(Duration.ofSeconds(10)).untilAsserted(
          () -> assertThat(redis.keys()).allMatch(key -> key.contains(":event:")));
    } finally {
      redis.close();
    }
  }

  @Test
  void bothInstancesShowTheRedisBackend() {
    for (ConfigurableApplicationContext instance : List.of(first, second)) {
      Baton baton = endpoint(instance);
      assertThat(baton.backend()).isEqualTo("redis");
      assertThat(baton.redis().address()).isEqualTo("127.0.0.1:" + redis.port());
      assertThat(baton.primitives()).filteredOn(p -> p.name().equals("payments"))
          .extracting(Primitive::scope).containsExactly("shared");
      assertThat(baton.primitives()).filteredOn(p -> p.name().equals("orders"))
          .extracting(Primitive::scope).containsExactly("shared");
      // A per-key family (stock, once used) counts the keys this instance uses: Redis keeps no
      // index of a family's keys.
      assertThat(baton.primitives()).filteredOn(p -> !p.kind().equals("lock-family"))
          .extracting(Primitive::scope).containsOnly("shared");
      assertThat(baton.primitives()).filteredOn(p -> p.kind().equals("lock-family"))
          .extracting(Primitive::scope).containsOnly("this-instance");
    }
  }

  @Test
  void aBurstOnOneInstanceTakesThePermitsTheOtherSees() throws Exception {
    CompletableFuture<Burst> burst = CompletableFuture.supplyAsync(
        () -> client(first).postJson("/payments/burst/20", Burst.class));
    await().atMost(Duration.ofSeconds(10)).until(() -> {
      Primitive payments = payments(second);
      return payments.permits().get("available") == 0 && payments.waiters() > 0;
    });
    assertThat(burst.get(30, TimeUnit.SECONDS).charged()).isEqualTo(20);
    await().atMost(Duration.ofSeconds(10))
        .until(() -> payments(second).permits().get("available") == 3);
  }

  @Test
  void ordersPlacedOnOneInstanceAreFulfilledByEitherEachExactlyOnce() {
    int settledBefore = settled(first) + settled(second);
    int fulfilledBefore = fulfilled(first) + fulfilled(second);
    long placedBefore = orders(first).placed();
    int firstElsewhereBefore = orders(first).ledger().placedElsewhere();
    int secondElsewhereBefore = orders(second).ledger().placedElsewhere();

    client(first).postJson("/orders/burst/30?sku=tea", Object[].class);

    await().atMost(Duration.ofSeconds(30)).until(() -> settled(first) + settled(second)
        >= settledBefore + 30 && orders(first).unfinished() == 0);
    Orders onFirst = orders(first);
    Orders onSecond = orders(second);
    int bySecond = onSecond.ledger().placedElsewhere() - secondElsewhereBefore;
    System.out.printf("Of 30 orders placed on %s, %s fulfilled %d%n",
        onFirst.instance(), onSecond.instance(), bySecond);
    assertThat(onFirst.instance()).isNotEqualTo(onSecond.instance());
    assertThat(onFirst.placed() - placedBefore).isEqualTo(30);
    assertThat(onSecond.placed()).isZero();
    assertThat(onFirst.ledger().placedElsewhere()).isEqualTo(firstElsewhereBefore);
    assertThat(bySecond).as("orders placed on the first that the second fulfilled").isPositive();
    assertThat(settled(first) + settled(second) - settledBefore)
        .as("orders settled by both, none twice").isEqualTo(30);
    assertThat(fulfilled(first) + fulfilled(second) - fulfilledBefore).isEqualTo(30);
    assertThat(onSecond.ledger().recent()).extracting(e -> e.order().placedBy())
        .contains(onFirst.instance());
    assertThat(onSecond.ledger().recent()).extracting(Entry::settledBy)
        .containsOnly(onSecond.instance());
  }

  @Test
  void anInstanceThatStopsSettlesWhatItTookAndLeavesTheSharedQueueToTheOthers() {
    int othersBefore = settled(first) + settled(second);
    ConfigurableApplicationContext third = instance();
    OrderLedger thirdLedger = third.getBean(OrderLedger.class);
    try {
      client(third).postJson("/orders/burst/20?sku=coffee", Object[].class);
      await().atMost(Duration.ofSeconds(10)).until(() -> thirdLedger.settled() > 0);
    } finally {
      third.close();
    }

    int byThird = thirdLedger.settled();
    await().atMost(Duration.ofSeconds(30))
        .until(() -> settled(first) + settled(second) - othersBefore + byThird >= 20);
    System.out.printf("Of 20 orders placed on the third instance, it fulfilled %d before it"
        + " stopped; the other two the rest%n", byThird);
    assertThat(settled(first) + settled(second) - othersBefore + byThird)
        .as("orders settled by the three, none lost nor twice").isEqualTo(20);
    assertThat(orders(first).unfinished()).isZero();
    assertThat(endpoint(first).primitives()).filteredOn(p -> p.name().equals("orders"))
        .extracting(Primitive::state).doesNotContain("shut-down");
  }

  @Test
  void everyScenarioRunsOnTheSharedPrimitivesFromEitherInstance() {
    for (ConfigurableApplicationContext instance : List.of(first, second)) {
      for (String name : List.of("event", "lock", "semaphore", "condition", "combined", "queue")) {
        Run run = client(instance).postJson("/scenarios/" + name, Run.class);
        assertThat(run.events()).as(name).isNotEmpty();
        if (name.equals("condition")) {
          assertThat(run.events()).filteredOn(e -> e.action().equals("proceeded"))
              .extracting(Step::actor).containsExactlyInAnyOrder("waiter-1", "waiter-2");
        } else if (name.equals("queue")) {
          assertThat(run.events()).filteredOn(e -> e.action().equals("consumed"))
              .extracting(Step::item).containsExactly(0, 1, 2, 3, 4);
          assertThat(run.events().get(run.events().size() - 1).action()).isEqualTo("stopped");
        }
      }
    }
  }

  /**
   * On the shared primitives too, run from either instance, each timeline shows what README's
   * table says: event waiters go on only after the set; the lock's workers take turns in asking
   * order; never more than two hold a semaphore permit; the condition's waiters let its lock go
   * while waiting and re-hold it one at a time after the signal.
   */
  @Test
  void eachScenarioShowsWhatTheReadmeSaysOnTheSharedPrimitives() {
    for (ConfigurableApplicationContext instance : List.of(first, second)) {
      SampleClient client = client(instance);

      Run event = client.postJson("/scenarios/event", Run.class);
      List<String> actions = event.events().stream().map(Step::action).toList();
      assertThat(actions.subList(0, actions.indexOf("set"))).as("event: %s", actions)
          .doesNotContain("proceeded").contains("waiting");
      assertThat(only(event, "proceeded")).as("event").hasSize(2);

      Run lock = client.postJson("/scenarios/lock", Run.class);
      List<Step> moves = only(lock, "acquired", "released");
      assertThat(moves).extracting(Step::action).as("lock: %s", lock.events()).containsExactly(
          "acquired", "released", "acquired", "released", "acquired", "released");
      for (int i = 0; i < moves.size(); i += 2) {
        assertThat(moves.get(i + 1).actor()).as("lock").isEqualTo(moves.get(i).actor());
      }
      assertThat(only(lock, "acquired")).extracting(Step::actor).as("lock, in asking order")
          .containsExactlyElementsOf(only(lock, "waiting").stream().map(Step::actor).toList());

      Run semaphore = client.postJson("/scenarios/semaphore", Run.class);
      assertThat(holders(semaphore, List.of("acquired"), List.of("released")))
          .as("semaphore: %s", semaphore.events()).allSatisfy(n -> assertThat(n).isBetween(0, 2))
          .contains(2).endsWith(0);

      Run condition = client.postJson("/scenarios/condition", Run.class);
      assertThat(holders(condition, List.of("acquired", "proceeded"),
          List.of("waiting", "released")))
          .as("condition: %s", condition.events()).allSatisfy(n -> assertThat(n).isBetween(0, 1))
          .endsWith(0);
    }
  }

  private static List<Step> only(Run run, String... actions) {
    List<String> wanted = List.of(actions);
    return run.events().stream().filter(step -> wanted.contains(step.action())).toList();
  }

  /**
   * How many hold after each step of {@code run}: a step in {@code taking} takes a hold, one in
   * {@code letting} lets one go.
   */
  private static List<Integer> holders(Run run, List<String> taking, List<String> letting) {
    List<Integer> holders = new ArrayList<>();
    int holding = 0;
    for (Step step : run.events()) {
      holding += taking.contains(step.action()) ? 1 : letting.contains(step.action()) ? -1 : 0;
      holders.add(holding);
    }
    return holders;
  }

  private static ConfigurableApplicationContext instance() {
    return new SpringApplicationBuilder(SampleApplication.class).run(
        "--spring.profiles.active=redis", "--server.port=0", "--spring.data.redis.host=127.0.0.1",
        "--spring.data.redis.port=" + redis.port(), "--baton.redis.lease=2s");
  }

  private static SampleClient client(ConfigurableApplicationContext instance) {
    return new SampleClient(
        ((WebServerApplicationContext) instance).getWebServer().getPort());
  }

  private static Baton endpoint(ConfigurableApplicationContext instance) {
    return client(instance).getJson("/actuator/baton", Baton.class);
  }

  private static Orders orders(ConfigurableApplicationContext instance) {
    return client(instance).getJson("/orders", Orders.class);
  }

  private static int settled(ConfigurableApplicationContext instance) {
    return orders(instance).ledger().settled();
  }

  private static int fulfilled(ConfigurableApplicationContext instance) {
    return orders(instance).ledger().outcomes().getOrDefault("FULFILLED", 0);
  }

  private static Primitive payments(ConfigurableApplicationContext instance) {
    return endpoint(instance).primitives().stream()
        .filter(p -> p.name().equals("payments")).findFirst().orElseThrow();
  }

  record Burst(int charged, int mostInFlight) {}

  @JsonIgnoreProperties(ignoreUnknown = true)
  record Orders(String instance, long placed, int unfinished, Ledger ledger) {}

  @JsonIgnoreProperties(ignoreUnknown = true)
  record Ledger(int settled, int placedElsewhere, Map<String, Integer> outcomes,
      List<Entry> recent) {}

  @JsonIgnoreProperties(ignoreUnknown = true)
  record Entry(Placed order, String outcome, String settledBy) {}

  @JsonIgnoreProperties(ignoreUnknown = true)
  record Placed(long id, String placedBy) {}

  @JsonIgnoreProperties(ignoreUnknown = true)
  record Run(String scenario, List<Step> events) {}

  @JsonIgnoreProperties(ignoreUnknown = true)
  record Step(String actor, String action, String on, Integer item) {}

  @JsonIgnoreProperties(ignoreUnknown = true)
  record Baton(String backend, Redis redis, List<Primitive> primitives) {}

  @JsonIgnoreProperties(ignoreUnknown = true)
  record Redis(String address, boolean quarantined) {}

  @JsonIgnoreProperties(ignoreUnknown = true)
  record Primitive(String name, String kind, String scope, String state, int waiters,
      Map<String, Integer> permits) {}
}
