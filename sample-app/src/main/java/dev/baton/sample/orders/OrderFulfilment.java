package dev.baton.sample.orders;

import dev.baton.sample.payments.PaymentGateway;
import dev.baton.sample.stock.StockService;
import java.util.concurrent.CompletableFuture;
import org.springframework.stereotype.Service;

/**
 * Fulfils one order: reserves its stock (under the SKU's lock) and, if reserved, charges it
 * (within the payment gateway's permits), then records the outcome in the {@link OrderLedger}.
 * The returned future never fails: a failure is recorded as {@link Outcome#FAILED}.
 */
@Service
class OrderFulfilment {

  private static final long CENTS_PER_UNIT = 500;

  private final StockService stock;
  private final PaymentGateway payments;
  private final OrderLedger ledger;

  OrderFulfilment(StockService stock, PaymentGateway payments, OrderLedger ledger) {
    this.stock = stock;
    this.payments = payments;
    this.ledger = ledger;
  }

  CompletableFuture<Outcome> fulfil(Order order) {
    return stock.reserve(order.sku(), order.quantity())
        .thenCompose(reservation -> reservation.accepted()
            ? payments.charge("order-" + order.placedBy() + "-" + order.id(),
                CENTS_PER_UNIT * order.quantity())
                .thenApply(receipt -> Outcome.FULFILLED)
            : CompletableFuture.completedFuture(Outcome.OUT_OF_STOCK))
        .exceptionally(failure -> Outcome.FAILED)
        .thenApply(outcome -> {
          ledger.record(order, outcome);
          return outcome;
        });
  }
}
