package dev.baton.sample.orders;

import dev.baton.AsyncQueue;
import dev.baton.sample.BadRequests;
import dev.baton.sample.InstanceName;
import dev.baton.spring.PrimitiveRegistry;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.LongStream;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /orders?sku=tea&quantity=1} queues an order, marked as placed on this instance, and
 * answers once it is in the queue (waiting, without a thread, while the queue is full);
 * {@code POST /orders/burst/{count}?sku=tea} queues several (a count above
 * {@link BadRequests#MAX_COUNT} answers 400 and queues none); {@code GET /orders} reports how many
 * orders were placed here, this instance's ledger (orders its workers settled, and how many of
 * those another instance placed) and the queue's depth, which with the redis profile is the
 * depth of the queue every instance shares.
 */
@RestController
@RequestMapping("/orders")
class OrderController {

  private final AsyncQueue<Order> orders;
  private final OrderLedger ledger;
  private final InstanceName instance;
  private final AtomicLong ids = new AtomicLong();

  /** Orders placed here whose put has completed: they are in the queue or already taken. */
  private final AtomicLong placed = new AtomicLong();

  OrderController(PrimitiveRegistry registry, OrderLedger ledger, InstanceName instance) {
    this.orders = registry.queue(OrderWorkers.QUEUE);
    this.ledger = ledger;
    this.instance = instance;
  }

  @PostMapping
  CompletableFuture<Order> place(
      @RequestParam String sku, @RequestParam(defaultValue = "1") int quantity) {
    BadRequests.atLeast(1, "quantity", quantity);
    return instance.known().thenCompose(here -> {
      Order order = new Order(ids.incrementAndGet(), sku, quantity, here);
      return orders.put(order).thenApply(queued -> {
        placed.incrementAndGet();
        return order;
      });
    });
  }

  @PostMapping("/burst/{count}")
  CompletableFuture<List<Order>> burst(@PathVariable int count, @RequestParam String sku) {
    BadRequests.count(count);
    List<CompletableFuture<Order>> placed = LongStream.range(0, count)
        .mapToObj(i -> place(sku, 1)).toList();
    return CompletableFuture.allOf(placed.toArray(CompletableFuture[]::new))
        .thenApply(done -> placed.stream().map(CompletableFuture::join).toList());
  }

  @GetMapping
  Status status() {
    return new Status(instance.name(), placed.get(), orders.size(), orders.unfinishedTasks(),
        ledger.summary());
  }

  /**
   * The orders' state, as this instance sees it.
   *
   * @param instance this instance's name
   * @param placed orders placed here and accepted into the queue
   * @param queued orders waiting in the queue, placed on any instance sharing it
   * @param unfinished orders accepted (on any instance sharing the queue) and not yet settled
   * @param ledger what became of the orders this instance's workers settled
   */
  record Status(String instance, long placed, int queued, int unfinished,
      OrderLedger.Summary ledger) {}
}
