package dev.baton.sample.payments;

import dev.baton.sample.BadRequests;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /payments/burst/{count}} fires {@code count} charges at the limited gateway at once
 * and answers, once all have completed, with the most charges that ran at the same time while the
 * burst lasted (its own, and any other charges made meanwhile, such as orders'). A negative count,
 * or one above {@link BadRequests#MAX_COUNT}, answers 400 and charges nothing.
 */
@RestController
class PaymentController {

  private final PaymentGateway gateway;

  PaymentController(PaymentGateway gateway) {
    this.gateway = gateway;
  }

  @PostMapping("/payments/burst/{count}")
  CompletableFuture<Burst> burst(@PathVariable int count) {
    BadRequests.count(count);
    AtomicInteger peak = gateway.watchInFlight();
    List<CompletableFuture<PaymentGateway.Receipt>> charges = IntStream.range(0, count)
        .mapToObj(i -> gateway.charge("burst-" + i, 100L * i)).toList();
    return CompletableFuture.allOf(charges.toArray(CompletableFuture[]::new))
        .whenComplete((done, failure) -> gateway.stopWatching(peak))
        .thenApply(done -> new Burst(count, peak.get()));
  }

  /** The outcome of a burst: every charge completed, and the most in flight at once meanwhile. */
  record Burst(int charged, int mostInFlight) {}
}
