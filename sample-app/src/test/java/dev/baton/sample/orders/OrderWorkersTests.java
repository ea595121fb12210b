package dev.baton.sample.orders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.baton.AsyncLock;
import dev.baton.AsyncQueue;
import dev.baton.Permit;
import dev.baton.sample.BadRequests;
import dev.baton.sample.RunningSampleAppTest;
import dev.baton.sample.stock.StockService;
import dev.baton.spring.PrimitiveRegistry;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/** The order workers keep taking orders, however many are queued and however fast they end. */
class OrderWorkersTests extends RunningSampleAppTest {

  private static final int FAILING = 20_000;
  /** The bursts that place the failing orders, each of the most orders one request may place. */
  private static final int BURSTS = FAILING / BadRequests.MAX_COUNT;

  @Autowired
  private PrimitiveRegistry registry;

  @Autowired
  private OrderLedger ledger;

  /**
   * Orders of an unknown SKU end at once, without waiting for anything. Thousands of them queue
   * (in the queue or waiting for room) while both workers wait for tea's stock lock, held here;
   * once it is released, the workers settle them all, and then an order of tea.
   */
  @Test
  void thousandsOfQueuedOrdersThatEndAtOnceAreAllSettled() throws Exception {
    int before = ledger.settled();
    AsyncLock tea = registry.lock(StockService.LOCKS, "tea");
    Permit held = tea.acquire().join();
    AsyncQueue<Order> orders = registry.queue(OrderWorkers.QUEUE);
    ExecutorService callers = Executors.newFixedThreadPool(BURSTS);
    try {
      client.postJson("/orders/burst/2?sku=tea", Object[].class);
      await().atMost(Duration.ofSeconds(5)).until(() -> tea.waiters() == 2);
      List<CompletableFuture<HttpResponse<String>>> failing = IntStream.range(0, BURSTS)
          .mapToObj(i -> CompletableFuture.supplyAsync(() -> client.post(
              "/orders/burst/" + BadRequests.MAX_COUNT + "?sku=nothing"), callers))
          .toList();
      await().atMost(Duration.ofSeconds(10))
          .until(() -> client.getJson("/orders", Status.class).queued() == 50
              && orders.putters() == FAILING - 50);
      held.release();

      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(ledger.settled())
          .as("orders settled; %s", client.get("/orders").body())
          .isGreaterThanOrEqualTo(before + FAILING + 2));
      assertThat(failing).allSatisfy(burst -> assertThat(burst.join().statusCode()).isEqualTo(200));
      client.postJson("/orders?sku=tea", Object.class);
      await().atMost(Duration.ofSeconds(5)).until(() -> ledger.settled() == before + FAILING + 3);
    } finally {
      held.close();
      callers.shutdownNow();
    }
  }

  record Status(int queued) {}
}
