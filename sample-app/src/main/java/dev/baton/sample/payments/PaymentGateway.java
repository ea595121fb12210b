package dev.baton.sample.payments;

import dev.baton.annotation.Limited;
import dev.baton.sample.SimulatedLatency;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.stereotype.Service;

/**
 * A slow payment provider that allows few concurrent calls: {@code @Limited} keeps at most
 * {@code baton.semaphores.payments.permits} charges in flight, queueing the rest in arrival order
 * without blocking a thread, and holds each permit until the charge's future completes. A charge
 * that waits longer than {@code baton.semaphores.payments.timeout} fails with
 * {@link dev.baton.AcquireTimeoutException} and never reaches the provider.
 */
@Service
public class PaymentGateway {

  private static final Duration LATENCY = Duration.ofMillis(200);

  /** Charges inside the provider right now. */
  private final AtomicInteger inFlight = new AtomicInteger();

  /** The highest value {@link #inFlight} ever had. */
  private final AtomicInteger mostInFlight = new AtomicInteger();

  /** Charges {@code cents} for {@code order}; completes after the provider's latency. */
  @Limited("payments")
  public CompletableFuture<Receipt> charge(String order, long cents) {
    mostInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
    return SimulatedLatency.after(LATENCY, () -> {
      inFlight.decrementAndGet();
      return new Receipt(order, cents);
    });
  }

  /** The most charges that were ever in flight at once. */
  public int mostInFlight() {
    return mostInFlight.get();
  }

  /** A completed charge. */
  public record Receipt(String order, long cents) {}
}
