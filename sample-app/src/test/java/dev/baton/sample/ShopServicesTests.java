package dev.baton.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/** The shop's services over HTTP: catalog, payments, stock and orders. */
class ShopServicesTests extends RunningSampleAppTest {

  @Test
  void aProductReadWaitsForTheCatalogAndThenFindsTheProduct() {
    Product tea = client.getJson("/catalog/products/tea", Product.class);

    assertThat(tea.sku()).isEqualTo("tea");
    assertThat(client.get("/catalog/products/nothing").statusCode()).isEqualTo(404);
  }

  @Test
  void aProductReadMadeWhileTheCatalogReloadsWaitsForTheReload() {
    CompletableFuture<Reloaded> reload = CompletableFuture.supplyAsync(
        () -> client.postJson("/catalog/reload", Reloaded.class));
    await().atMost(Duration.ofSeconds(5)).until(() -> eventState("catalog-loaded").equals("clear"));

    Product coffee = client.getJson("/catalog/products/coffee", Product.class);

    assertThat(coffee.name()).contains("Espresso");
    assertThat(eventState("catalog-loaded")).isEqualTo("set");
    assertThat(reload.join().products()).isEqualTo(4);
  }

  @Test
  void aBurstOfTwentyChargesNeverHasMoreThanThreeInFlight() {
    Burst burst = client.postJson("/payments/burst/20", Burst.class);

    assertThat(burst.charged()).isEqualTo(20);
    assertThat(burst.mostInFlight()).isEqualTo(3);
  }

  @Test
  void aRushOnOneSkuNeverSellsMoreThanIsOnHand() {
    Rush rush = client.postJson("/stock/mate/rush/25", Rush.class);

    assertThat(rush.accepted()).isEqualTo(20);
    assertThat(rush.remaining()).isZero();
    assertThat(client.post("/stock/nothing/reservations").statusCode()).isEqualTo(404);
  }

  /** A reservation of one SKU is served while a rush on another still queues for its lock. */
  @Test
  void aReservationOfOneSkuDoesNotWaitForARushOnAnother() {
    ExecutorService caller = Executors.newSingleThreadExecutor();
    try {
      CompletableFuture<Rush> rush = CompletableFuture.supplyAsync(
          () -> client.postJson("/stock/cocoa/rush/40", Rush.class), caller);
      await().pollDelay(Duration.ZERO).atMost(Duration.ofSeconds(5)).ignoreExceptions()
          .until(() -> stockFamily().waiters() > 0);

      Reservation tea = client.postJson("/stock/tea/reservations", Reservation.class);

      assertThat(tea.accepted()).isTrue();
      assertThat(rush).as("the rush on cocoa still queues for its lock").isNotDone();
      assertThat(rush.join().accepted()).isEqualTo(5);
    } finally {
      caller.shutdownNow();
    }
  }

  /**
   * More orders than the ledger lists: once all are settled, it lists the latest ten, the last
   * order placed among them.
   */
  @Test
  void queuedOrdersAreAllFulfilledByTheWorkersAndTheLedgerListsTheLatest() {
    Ledger before = client.getJson("/orders", OrderStatus.class).ledger();
    int coffee = level("coffee");

    Order[] burst = client.postJson("/orders/burst/12?sku=coffee", Order[].class);

    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      OrderStatus status = client.getJson("/orders", OrderStatus.class);
      assertThat(status.ledger().settled()).isEqualTo(before.settled() + 12);
      assertThat(status.unfinished()).isZero();
    });
    Ledger after = client.getJson("/orders", OrderStatus.class).ledger();
    assertThat(after.outcomes()).as("each order's stock reserved and its payment charged")
        .containsEntry("FULFILLED", before.outcomes().getOrDefault("FULFILLED", 0) + 12);
    assertThat(level("coffee")).isEqualTo(coffee - 12);
    assertThat(after.recent()).hasSize(10).extracting(Settled::order)
        .isSubsetOf(burst).contains(burst[burst.length - 1]);
  }

  /**
   * An order of more units than are on hand settles out of stock, reserving nothing; one of a SKU
   * the shop does not stock settles failed.
   */
  @Test
  void anOrderOfMoreThanIsOnHandSettlesOutOfStockAndOneOfAnUnknownSkuFailed() {
    Map<String, Integer> before = client.getJson("/orders", OrderStatus.class).ledger().outcomes();
    int coffee = level("coffee");

    client.postJson("/orders?sku=coffee&quantity=" + (coffee + 1), Object.class);
    client.postJson("/orders?sku=nothing", Object.class);

    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      Map<String, Integer> outcomes =
          client.getJson("/orders", OrderStatus.class).ledger().outcomes();
      assertThat(outcomes)
          .containsEntry("OUT_OF_STOCK", before.getOrDefault("OUT_OF_STOCK", 0) + 1)
          .containsEntry("FAILED", before.getOrDefault("FAILED", 0) + 1);
      assertThat(outcomes.getOrDefault("FULFILLED", 0)).as("fulfilled")
          .isEqualTo(before.getOrDefault("FULFILLED", 0));
    });
    assertThat(level("coffee")).isEqualTo(coffee);
  }

  @Test
  void aRestockAddsTheUnitsAndAnswersTheNewLevel() {
    int tea = level("tea");

    Levels restocked = client.postJson("/stock/tea/restock?quantity=5", Levels.class);

    assertThat(restocked).containsExactly(Map.entry("tea", tea + 5));
    assertThat(level("tea")).isEqualTo(tea + 5);
  }

  /** The orders queue holds 50; idle, its two workers each wait on a take. */
  @Test
  void twoOrderWorkersWaitOnTheOrdersQueueOfFifty() {
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
        client.getJson("/actuator/baton/orders", Queues.class).primitives())
        .containsExactly(new Queue(0, 50, 0, 0, 2)));
  }

  private int level(String sku) {
    return client.getJson("/stock", Levels.class).get(sku);
  }

  private Family stockFamily() {
    return client.getJson("/actuator/baton/stock", Families.class).primitives().get(0);
  }

  private String eventState(String name) {
    return client.getJson("/actuator/baton/" + name, Primitives.class).primitives().get(0).state();
  }

  record Entry(String name, String kind, String state) {}

  record Primitives(List<Entry> primitives) {}

  record Product(String sku, String name, long priceCents) {}

  record Reloaded(int products) {}

  record Burst(int charged, int mostInFlight) {}

  record Rush(int requested, int accepted, int remaining) {}

  record Reservation(String sku, int quantity, boolean accepted, int remaining) {}

  record Family(String kind, int heldKeys, int waiters) {}

  record Families(List<Family> primitives) {}

  record Order(long id, String sku, int quantity, String placedBy) {}

  record Settled(Order order, String outcome) {}

  record Ledger(int settled, Map<String, Integer> outcomes, List<Settled> recent) {}

  record OrderStatus(int queued, int unfinished, Ledger ledger) {}

  record Queue(int size, int capacity, int unfinished, int putters, int takers) {}

  record Queues(List<Queue> primitives) {}

  /** The stock levels, per SKU. */
  static final class Levels extends java.util.TreeMap<String, Integer> {}
}
