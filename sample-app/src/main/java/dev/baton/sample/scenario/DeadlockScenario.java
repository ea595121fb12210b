package dev.baton.sample.scenario;

import dev.baton.AcquireTimeoutException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;

/**
 * Not from the article: a deadlock of annotated calls, for Baton's stall view. The order
 * ({@link OrderDesk#place}) holds the item's {@code inventory} lock and waits for the
 * {@code ledger}; the month-end close ({@link Ledger#close}) holds the {@code ledger} and waits
 * for the item's {@code inventory}. No thread is blocked, so a thread dump shows nothing; the
 * {@code batonstalls} endpoint shows the cycle, confirmed once it has stayed the same for
 * {@code baton.stalls.confirm-after}. The order's wait for the ledger times out after
 * {@value Ledger#TIMEOUT}, and its message, on the timeline, says who held it up; the order then
 * lets the inventory go, and the close counts the item and finishes.
 */
@Component
@Order(7)
class DeadlockScenario implements Scenario {

  /** The item both calls lock; a key, which the stall view never shows. */
  static final String SKU = "cocoa";

  private final OrderDesk desk;
  private final Ledger ledger;

  DeadlockScenario(OrderDesk desk, Ledger ledger) {
    this.desk = desk;
    this.ledger = ledger;
  }

  @Override
  public String name() {
    return "deadlock";
  }

  @Override
  public String description() {
    return "An order and the month-end close take inventory and ledger in opposite orders:"
        + " a deadlock, drawn under Stuck calls, until the order's 4 s timeout ends it.";
  }

  @Override
  public List<String> primitives() {
    return List.of(Inventory.LOCKS, Ledger.LOCK);
  }

  /**
   * Both locks are free when a run starts (runs of a scenario take turns), so each call is
   * granted at once and its body runs before {@code bothHold} completes: each holds its first
   * lock before either asks for its second. The run completes normally once both calls have
   * ended, the order with its timeout.
   */
  @Override
  public CompletableFuture<Void> play(Timeline timeline) {
    Participant order = new Participant("order", timeline);
    Participant close = new Participant("month-end", timeline);
    CompletableFuture<Void> bothHold = new CompletableFuture<>();
    CompletableFuture<Void> placed = order.callWaitingFor(
        Inventory.LOCKS, () -> desk.place(SKU, order, bothHold));
    CompletableFuture<Void> closed = close.callWaitingFor(
        Ledger.LOCK, () -> ledger.close(SKU, close, bothHold));
    bothHold.complete(null);
    return CompletableFuture.allOf(endedOrTimedOut(placed), endedOrTimedOut(closed));
  }

  /** {@code call}, with a timeout (on the timeline already) counted as an ending. */
  private static CompletableFuture<Void> endedOrTimedOut(CompletableFuture<Void> call) {
    return call.exceptionally(failure -> {
      Throwable cause = failure instanceof CompletionException ? failure.getCause() : failure;
      if (cause instanceof AcquireTimeoutException) {
        return null;
      }
      throw failure instanceof CompletionException e ? e : new CompletionException(failure);
    });
  }
}
