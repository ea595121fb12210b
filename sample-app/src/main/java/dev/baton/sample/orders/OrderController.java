package dev.baton.sample.orders;

import dev.baton.AcquireTimeoutException;
import dev.baton.AsyncQueue;
import dev.baton.sample.BadRequests;
import dev.baton.sample.InstanceName;
import dev.baton.spring.PrimitiveRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.LongStream;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /orders?sku=tea&quantity=1} queues an order, marked as placed on this instance, and
 * answers it once it is in the queue. While the queue is full it waits for room, without a thread,
 * at most {@code sample.orders.put-timeout}: then it answers {@code 503} naming the queue, and the
 * order was not placed and never will be, so a client may retry it. The bound is shorter than
 * Spring MVC's {@code spring.mvc.async.request-timeout} (start-up fails otherwise), so a request
 * never times out while its put still waits.
 *
 * <p>{@code POST /orders/burst/{count}?sku=tea} queues several, each put bounded the same way,
 * and answers the orders once all are in. If some found no room in time, it answers {@code 503}
 * naming the queue once every put has ended, and its {@code detail} says how many of the burst's
 * orders were placed: those stay placed and are settled as any order, the others never are.
 * A count above {@link BadRequests#MAX_COUNT} answers 400 and queues none.
 *
 * <p>{@code GET /orders} reports how many orders were placed here, this instance's ledger (orders
 * its workers settled, and how many of those another instance placed) and the queue's depth,
 * which with the redis profile is the depth of the queue every instance shares.
 */
@RestController
@RequestMapping("/orders")
class OrderController {

  private final AsyncQueue<Order> orders;
  private final OrderLedger ledger;
  private final InstanceName instance;
  /** How long one put may wait for room; shorter than a request may take. */
  private final Duration putTimeout;
  private final AtomicLong ids = new AtomicLong();

  /** Orders placed here whose put has completed: they are in the queue or already taken. */
  private final AtomicLong placed = new AtomicLong();

  OrderController(PrimitiveRegistry registry, OrderLedger ledger, InstanceName instance,
      @Value("${sample.orders.put-timeout}") Duration putTimeout,
      @Value("${spring.mvc.async.request-timeout}") Duration requestTimeout) {
    if (putTimeout.compareTo(requestTimeout) >= 0) {
      throw new IllegalStateException("sample.orders.put-timeout (" + putTimeout
          + ") must be shorter than spring.mvc.async.request-timeout (" + requestTimeout
          + "): a request that times out first answers 503, and its order is placed later");
    }
    this.orders = registry.queue(OrderWorkers.QUEUE);
    this.ledger = ledger;
    this.instance = instance;
    this.putTimeout = putTimeout;
  }

  @PostMapping
  CompletableFuture<Order> place(
      @RequestParam String sku, @RequestParam(defaultValue = "1") int quantity) {
    BadRequests.quantity(quantity);
    return instance.known().thenCompose(here -> {
      Order order = new Order(ids.incrementAndGet(), sku, quantity, here);
      return orders.put(order, putTimeout).thenApply(queued -> {
        placed.incrementAndGet();
        return order;
      });
    });
  }

  @PostMapping("/burst/{count}")
  CompletableFuture<List<Order>> burst(@PathVariable int count, @RequestParam String sku) {
    BadRequests.count(count);
    List<CompletableFuture<Order>> placing = LongStream.range(0, count)
        .mapToObj(i -> place(sku, 1)).toList();
    return CompletableFuture.allOf(placing.toArray(CompletableFuture[]::new))
        .handle((done, failure) -> {
          List<Order> queued = placing.stream().filter(order -> !order.isCompletedExceptionally())
              .map(CompletableFuture::join).toList();
          if (failure == null) {
            return queued;
          }
          if (failure.getCause() instanceof AcquireTimeoutException timeout) {
            throw new BurstCutShort(timeout, queued.size(), count);
          }
          throw failure instanceof CompletionException failed
              ? failed : new CompletionException(failure);
        });
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

  /**
   * The timeout of a burst some of whose orders found no room in time: a {@code 503} naming the
   * queue, as any timeout of a put, whose message also says how many of the burst's orders were
   * placed, as in {@code "timed out after PT20S waiting for queue 'orders'; 37 of 400 orders of
   * this burst were placed"}.
   */
  static final class BurstCutShort extends AcquireTimeoutException {

    private static final long serialVersionUID = 1L;

    private final int placed;
    private final int count;

    BurstCutShort(AcquireTimeoutException timeout, int placed, int count) {
      super(timeout.primitive(), timeout.name(), timeout.timeout(), timeout.blockers());
      initCause(timeout);
      this.placed = placed;
      this.count = count;
    }

    @Override
    public String getMessage() {
      return super.getMessage() + "; " + placed + " of " + count
          + " orders of this burst were placed";
    }
  }
}
