package dev.baton.sample.payments;

import dev.baton.annotation.Limited;
import dev.baton.sample.SimulatedLatency;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
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

  /** The peaks being watched, each the most charges in flight at once since it was opened. */
  private final Set<AtomicInteger> watched = ConcurrentHashMap.newKeySet();

  /** Charges {@code cents} for {@code order}; completes after the provider's latency. */
  @Limited("payments")
  public CompletableFuture<Receipt> charge(String order, long cents) {
    int now = inFlight.incrementAndGet();
    watched.forEach(peak -> peak.accumulateAndGet(now, Math::max));
    return SimulatedLatency.after(LATENCY, () -> {
      inFlight.decrementAndGet();
      return new Receipt(order, cents);
    });
  }

  /**
   * Starts watching how many charges are in flight at once: the returned peak is the most there
   * have been from now until it is passed to {@link #stopWatching}.
   */
  public AtomicInteger watchInFlight() {
    AtomicInteger peak = new AtomicInteger(inFlight.get());
    watched.add(peak);
    return peak;
  }

  /** Stops watching {@code peak}; returns the most charges in flight at once while watched. */
  public int stopWatching(AtomicInteger peak) {
    watched.remove(peak);
    return peak.get();
  }

  /** A completed charge. */
  public record Receipt(String order, long cents) {}
}
