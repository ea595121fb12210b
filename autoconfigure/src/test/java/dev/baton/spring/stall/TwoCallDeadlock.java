package dev.baton.spring.stall;

import dev.baton.AsyncLock;
import dev.baton.Permit;
import dev.baton.spring.PrimitiveRegistry;
import dev.baton.spring.observation.Call;
import dev.baton.spring.observation.CurrentCall;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Two calls of a registry that take the same two locks in opposite orders, with calls opened
 * explicitly as in {@link StallViewTest}: {@code OrderService.place} holds {@code inventory} for
 * an item (a per-key family) and waits for {@code ledger}; {@code LedgerService.post} holds
 * {@code ledger} and waits for the item's {@code inventory}. Closing it withdraws both waits and
 * releases both holds.
 */
final class TwoCallDeadlock implements AutoCloseable {

  /** The description {@link Deadlock#describe()} gives of the place side. */
  static final String PLACE = "OrderService.place holds lock 'inventory' and waits for lock"
      + " 'ledger'";

  private final List<CompletableFuture<Permit>> taken = new ArrayList<>();

  /**
   * @param item the key of the item's inventory lock
   * @param wait how each call waits for the second lock: {@code AsyncLock::acquire} waits without
   *     a timeout
   */
  TwoCallDeadlock(PrimitiveRegistry registry, Object item,
      Function<AsyncLock, CompletableFuture<Permit>> wait) {
    AsyncLock inventory = registry.lock("inventory", item);
    AsyncLock ledger = registry.lock("ledger");
    Call place = call("OrderService.place");
    Call post = call("LedgerService.post");
    as(place, inventory, AsyncLock::acquire).join();
    as(post, ledger, AsyncLock::acquire).join();
    as(place, ledger, wait);
    as(post, inventory, wait);
  }

  private static Call call(String site) {
    try (CurrentCall.Scope scope = CurrentCall.open(site)) {
      return scope.call();
    }
  }

  private CompletableFuture<Permit> as(Call call, AsyncLock lock,
      Function<AsyncLock, CompletableFuture<Permit>> acquire) {
    try (CurrentCall.Scope in = CurrentCall.in(call)) {
      CompletableFuture<Permit> future = acquire.apply(lock);
      taken.add(future);
      return future;
    }
  }

  @Override
  public void close() {
    for (CompletableFuture<Permit> future : taken) {
      if (!future.cancel(false) && !future.isCompletedExceptionally()) {
        future.join().close();
      }
    }
  }
}
