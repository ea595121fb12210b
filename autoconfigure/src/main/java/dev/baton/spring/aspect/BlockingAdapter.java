package dev.baton.spring.aspect;

import dev.baton.AcquireTimeoutException;
import dev.baton.Holding;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import org.springframework.util.ClassUtils;

/**
 * For methods with a synchronous result ({@code void} included): the calling thread waits for the
 * gate, up to its timeout, and exits it when the method returns or throws. An interrupt while
 * waiting withdraws the wait and throws {@link CancellationException} with the interrupt flag set.
 * The method runs on the calling thread, in its context, whether or not the call had to wait.
 *
 * <p>A method declaring {@code Object} (as a type variable erases to) may still return a
 * {@link CompletionStage} at run time: the gate is then exited once that stage completes, and the
 * call returns a future that completes after that, or the stage itself when it had completed
 * normally already, as {@link CompletionStageAdapter} does. Any other result still to come, which
 * {@link ReturnTypeAdapters} would have refused as a declared type (a {@code Future}, a publisher,
 * a {@code Stream}, a Kotlin {@code Flow} or {@code Deferred}, or a stage that the declared type
 * cannot take a future in place of), cannot be held on to: the gate is exited and the call fails
 * with an {@link IllegalStateException} naming the method and the result's type. A declared type
 * that is final or primitive cannot hold such a result, and its calls check nothing.
 *
 * <p>On a thread that Reactor marks non-blocking (a Netty event loop of WebFlux or Reactor Netty,
 * {@code Schedulers.parallel()}), a call that waits fails at once with an
 * {@link IllegalStateException} naming the method, before anything is waited for or run, as
 * Reactor's own {@code block()} does there: waiting would stall every request the thread serves.
 * It fails always, not only when it would have to wait, so that a call that passes in a test does
 * not start failing under load; but which thread a call runs on may itself depend on load: one
 * made from code that ran after another wait runs on the thread that ended that wait when it had
 * to wait (README "Where the method runs"), and that thread may be non-blocking. Return a
 * {@code Mono} or {@code CompletionStage} instead, or call the method on a scheduler that may
 * block, such as {@code Schedulers.boundedElastic()}. Without
 * Reactor on the class path nothing is checked. {@link #afterSuccess} never waits, and checks
 * nothing.
 */
public final class BlockingAdapter implements ReturnTypeAdapter {

  /** How messages name the method. */
  private final String method;
  /** The method's declared return type. */
  private final Class<?> declared;
  /** Whether a result of the declared type may be still to come. */
  private final boolean checksResults;

  /** For calls of {@code method}, whose declared type no other adapter handles. */
  BlockingAdapter(Method method) {
    this.method = AnnotationBindings.signature(method);
    this.declared = method.getReturnType();
    this.checksResults = !declared.isPrimitive() && !Modifier.isFinal(declared.getModifiers());
  }

  @Override
  public boolean canHandle(Class<?> returnType) {
    return true;
  }

  @Override
  @SuppressWarnings("unchecked")
  public <R> Object around(Gate<R> gate, Invocation invocation) throws Throwable {
    if (NonBlockingThreads.isCurrent()) {
      throw new IllegalStateException(method + " returns a synchronous result, so its call would"
          + " wait for its lock, permit or event on thread " + Thread.currentThread().getName()
          + ", which Reactor marks non-blocking (such as a Netty event loop or a parallel"
          + " scheduler's thread, serving other work):"
          + " Baton refuses it there, as Reactor refuses block(); return a Mono or"
          + " CompletionStage, or call it on a scheduler that may block, such as"
          + " Schedulers.boundedElastic()");
    }
    R granted = await(gate);
    boolean handedOn = false;
    try {
      Object result = invocation.proceed();
      if (isStageToHold(result)) {
        handedOn = true;
        return Holding.run(CompletableFuture.completedFuture(granted), gate.exit(),
            () -> (CompletionStage<Object>) result);
      }
      return result;
    } finally {
      if (!handedOn) {
        gate.exit().accept(granted);
      }
    }
  }

  @Override
  public Object afterSuccess(Invocation invocation, Runnable action) throws Throwable {
    Object result = invocation.proceed();
    if (isStageToHold(result)) {
      return CompletionStageAdapter.whenSucceeded((CompletionStage<?>) result, action);
    }
    action.run();
    return result;
  }

  /**
   * Whether {@code result} is a stage to hold on to until it completes; false for a result that
   * is complete.
   *
   * @throws IllegalStateException for any other result still to come
   */
  private boolean isStageToHold(Object result) {
    if (!checksResults || !ReturnTypeAdapters.isStillToCome(result)) {
      return false;
    }
    if (result instanceof CompletionStage<?>
        && declared.isAssignableFrom(CompletableFuture.class)) {
      return true;
    }
    throw new IllegalStateException(method + " returned a " + result.getClass().getName()
        + " at run time, whose work is still to come, but declares " + declared.getName()
        + ": Baton cannot hold a lock or permit across such a result from such a method and has"
        + " let go now that the method returned; declare CompletableFuture or CompletionStage (or,"
        + " with Reactor, Mono, Flux or Publisher) to be held until the result completes, or"
        + " return a List for a Stream");
  }

  private static <R> R await(Gate<R> gate) throws Throwable {
    CompletableFuture<R> entry = gate.enter().get();
    try {
      return entry.get();
    } catch (CancellationException e) {
      // The entry's own, which says why (the registry closed, say): from Java 23 on, get()
      // throws a new one named "get", with the entry's only as its cause.
      throw entry.handle((value, failure) -> failure).join() instanceof CancellationException own
          ? own : e;
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

  /** Whether the current thread is one Reactor marks non-blocking; false without Reactor. */
  private static final class NonBlockingThreads {
    private static final boolean REACTOR = ClassUtils.isPresent(
        "reactor.core.scheduler.Schedulers", BlockingAdapter.class.getClassLoader());

    static boolean isCurrent() {
      return REACTOR && Reactor.isInNonBlockingThread();
    }

    /** Loaded only with Reactor present. */
    private static final class Reactor {
      static boolean isInNonBlockingThread() {
        return reactor.core.scheduler.Schedulers.isInNonBlockingThread();
      }
    }
  }
}
