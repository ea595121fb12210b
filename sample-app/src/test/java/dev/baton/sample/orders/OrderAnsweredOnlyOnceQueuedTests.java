package dev.baton.sample.orders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.awaitility.Awaitility.await;

import dev.baton.AsyncQueue;
import dev.baton.AsyncSemaphore;
import dev.baton.Permit;
import dev.baton.sample.RunningSampleAppTest;
import dev.baton.spring.PrimitiveRegistry;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.json.JsonMapper;

/**
 * An order that finds no room in the full queue within {@code sample.orders.put-timeout} answers
 * {@code 503} naming the queue, and is never placed: a client told {@code 503} retries, and a
 * late placement would charge the customer twice. An order answered {@code 200} is placed. Here
 * the queue holds 5 and a put waits 500 ms, under a request timeout of 2 s: before the fix, a put
 * waited until the request timed out, which answered {@code 503}, and its order went in later.
 */
@TestPropertySource(properties = {"sample.orders.put-timeout=500ms",
    "spring.mvc.async.request-timeout=2s", "baton.queues.orders.capacity=5"})
@DirtiesContext
@Timeout(60)
class OrderAnsweredOnlyOnceQueuedTests extends RunningSampleAppTest {

  private static final int BURST = 10;

  @Autowired
  private PrimitiveRegistry registry;

  private final JsonMapper json = JsonMapper.builder().build();

  @Test
  void anOrderAnswered503IsNeverPlacedAndOneAnswered200Is() {
    AsyncQueue<Order> orders = registry.queue(OrderWorkers.QUEUE);
    int coffee = level("coffee");
    HttpResponse<String> burst;
    HttpResponse<String> single;
    long placed;

    // With every payment permit held here, each worker takes one order and waits to charge it,
    // so the queue fills up and stays full.
    AsyncSemaphore payments = registry.semaphore("payments");
    List<Permit> permits = IntStream.range(0, payments.maxPermits())
        .mapToObj(i -> payments.acquire().join()).toList();
    try {
      burst = client.post("/orders/burst/" + BURST + "?sku=tea");
      single = client.post("/orders?sku=coffee");
      placed = status().placed();
    } finally {
      permits.forEach(Permit::release);
    }

    assertNamesTheQueue(burst);
    assertThat(placed).as("orders of the burst placed").isBetween(1L, BURST - 1L);
    assertThat(problem(burst).detail()).as("the burst's 503")
        .endsWith("; " + placed + " of " + BURST + " orders of this burst were placed");
    assertNamesTheQueue(single);

    await().atMost(Duration.ofSeconds(10))
        .until(() -> orders.putters() == 0 && orders.unfinishedTasks() == 0);
    assertThat(status().placed()).as("orders placed once the queue drained").isEqualTo(placed);
    assertThat(status().ledger().settled()).as("orders settled").isEqualTo(placed);
    assertThat(level("coffee")).as("coffee after the order answered 503").isEqualTo(coffee);

    HttpResponse<String> retried = client.post("/orders?sku=coffee");

    assertThat(retried.statusCode()).as(retried.body()).isEqualTo(200);
    await().atMost(Duration.ofSeconds(10)).until(() -> orders.unfinishedTasks() == 0);
    assertThat(status().placed()).isEqualTo(placed + 1);
    assertThat(level("coffee")).as("coffee after the order answered 200").isEqualTo(coffee - 1);
  }

  /** A put that may wait as long as the request would answer 503 and place its order later. */
  @Test
  void aPutTimeoutNotShorterThanTheRequestTimeoutIsRefused() {
    Duration thirtySeconds = Duration.ofSeconds(30);

    assertThatIllegalStateException()
        .isThrownBy(() -> new OrderController(registry, null, null, thirtySeconds, thirtySeconds))
        .withMessageStartingWith("sample.orders.put-timeout (PT30S) must be shorter than "
            + "spring.mvc.async.request-timeout (PT30S)");
  }

  private void assertNamesTheQueue(HttpResponse<String> response) {
    assertThat(response.statusCode()).as(response.uri() + ": " + response.body()).isEqualTo(503);
    assertThat(problem(response)).as(response.uri() + ": the problem names the queue")
        .extracting(Problem::primitive, Problem::name).containsExactly("queue", "orders");
  }

  private Problem problem(HttpResponse<String> response) {
    return json.readValue(response.body(), Problem.class);
  }

  private OrderStatus status() {
    return client.getJson("/orders", OrderStatus.class);
  }

  private int level(String sku) {
    return client.getJson("/stock", Levels.class).get(sku);
  }

  /** The levels, per SKU. */
  static final class Levels extends java.util.TreeMap<String, Integer> {}

  record Problem(String detail, String primitive, String name) {}

  record OrderStatus(long placed, Ledger ledger) {}

  record Ledger(int settled) {}
}
