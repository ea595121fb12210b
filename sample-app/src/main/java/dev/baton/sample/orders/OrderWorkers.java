package dev.baton.sample.orders;

import dev.baton.AsyncQueue;
import dev.baton.QueueShutdownException;
import dev.baton.sample.InstanceName;
import dev.baton.spring.BatonProperties;
import dev.baton.spring.PrimitiveRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
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
 * and mark it done, over and over; a worker waiting for an order holds no thread. They start
 * taking once this instance knows its {@linkplain InstanceName name}, which the ledger records.
 *
 * <p>Graceful stop, after the web server has stopped taking requests (this lifecycle's phase is
 * lower, so it stops later), depends on where the queue lives ({@code baton.backend}):
 * <ul>
 *   <li>{@code local}: the queue is this instance's. {@code join()} waits until every accepted
 *       order is settled, at most {@value #DRAIN_SECONDS} s; then {@code shutdown()} closes the
 *       queue and the workers' pending takes end.
 *   <li>{@code redis}: the queue is shared by every instance, so this one neither joins it
 *       ({@code join()} counts every instance's orders, and would wait for orders still being
 *       placed elsewhere) nor shuts it down ({@code shutdown()} would fail every instance's
 *       takes, and the queue would stay shut in Redis while any instance uses it). Its workers
 *       stop taking instead: their pending takes are cancelled, and a cancelled take never loses
 *       an item, which goes back to the head of the queue for the other instances. The orders
 *       they had already taken are settled, at most {@value #DRAIN_SECONDS} s. Orders still
 *       queued stay in Redis for the other instances, or for the next one to start.
 * </ul>
 * Stopping blocks no thread: Spring is told through the stop callback once the drain is over.
 */
@Component
class OrderWorkers implements SmartLifecycle {

  /*
   * Implementation overview. Each Worker is a loop of futures: next() takes, fulfils, marks the
   * task done and calls next() again. On Redis, stop() sets `stopping`, then cancels each
   * worker's latest take; a worker sets its take, then reads `stopping` (both volatile), so
   * either stop() sees the take or the worker sees the flag and cancels the take itself. A take
   * that had already completed is not cancelled: its order is fulfilled, and the next round sees
   * `stopping` and ends the loop, completing `stopped`.
   */

  /** The queue of accepted orders. */
  static final String QUEUE = "orders";

  private static final Logger log = LoggerFactory.getLogger(OrderWorkers.class);
  private static final int WORKERS = 2;
  private static final long DRAIN_SECONDS = 10;

  private final AsyncQueue<Order> orders;
  private final OrderFulfilment fulfilment;
  private final InstanceName instance;

  /** Whether the queue lives in Redis, shared by every instance; fixed at construction. */
  private final boolean shared;

  /** Exactly {@link #WORKERS}; made once, started by {@link #start()}. */
  private final List<Worker> workers;

  /** Whether the workers have been started and not yet stopped; written by the lifecycle. */
  private volatile boolean running;

  /** Set once, by a stop on Redis: from then on no worker takes another order. */
  private volatile boolean stopping;

  OrderWorkers(PrimitiveRegistry registry, OrderFulfilment fulfilment, InstanceName instance,
      BatonProperties properties) {
    this.orders = registry.queue(QUEUE);
    this.fulfilment = fulfilment;
    this.instance = instance;
    this.shared = properties.backend() == BatonProperties.Backend.REDIS;
    this.workers = IntStream.rangeClosed(1, WORKERS).mapToObj(i -> new Worker()).toList();
  }

  @Override
  public void start() {
    running = true;
    instance.known().thenRun(() -> workers.forEach(Worker::next));
  }

  @Override
  public void stop(Runnable callback) {
    CompletableFuture<Void> drained = shared ? stopTaking() : drainThenShutDown();
    drained.whenComplete((done, failure) -> {
      running = false;
      callback.run();
    });
  }

  /** Local: waits for every accepted order, then shuts the queue, which ends the takes. */
  private CompletableFuture<Void> drainThenShutDown() {
    log.info("Draining {} unfinished orders", orders.unfinishedTasks());
    return orders.join().orTimeout(DRAIN_SECONDS, TimeUnit.SECONDS)
        .whenComplete((drained, timeout) -> {
          if (timeout == null) {
            log.info("Every accepted order is settled");
          } else {
            log.warn("Orders not drained after {}: {} left", Duration.ofSeconds(DRAIN_SECONDS),
                orders.unfinishedTasks());
          }
          orders.shutdown();
        })
        .handle((drained, timeout) -> null);
  }

  /** Redis: cancels the pending takes and waits for the orders taken here; the queue stays up. */
  private CompletableFuture<Void> stopTaking() {
    stopping = true;
    workers.forEach(Worker::cancelTake);
    log.info("Stopped taking from the shared queue '{}'; settling the orders taken here", QUEUE);
    CompletableFuture<?>[] stopped = workers.stream().map(w -> w.stopped)
        .toArray(CompletableFuture[]::new);
    return CompletableFuture.allOf(stopped).orTimeout(DRAIN_SECONDS, TimeUnit.SECONDS)
        .whenComplete((settled, timeout) -> {
          if (timeout == null) {
            log.info("Every order taken here is settled; the shared queue stays up");
          } else {
            log.warn("Orders taken here not settled after {}", Duration.ofSeconds(DRAIN_SECONDS));
          }
        })
        .handle((settled, timeout) -> null);
  }

  @Override
  public void stop() {
    stop(() -> { });
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  /**
   * Never paused ({@code ConfigurableApplicationContext.pause()}, which Spring's test context cache
   * calls on a context it switches away from): a stop shuts a local queue for good, so the workers
   * restarted with the context would find it shut, and every order placed then would fail.
   */
  @Override
  public boolean isPauseable() {
    return false;
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

  /** One consumer: takes an order, fulfils it, marks it done, and goes round again. */
  private final class Worker {

    /** Completes once the loop has ended: no take pending, no order being fulfilled. */
    final CompletableFuture<Void> stopped = new CompletableFuture<>();

    /** The latest take; null before the first. */
    volatile CompletableFuture<Order> take;

    /**
     * Rounds, unless stopping, until one has to wait; ends the loop when the queue shuts or the
     * take is cancelled. A round that ended at once (an order that failed without waiting, taken
     * from a queue with more) is followed here, in this loop, not from inside the round's own
     * completion: thousands of those in a row would otherwise nest a call per order and overflow
     * the stack, which would end the worker.
     */
    void next() {
      while (true) {
        if (stopping) {
          stopped.complete(null);
          return;
        }
        CompletableFuture<Order> taking = orders.take();
        take = taking;
        if (stopping) {
          taking.cancel(false);   // stopTaking() may have read the previous take
        }
        CompletableFuture<Outcome> round = taking.thenCompose(
            order -> fulfilment.fulfil(order).whenComplete((o, e) -> orders.taskDone()));
        if (!round.isDone()) {
          round.whenComplete((outcome, failure) -> {
            if (failure == null) {
              next();
            } else {
              end(failure);
            }
          });
          return;
        }
        if (round.isCompletedExceptionally()) {
          round.whenComplete((outcome, failure) -> end(failure));
          return;
        }
      }
    }

    /** Ends the loop after {@code failure}, logged unless the queue shut or a take cancelled. */
    private void end(Throwable failure) {
      Throwable cause = unwrap(failure);
      if (!(cause instanceof QueueShutdownException || cause instanceof CancellationException)) {
        log.error("Order worker stopped", failure);
      }
      stopped.complete(null);
    }

    /** Cancels the pending take, if any; a take already completed goes on to its order. */
    void cancelTake() {
      CompletableFuture<Order> taking = take;
      if (taking != null) {
        taking.cancel(false);
      }
    }
  }
}
