package dev.baton.sample.scenario;

import dev.baton.annotation.Guarded;
import dev.baton.sample.SimulatedLatency;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.springframework.stereotype.Service;

/**
 * The deadlock scenario's books, behind one {@code ledger} lock. {@link #close} is the month-end
 * close: it takes the ledger, then counts an item's stock (ledger, then inventory), the opposite
 * order to {@link OrderDesk#place}. Waits for the ledger give up after {@value #TIMEOUT}.
 */
@Service
public class Ledger {

  /** The ledger's lock. */
  static final String LOCK = "ledger";
  /** How long calls wait for the ledger. */
  static final String TIMEOUT = "4s";

  private static final Duration WRITE = Duration.ofMillis(50);

  private final Inventory inventory;

  Ledger(Inventory inventory) {
    this.inventory = inventory;
  }

  /** Posts a sale, holding the ledger. */
  @Guarded(value = LOCK, timeout = TIMEOUT)
  public CompletableFuture<Void> post(Participant who) {
    return who.whileHolding(LOCK, () -> SimulatedLatency.of(WRITE));
  }

  /**
   * Closes the month: holding the ledger, once {@code go} completes, counts {@code sku} (which
   * takes its inventory lock).
   */
  @Guarded(value = LOCK, timeout = TIMEOUT)
  public CompletableFuture<Void> close(String sku, Participant who, CompletableFuture<Void> go) {
    return who.whileHolding(LOCK, () -> go.thenComposeAsync(
        ready -> who.callWaitingFor(Inventory.LOCKS, () -> inventory.count(sku, who)),
        Continuations.inThisContext()));
  }
}
