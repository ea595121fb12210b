package dev.baton;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A future of Baton's own whose blocking reads ({@code join}, {@code get}) first let the calling
 * thread hand on the grants it has queued behind the callback it is running
 * ({@link Grants#deliverBeforeBlocking}): the grant this future waits for may be among them, and
 * nothing would complete it while this thread blocks.
 */
abstract class HandsOnBeforeBlocking<T> extends CompletableFuture<T> {

  @Override
  public T join() {
    beforeBlocking();
    return super.join();
  }

  @Override
  public T get() throws InterruptedException, ExecutionException {
    beforeBlocking();
    return super.get();
  }

  /** As {@link #get()}, unless the timeout leaves no time to wait at all. */
  @Override
  public T get(long timeout, TimeUnit unit)
      throws InterruptedException, ExecutionException, TimeoutException {
    if (timeout > 0) {
      beforeBlocking();
    }
    return super.get(timeout, unit);
  }

  /**
   * Before a blocking read parks: unless this future is done, hands on the grants queued behind
   * the callback this thread runs. A subclass may first poll briefly for completion.
   */
  void beforeBlocking() {
    if (!isDone()) {
      Grants.deliverBeforeBlocking();
    }
  }
}
