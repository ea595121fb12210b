package dev.baton.spring.aspect;

import dev.baton.AsyncEvent;
import dev.baton.AsyncLock;
import dev.baton.AsyncSemaphore;
import dev.baton.Permit;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * What an annotation makes one invocation wait for, and what it gives back afterwards.
 *
 * @param enter starts the wait; cancelling the future it returns withdraws the wait
 * @param exit gives back what {@code enter} granted once the invocation has completed; safe to
 *     call twice for the same resource
 * @param <R> what a wait grants, such as a {@link Permit}
 */
public record Gate<R>(Supplier<CompletableFuture<R>> enter, Consumer<? super R> exit) {

  /** Holds {@code lock} around the invocation. */
  public static Gate<Permit> holding(AsyncLock lock, Duration timeout) {
    return new Gate<>(() -> lock.acquire(timeout), Permit::close);
  }

  /** Holds one permit of {@code semaphore} around the invocation. */
  public static Gate<Permit> holding(AsyncSemaphore semaphore, Duration timeout) {
    return new Gate<>(() -> semaphore.acquire(timeout), Permit::close);
  }

  /** Runs the invocation once {@code event} is set. */
  public static Gate<Void> after(AsyncEvent event, Duration timeout) {
    return new Gate<>(() -> event.await(timeout), nothing -> { });
  }
}
