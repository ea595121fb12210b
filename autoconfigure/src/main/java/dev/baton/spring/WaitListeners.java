package dev.baton.spring;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/** The {@link WaitListener}s of a registry, told together; free when there are none. */
final class WaitListeners {

  private final WaitListener[] listeners;

  WaitListeners(List<? extends WaitListener> listeners) {
    this.listeners = listeners.toArray(WaitListener[]::new);
  }

  boolean isEmpty() {
    return listeners.length == 0;
  }

  /** Reports {@code wait}, which starts now at {@code site}, and how it ends; returns it. */
  <T> CompletableFuture<T> observe(WaitSite site, CompletableFuture<T> wait) {
    if (listeners.length == 0) {
      return wait;
    }
    WaitListener.Wait[] started = new WaitListener.Wait[listeners.length];
    for (int i = 0; i < listeners.length; i++) {
      started[i] = listeners[i].started(site);
    }
    wait.whenComplete((value, failure) -> {
      WaitOutcome outcome = WaitOutcome.of(failure);
      for (WaitListener.Wait w : started) {
        w.ended(outcome);
      }
    });
    return wait;
  }

  void released(WaitSite site, long nanos) {
    for (WaitListener listener : listeners) {
      listener.released(site, nanos);
    }
  }
}
