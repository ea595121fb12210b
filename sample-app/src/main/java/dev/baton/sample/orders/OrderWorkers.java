package dev.baton.sample.orders;

import dev.baton.AsyncQueue;
import dev.baton.QueueShutdownException;
import dev.baton.sample.InstanceName;
import dev.baton.spring.PrimitiveRegistry;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Consumers of the {@code orders} queue: {@value #WORKERS} workers each take an order, fulfil it
 * and mark it done, forever; a worker waiting for an order holds no thread. They start taking
 * once this instance knows its {@linkplain InstanceName name}, which the ledger records.
 *
 * <p>Graceful drain: on shutdown, after the web server has stopped taking requests (this
 * lifecycle's phase is lower, so it stops later), {@code join()} waits until every accepted order
 * is fulfilled, at most {@value #DRAIN_SECONDS} s; then {@code shutdown()} closes the queue and
 * the workers' pending takes end. Stopping blocks no thread: Spring is told through the stop
 * callback once the drain is over.
 */
@Component
class OrderWorkers implements SmartLifecycle {

  /** The queue of accepted orders. */
  static final String QUEUE = "orders";

  private static final Logger log = LoggerFactory.getLogger(OrderWorkers.class);
  private static final int WORKERS = 2;
  private static final long DRAIN_SECONDS = 10;

  private final AsyncQueue<Order> orders;
  private final OrderFulfilment fulfilment;
  private final InstanceName instance;

  /** Whether the workers have been started and not yet stopped; written by the lifecycle. */
  private volatile boolean running;

  OrderWorkers(PrimitiveRegistry registry, OrderFulfilment fulfilment, InstanceName instance) {
    this.orders = registry.queue(QUEUE);
    this.fulfilment = fulfilment;
    this.instance = instance;
  }

  @Override
  public void start() {
    running = true;
    instance.known().thenRun(() -> IntStream.rangeClosed(1, WORKERS).forEach(worker -> work()));
  }

  /** Takes one order, fulfils it, marks it done, and goes round again until the queue shuts. */
  private void work() {
    orders.take()
        .thenCompose(order -> fulfilment.fulfil(order).whenComplete((o, e) -> orders.taskDone()))
        .whenComplete((outcome, failure) -> {
          if (failure == null) {
            work();
          } else if (!(unwrap(failure) instanceof QueueShutdownException)) {
            log.error("Order worker stopped", failure);
          }
        });
  }

  @Override
  public void stop(Runnable callback) {
    log.info("Draining {} unfinished orders", orders.unfinishedTasks());
    orders.join().orTimeout(DRAIN_SECONDS, TimeUnit.SECONDS).whenComplete((drained, timeout) -> {
      if (timeout == null) {
        log.info("Every accepted order is settled");
      } else {
        log.warn("Orders not drained after {}: {} left", Duration.ofSeconds(DRAIN_SECONDS),
            orders.unfinishedTasks());
      }
      orders.shutdown();
      running = false;
      callback.run();
    });
  }

  @Override
  public void stop() {
    stop(() -> { });
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  /** Stops after the web server (phase {@code DEFAULT_PHASE - 2048}), so no order arrives late. */
  @Override
  public int getPhase() {
    return SmartLifecycle.DEFAULT_PHASE - 4096;
  }

  private static Throwable unwrap(Throwable failure) {
    return failure instanceof CompletionException && failure.getCause() != null
        ? failure.getCause() : failure;
  }
}
