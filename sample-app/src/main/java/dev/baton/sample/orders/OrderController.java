package dev.baton.sample.orders;

import dev.baton.AsyncQueue;
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
 * {@code POST /orders?sku=tea&quantity=1} queues an order and answers once it is in the queue
 * (waiting, without a thread, while the queue is full); {@code POST /orders/burst/{count}?sku=tea}
 * queues several; {@code GET /orders} reports the ledger and the queue's depth.
 */
@RestController
@RequestMapping("/orders")
class OrderController {

  private final AsyncQueue<Order> orders;
  private final OrderLedger ledger;
  private final AtomicLong ids = new AtomicLong();

  OrderController(PrimitiveRegistry registry, OrderLedger ledger) {
    this.orders = registry.queue(OrderWorkers.QUEUE);
    this.ledger = ledger;
  }

  @PostMapping
  CompletableFuture<Order> place(
      @RequestParam String sku, @RequestParam(defaultValue = "1") int quantity) {
    Order order = new Order(ids.incrementAndGet(), sku, quantity);
    return orders.put(order).thenApply(queued -> order);
  }

  @PostMapping("/burst/{count}")
  CompletableFuture<List<Order>> burst(@PathVariable int count, @RequestParam String sku) {
    List<CompletableFuture<Order>> placed = LongStream.range(0, count)
        .mapToObj(i -> place(sku, 1)).toList();
    return CompletableFuture.allOf(placed.toArray(CompletableFuture[]::new))
        .thenApply(done -> placed.stream().map(CompletableFuture::join).toList());
  }

  @GetMapping
  Status status() {
    return new Status(orders.size(), orders.unfinishedTasks(), ledger.summary());
  }

  /**
   * The orders' state.
   *
   * @param queued orders waiting in the queue
   * @param unfinished orders accepted and not yet settled
   * @param ledger what became of the settled ones
   */
  record Status(int queued, int unfinished, OrderLedger.Summary ledger) {}
}
