package dev.baton.sample.scenario;

import dev.baton.annotation.Guarded;
import java.util.concurrent.CompletableFuture;
import org.springframework.stereotype.Service;

/**
 * The deadlock scenario's order desk. {@link #place} takes the item's inventory lock, then posts
 * the sale to the ledger (inventory, then ledger), the opposite order to {@link Ledger#close}.
 */
@Service
public class OrderDesk {

  private final Ledger ledger;

  OrderDesk(Ledger ledger) {
    this.ledger = ledger;
  }

  /**
   * Places an order for {@code sku}: holding its inventory lock, once {@code go} completes, posts
   * the sale (which takes the ledger's lock).
   */
  @Guarded(value = Inventory.LOCKS, key = "#sku", timeout = Inventory.TIMEOUT)
  public CompletableFuture<Void> place(String sku, Participant who, CompletableFuture<Void> go) {
    return who.whileHolding(Inventory.LOCKS, () -> go.thenComposeAsync(
        ready -> who.callWaitingFor(Ledger.LOCK, () -> ledger.post(who)),
        Continuations.inThisContext()));
  }
}
