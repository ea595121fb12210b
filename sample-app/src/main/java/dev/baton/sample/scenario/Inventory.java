package dev.baton.sample.scenario;

import dev.baton.annotation.Guarded;
import dev.baton.sample.SimulatedLatency;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.springframework.stereotype.Service;

/**
 * The deadlock scenario's stock: one {@code inventory} lock per item, from a per-key family (the
 * stall view names the family, never the item). Waits for it give up after {@value #TIMEOUT},
 * later than the ledger's, so that the ledger's timeout is the one that ends the deadlock.
 */
@Service
public class Inventory {

  /** The per-item lock family. */
  static final String LOCKS = "inventory";
  /** How long calls wait for an item's lock. */
  static final String TIMEOUT = "6s";

  private static final Duration COUNT = Duration.ofMillis(50);

  /** Counts {@code sku} on the shelf, holding its lock. */
  @Guarded(value = LOCKS, key = "#sku", timeout = TIMEOUT)
  public CompletableFuture<Void> count(String sku, Participant who) {
    return who.whileHolding(LOCKS, () -> SimulatedLatency.of(COUNT));
  }
}
