package dev.baton.spring.observation;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The {@link WaitListener}s of one registry, told together: a backend reports each wait and
 * each release through one instance. Free when there are none: {@link #observe} then only
 * returns its argument. A wait already done when observed (granted at once) is not told to the
 * listeners that follow only pending waits.
 */
public final class WaitListeners {

  /** Fixed at construction; told in this order. */
  private final WaitListener[] listeners;

  public WaitListeners(List<? extends WaitListener> listeners) {
    this.listeners = listeners.toArray(WaitListener[]::new);
  }

  /** Whether there is nobody to tell. */
  public boolean isEmpty() {
    return listeners.length == 0;
  }

  /**
   * Reports {@code wait}, which starts now at {@code site}, and, once it completes, how it ended;
   * returns it.
   */
  public <T> CompletableFuture<T> observe(WaitSite site, CompletableFuture<T> wait) {
    if (listeners.length == 0) {
      return wait;
    }
    boolean grantedAtOnce = wait.isDone();
    WaitListener.Wait[] started = new WaitListener.Wait[listeners.length];
    for (int i = 0; i < listeners.length; i++) {
      if (!grantedAtOnce || listeners[i].followsWaitsGrantedAtOnce()) {
        started[i] = listeners[i].started(site);
      }
    }
    wait.whenComplete((value, failure) -> {
      WaitOutcome outcome = WaitOutcome.of(failure);
      for (WaitListener.Wait w : started) {
        if (w != null) {
          w.ended(outcome);
        }
      }
    });
    return wait;
  }

  /** Reports that a lock or permit taken at {@code site} was given back after {@code nanos}. */
  public void released(WaitSite site, long nanos) {
    for (WaitListener listener : listeners) {
      listener.released(site, nanos);
    }
  }
}
