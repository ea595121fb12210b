package dev.baton.redis;

import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * One load of Baton's library on one connection, shared by the calls that found the library
 * missing meanwhile; each is sent again once the load is over, in the order the calls joined,
 * which is the order of their error replies and so the order they were first sent. (Dependents
 * of one shared future would run in the reverse order.)
 *
 * <p>Invariant: {@code over} turns true once, when the load has ended and every call queued so
 * far has been sent again (or failed with the load's failure); until then a call that joins is
 * queued behind the others, afterwards it is sent at once.
 */
final class LibraryLoad {
  private final CompletableFuture<Void> done = new CompletableFuture<>();
  private final CompletableFuture<Void> resent = new CompletableFuture<>();
  private final Queue<Consumer<Throwable>> queued = new ArrayDeque<>(); // guarded by this
  private boolean over; // guarded by this

  /** Completes when the load ends, before the queued calls are sent again. */
  CompletableFuture<Void> done() {
    return done;
  }

  /** Completes once {@code over} turns true: the load ended and the queued calls were sent. */
  CompletableFuture<Void> resent() {
    return resent;
  }

  /**
   * Sends {@code call} (which sends its command and gives the reply) once the library is loaded,
   * after every call that joined before it; the result fails as the load did if it failed.
   */
  <T> CompletableFuture<T> thenSend(Supplier<CompletableFuture<T>> call) {
    CompletableFuture<T> result = new CompletableFuture<>();
    Consumer<Throwable> send = loadFailure -> {
      if (loadFailure != null) {
        result.completeExceptionally(loadFailure);
        return;
      }
      CompletableFuture<T> reply;
      try {
        reply = call.get();
      } catch (RuntimeException e) { // not sent: fails this call, not the ones queued after it
        result.completeExceptionally(e);
        return;
      }
      reply.whenComplete((value, error) -> {
        if (error != null) {
          result.completeExceptionally(error);
        } else {
          result.complete(value);
        }
      });
    };
    synchronized (this) {
      if (!over) {
        queued.add(send);
        return result;
      }
    }
    done.whenComplete((loaded, loadFailure) -> send.accept(loadFailure)); // done: runs now
    return result;
  }

  /** Ends the load ({@code loadFailure} null if it succeeded): sends the queued calls, in order. */
  void end(Throwable loadFailure) {
    if (loadFailure == null) {
      done.complete(null);
    } else {
      done.completeExceptionally(loadFailure);
    }
    for (;;) {
      Consumer<Throwable> next;
      synchronized (this) {
        next = queued.poll();
        if (next == null) {
          over = true;
          break;
        }
      }
      next.accept(loadFailure);
    }
    resent.complete(null);
  }
}
