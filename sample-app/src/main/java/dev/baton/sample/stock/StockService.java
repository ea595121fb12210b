package dev.baton.sample.stock;

import dev.baton.annotation.Guarded;
import dev.baton.sample.BadRequests;
import dev.baton.sample.SimulatedLatency;
import java.time.Duration;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.stereotype.Service;

/**
 * Stock levels per SKU. A reservation reads the level, checks with the warehouse (simulated:
 * {@value #CHECK_MILLIS} ms) and writes the new level: a read-check-write that would oversell if
 * two reservations of one SKU interleaved. {@code @Guarded(key = "#sku")} takes one lock per SKU
 * from the family {@code stock}, held until the returned future completes, so reservations of
 * one SKU run one at a time in arrival order while different SKUs never wait for each other.
 */
@Service
public class StockService {

  /** The per-SKU lock family. */
  public static final String LOCKS = "stock";

  private static final long CHECK_MILLIS = 30;

  /** Units on hand per SKU; never negative. Written only under the SKU's lock. */
  private final Map<String, Integer> levels = new ConcurrentHashMap<>(
      Map.of("tea", 40, "coffee", 40, "cocoa", 5, "mate", 20));

  /**
   * Reserves {@code quantity} units of {@code sku} if that many are on hand.
   *
   * @return the reservation; failed with {@link NoSuchElementException} for an unknown SKU, or
   *     with {@link dev.baton.AcquireTimeoutException} after 5 s waiting for the SKU's lock
   */
  @Guarded(value = LOCKS, key = "#sku", timeout = "5s")
  public CompletableFuture<Reservation> reserve(String sku, int quantity) {
    Integer onHand = levels.get(sku);
    if (onHand == null) {
      return CompletableFuture.failedFuture(new NoSuchElementException("no SKU " + sku));
    }
    return SimulatedLatency.after(Duration.ofMillis(CHECK_MILLIS), () -> {
      if (onHand < quantity) {
        return new Reservation(sku, quantity, false, onHand);
      }
      levels.put(sku, onHand - quantity);
      return new Reservation(sku, quantity, true, onHand - quantity);
    });
  }

  /**
   * Adds {@code quantity} units of a known {@code sku}; completes with the new level, or fails
   * with {@link BadRequests.Refused} if the level would pass {@link Integer#MAX_VALUE}.
   */
  @Guarded(value = LOCKS, key = "#sku", timeout = "5s")
  public CompletableFuture<Integer> restock(String sku, int quantity) {
    Integer onHand = levels.get(sku);
    if (onHand == null) {
      return CompletableFuture.failedFuture(new NoSuchElementException("no SKU " + sku));
    }
    if (quantity > Integer.MAX_VALUE - onHand) {
      return CompletableFuture.failedFuture(new BadRequests.Refused("quantity " + quantity
          + " would take " + sku + "'s level of " + onHand + " past " + Integer.MAX_VALUE));
    }
    levels.put(sku, onHand + quantity);
    return CompletableFuture.completedFuture(onHand + quantity);
  }

  /** The current levels, sorted by SKU. */
  public Map<String, Integer> levels() {
    return new TreeMap<>(levels);
  }
}
