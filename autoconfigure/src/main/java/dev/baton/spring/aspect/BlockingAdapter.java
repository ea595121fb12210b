package dev.baton.spring.aspect;

import dev.baton.AcquireTimeoutException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * For methods with a synchronous result ({@code void} included): the calling thread waits for the
 * gate, up to its timeout, and exits it when the method returns or throws. An interrupt while
 * waiting withdraws the wait and throws {@link CancellationException} with the interrupt flag set.
 * The method runs on the calling thread, in its context, whether or not the call had to wait.
 */
public final class BlockingAdapter implements ReturnTypeAdapter {

  @Override
  public boolean canHandle(Class<?> returnType) {
    return true;
  }

  @Override
  public <R> Object around(Gate<R> gate, Invocation invocation) throws Throwable {
    R granted = await(gate);
    try {
      return invocation.proceed();
    } finally {
      gate.exit().accept(granted);
    }
  }

  @Override
  public Object afterSuccess(Invocation invocation, Runnable action) throws Throwable {
    Object result = invocation.proceed();
    action.run();
    return result;
  }

  private static <R> R await(Gate<R> gate) throws Throwable {
    CompletableFuture<R> entry = gate.enter().get();
    try {
      return entry.get();
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof AcquireTimeoutException) {
        cause.fillInStackTrace(); // made on a Baton thread: show the caller that waited
      }
      throw cause;
    } catch (InterruptedException e) {
      if (!entry.cancel(false)) {
        entry.thenAccept(gate.exit());
      }
      Thread.currentThread().interrupt();
      throw new CancellationException("interrupted while waiting to enter the method");
    }
  }
}
