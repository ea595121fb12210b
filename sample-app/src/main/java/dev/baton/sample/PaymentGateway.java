package dev.baton.sample;

import dev.baton.annotation.Limited;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.stereotype.Service;

/**
 * A slow payment provider that allows few concurrent calls: {@code @Limited} keeps at most
 * {@code baton.semaphores.payments.permits} charges in flight, queueing the rest without blocking
 * a thread, and holds each permit until the charge's future completes.
 */
@Service
public class PaymentGateway {

  private static final Duration LATENCY = Duration.ofMillis(200);
  private final Executor provider =
      CompletableFuture.delayedExecutor(LATENCY.toMillis(), TimeUnit.MILLISECONDS);
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger mostInFlight = new AtomicInteger();

  /** Charges {@code cents}; completes after the provider's latency. */
  @Limited("payments")
  public CompletableFuture<Receipt> charge(String order, long cents) {
    mostInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
    return CompletableFuture.supplyAsync(() -> {
      inFlight.decrementAndGet();
      return new Receipt(order, cents);
    }, provider);
  }

  /** The most charges that were ever in flight at once. */
  public int mostInFlight() {
    return mostInFlight.get();
  }

  /** A completed charge. */
  public record Receipt(String order, long cents) {}
}
