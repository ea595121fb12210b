package dev.baton.spring.observation;

import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * A wait left pending under the stall view's {@link WaitWatch}: known to it as a
 * {@link PendingWait} until it settles, its timeout explained by the watch, and its result
 * handed on (through a {@link RelayedGrant}) with the waiting call current, so that the waiter's
 * callbacks run as its call wherever the wait ends.
 */
public final class WatchedWait {

  private WatchedWait() {}

  /**
   * Relays {@code wait}, which {@code call} (null if unknown) is left waiting for at
   * {@code site}, for the holds or promises {@code holders}.
   *
   * @param timed whether {@code wait} ends by itself after a timeout
   * @param onGrant maps what the wait grants, once, when it is granted
   */
  public static <T, R> CompletableFuture<R> relay(WaitWatch watch, WaitSite site,
      LiveHolds holders, Call call, boolean timed, CompletableFuture<T> wait,
      Function<? super T, ? extends R> onGrant) {
    PendingWait pending = new PendingWait(call, site, holders, timed);
    RuntimeException refused = watch.pending(pending);
    RelayedGrant.Settlement settlement = new RelayedGrant.Settlement(
        timeout -> site.timedOut(timeout, watch.blockers(pending)), settle -> {
          try (CurrentCall.Scope waiter = CurrentCall.in(call)) {
            settle.run();
          }
        });
    CompletableFuture<R> relayed = RelayedGrant.relay(settlement, wait, granted -> {
      watch.settled(pending);
      return onGrant.apply(granted);
    }, () -> watch.settled(pending));
    pending.handedOut(relayed);
    if (refused != null) {
      relayed.completeExceptionally(refused);
    }
    return relayed;
  }
}
