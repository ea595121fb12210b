package dev.baton.spring.observation;

import dev.baton.AcquireTimeoutException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * A wait left pending under the stall view's {@link WaitWatch}: known to it as a
 * {@link PendingWait} from {@link #relay} until it settles, its timeout explained by the watch,
 * and its result handed on (through a {@link RelayedGrant}) with the waiting call current, so
 * that the waiter's callbacks run as its call wherever the wait ends.
 *
 * <p>One object is the pending wait and every callback its relay needs: a watched wait costs
 * this object and the relay, and no lambda. The watch hears {@link WaitWatch#settled} exactly
 * once, before the relayed future settles: at the grant, or when the wait fails or is withdrawn.
 *
 * @param <T> what the wait grants
 * @param <R> what the waiter is handed
 */
interface WatchedWait<T, R> extends PendingWait, RelayedGrant.Settlement<T, R> {

  /** The watch told about this wait. */
  WaitWatch watch();

  /** What the waiter is handed for {@code granted}; runs once, after the watch heard. */
  R handOn(T granted);

  /** Records the future the waiter was handed, unless the wait has ended meanwhile. */
  void handedOut(CompletableFuture<?> waiter);

  /**
   * Tells the watch about this wait, pending now as {@code wait}, and returns the future the
   * waiter is handed: failed at once if the watch refused the wait. The watch lists it as a wait
   * before its grant, if it has one already, can be handed on.
   */
  default CompletableFuture<R> relay(CompletableFuture<T> wait) {
    RuntimeException refused = watch().pending(this);
    CompletableFuture<R> relayed = RelayedGrant.relay(this, wait);
    handedOut(relayed);
    if (refused != null) {
      relayed.completeExceptionally(refused);
    }
    return relayed;
  }

  @Override
  default R granted(T grant) {
    watch().settled(this);
    return handOn(grant);
  }

  @Override
  default void failed() {
    watch().settled(this);
  }

  @Override
  default AcquireTimeoutException timedOut(Duration timeout) {
    return site().timedOut(timeout, watch().blockers(this, timeout));
  }
}
