package dev.baton.spring.stall;

import dev.baton.AsyncLock;
import dev.baton.Permit;
import dev.baton.spring.PrimitiveRegistry;
import dev.baton.spring.observation.Call;
import dev.baton.spring.observation.TestCalls;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Two calls of a registry that take the same two locks in opposite orders, with calls opened
 * explicitly as in {@link StallViewTest}: {@code OrderService.place} holds {@code inventory} for
 * an item (a per-key family) and waits for {@code ledger}; {@code LedgerService.post} holds
 * {@code ledger} and waits for the item's {@code inventory}. Each call may take its locks through
 * a registry of its own, as two instances sharing a backend do. Closing it withdraws both waits
 * and releases both holds, and any hold a wait was granted meanwhile.
 */
public final class TwoCallDeadlock implements AutoCloseable {

  /** The description {@link Deadlock#describe()} gives of the place side. */
  static final String PLACE = "OrderService.place holds lock 'inventory' and waits for lock"
      + " 'ledger'";

  private final List<CompletableFuture<Permit>> taken = new ArrayList<>();
  private final CompletableFuture<Permit> placeWaits;
  private final CompletableFuture<Permit> postWaits;

  /**
   * @param item the key of the item's inventory lock
   * @param wait how each call waits for the second lock: {@code AsyncLock::acquire} waits without
   *     a timeout
   */
  TwoCallDeadlock(PrimitiveRegistry registry, Object item,
      Function<AsyncLock, CompletableFuture<Permit>> wait) {
    this(registry, registry, item, wait, wait);
  }

  /**
   * @param placeSide the registry {@code OrderService.place} takes its locks through
   * @param postSide the registry {@code LedgerService.post} takes its locks through
   * @param item the key of the item's inventory lock
   * @param placeWait how {@code OrderService.place} waits for {@code ledger}
   * @param postWait how {@code LedgerService.post} waits for the item's {@code inventory}
   */
  public TwoCallDeadlock(PrimitiveRegistry placeSide, PrimitiveRegistry postSide, Object item,
      Function<AsyncLock, CompletableFuture<Permit>> placeWait,
      Function<AsyncLock, CompletableFuture<Permit>> postWait) {
    Call place = TestCalls.call("OrderService.place");
    Call post = TestCalls.call("LedgerService.post");
    as(place, placeSide.lock("inventory", item), AsyncLock::acquire).join();
    as(post, postSide.lock("ledger"), AsyncLock::acquire).join();
    placeWaits = as(place, placeSide.lock("ledger"), placeWait);
    postWaits = as(post, postSide.lock("inventory", item), postWait);
  }

  /** {@code OrderService.place}'s wait for {@code ledger}. */
  public CompletableFuture<Permit> placeWaits() {
    return placeWaits;
  }

  /** {@code LedgerService.post}'s wait for the item's {@code inventory}. */
  public CompletableFuture<Permit> postWaits() {
    return postWaits;
  }

  private CompletableFuture<Permit> as(Call call, AsyncLock lock,
      Function<AsyncLock, CompletableFuture<Permit>> acquire) {
    CompletableFuture<Permit> future = TestCalls.as(call, () -> acquire.apply(lock));
    taken.add(future);
    return future;
  }

  /** Withdraws both waits and releases both holds, and any hold a wait was granted meanwhile. */
  @Override
  public void close() {
    for (CompletableFuture<Permit> future : taken) {
      if (!future.cancel(false) && !future.isCompletedExceptionally()) {
        future.join().close();
      }
    }
  }
}
