package dev.baton.sample.payments;

import dev.baton.sample.BadRequests;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /payments/burst/{count}} fires {@code count} charges at the limited gateway at once
 * and answers, once all have completed, with how many ran at the same time.
 */
@RestController
class PaymentController {

  private final PaymentGateway gateway;

  PaymentController(PaymentGateway gateway) {
    this.gateway = gateway;
  }

  @PostMapping("/payments/burst/{count}")
  CompletableFuture<Burst> burst(@PathVariable int count) {
    BadRequests.atLeast(0, "count", count);
    List<CompletableFuture<PaymentGateway.Receipt>> charges = IntStream.range(0, count)
        .mapToObj(i -> gateway.charge("burst-" + i, 100L * i)).toList();
    return CompletableFuture.allOf(charges.toArray(CompletableFuture[]::new))
        .thenApply(done -> new Burst(count, gateway.mostInFlight()));
  }

  /** The outcome of a burst: every charge completed, and the most that were ever in flight. */
  record Burst(int charged, int mostInFlight) {}
}
