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
abstract class WatchedWait<T, R> extends PendingWait implements RelayedGrant.Settlement<T, R> {

  /** @param call the call left waiting, or null if unknown */
  WatchedWait(Call call) {
    super(call);
  }

  /** The watch told about this wait. */
  abstract WaitWatch watch();

  /** What the waiter is handed for {@code granted}; runs once, after the watch heard. */
  abstract R handOn(T granted);

  /**
   * Tells the watch about this wait, pending now as {@code wait}, and returns the future the
   * waiter is handed: failed at once if the watch refused the wait.
   */
  final CompletableFuture<R> relay(CompletableFuture<T> wait) {
    RuntimeException refused = watch().pending(this);
    CompletableFuture<R> relayed = RelayedGrant.relay(this, wait);
    handedOut(relayed);
    if (refused != null) {
      relayed.completeExceptionally(refused);
    }
    return relayed;
  }

  @Override
  public final R granted(T grant) {
    watch().settled(this);
    return handOn(grant);
  }

  @Override
  public final void failed() {
    watch().settled(this);
  }

  @Override
  public final AcquireTimeoutException timedOut(Duration timeout) {
    return site().timedOut(timeout, watch().blockers(this));
  }
}
