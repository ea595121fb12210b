package dev.baton.spring.local;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The close of a registry's locks, semaphores and events (a condition's lock too) as the
 * application shuts down: a wait pending then fails with a {@link CancellationException}, which
 * withdraws it (a grant that raced with the close stands), and a wait asked for afterwards fails
 * at once with an {@link IllegalStateException}; both say that the application is shutting down.
 * So no caller stays parked until its timeout, and no wait is granted once the close has
 * returned. Holders keep what they hold and release it as usual.
 *
 * <p>Nothing is kept per wait: {@link #close()} raises a flag, and the registry then fails the
 * waits each primitive lists ({@link dev.baton.Withdrawals#failPending}). A wait that starts
 * pending as the primitive lists its waits may be missed there, so each primitive checks the flag
 * again once a wait is pending ({@link Site#recheck}): the flag is raised before the listing, so
 * a wait the listing misses sees it. A wait granted at once costs one volatile read.
 */
final class Closing {

  /** Set once, by {@link #close()}. */
  private volatile boolean closed;

  /** The closing of the waits at the primitive {@code primitive} {@code name}. */
  Site site(String primitive, String name) {
    return new Site(this, primitive + " '" + name + "'");
  }

  /** Refuses every wait from now on; the registry then fails those pending. */
  void close() {
    closed = true;
  }

  /**
   * The closing of one primitive's waits.
   *
   * @param what the primitive, as messages name it ({@code lock 'ledger'}; a per-key lock by its
   *     family, never its key)
   */
  record Site(Closing closing, String what) {

    /** The failure of a wait asked for now: null unless the close has begun. */
    RuntimeException refusal() {
      return closing.closed ? new IllegalStateException(what + " takes no new wait: the"
          + " application is shutting down, and Baton's primitives with it") : null;
    }

    /** The failure of each wait the close withdraws. */
    Supplier<Throwable> withdrawal() {
      return () -> new CancellationException("the wait for " + what + " was withdrawn: the"
          + " application is shutting down, and Baton's primitives with it");
    }

    /**
     * {@code wait}, a wait of the primitive just asked for, withdrawn if it is pending and the
     * close has begun, since the close's listing may have missed it.
     */
    <T> CompletableFuture<T> recheck(CompletableFuture<T> wait) {
      if (closing.closed && !wait.isDone()) {
        wait.completeExceptionally(withdrawal().get());
      }
      return wait;
    }
  }
}
