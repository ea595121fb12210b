package dev.baton.redis;

import io.lettuce.core.RedisCommandExecutionException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends a script call again while Redis refuses it with {@code TRYAGAIN}: what a cluster node
 * answers a call naming several keys of a slot being migrated (resharding) while some of them
 * are absent on its side. Every Baton script names several keys of its primitive's slot, some
 * usually absent, so while that slot migrates nearly every call on it is refused, until the slot
 * is stable. The cluster specification tells clients to retry after a short delay, and a refused
 * call ran nothing, so sending it again cannot run it twice: a resharding costs callers latency,
 * not failures.
 *
 * <p>Only {@code TRYAGAIN} is retried. It is the one refusal the cluster specification asks
 * clients to retry, and comes with a routine, planned step that ends by itself within moments.
 * The other replies of a state that passes ({@code CLUSTERDOWN}, {@code MASTERDOWN},
 * {@code LOADING}, {@code BUSY}, {@code READONLY}) come with a fault (a node or cluster down, a
 * restart, a script stuck, a failover): they fail at once as unavailable, as calls do while
 * Redis is down, and the backend's own recovery (reconnect, renewal, Sentinel switch, restart
 * quarantine) takes over; retrying them would hide an outage behind waits.
 *
 * <p>Pauses between attempts: 5 ms, doubled after each refusal, at most 200 ms: short next to a
 * migration of a few keys, and a migration lasting seconds costs a call a few dozen refused round
 * trips, each answered at once.
 *
 * <p>Invariants, for each call:
 * <ul>
 *   <li>At most one attempt is in flight: the next is scheduled only once the previous was
 *       refused, so Redis runs the call at most once.
 *   <li>An attempt after the first is sent only in a send step of the backend (none once close()
 *       has begun: see {@link RedisBackend#close()}), while the call is {@code wanted} (its caller
 *       has not withdrawn it) and its result is not complete, and only before its bound.
 *   <li>Every attempt of a waiting call, the first too, is checked wanted and written to the
 *       connection holding the call's monitor, which a withdrawal of the call holds while it
 *       marks the call unwanted, before it sends its CANCEL: an attempt found wanted is written
 *       before that CANCEL, on the same connection, and so runs before it; one found unwanted is
 *       not written and fails with {@link Scripts.NotSent}. The attempt does that itself
 *       ({@link Scripts#run(io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands,
 *       String[], Object, BooleanSupplier, String...)}), as every send of a waiting call's
 *       command does (sent again after Redis forgot the call, or after a library load); here
 *       {@code wanted} is only read to schedule no attempt for a call withdrawn already.
 *   <li>The result completes once: with the first answer that is not {@code TRYAGAIN}, success or
 *       failure, or with the last refusal once no further attempt may be sent, also when the
 *       timers stop with an attempt still scheduled ({@link #stop()}).
 * </ul>
 * A call withdrawn while its next attempt is scheduled therefore sends nothing more, and one
 * withdrawn while an attempt is being sent has its CANCEL run after that attempt: the withdrawal
 * undoes what the attempt did, or, for what cannot be undone (a put that went straight into its
 * queue, an await that tripped its barrier), the attempt counts as having run before the caller
 * gave up, as a first attempt would (the tests
 * {@code RedisClusterTest.a*CancelledWhileItIsSentAgain*}).
 */
final class TryAgain {

  private static final Logger log = LoggerFactory.getLogger(TryAgain.class);
  private static final long FIRST_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
  private static final long MAX_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
  /** The bound of a call that is retried as long as it is wanted. */
  static final long NO_BOUND = Long.MAX_VALUE;

  /** Runs an attempt in a send step of the backend; null if close() has begun (not sent). */
  interface Gate {
    <T> T step(Supplier<T> send);
  }

  private final ScheduledExecutorService timers;
  private final Gate gate;
  /** Results whose next attempt is scheduled, with the refusal they fail with if never sent. */
  private final ConcurrentHashMap<CompletableFuture<?>, Throwable> scheduled =
      new ConcurrentHashMap<>();

  TryAgain(ScheduledExecutorService timers, Gate gate) {
    this.timers = timers;
    this.gate = gate;
  }

  /**
   * Sends {@code attempt} of a call that nobody withdraws now, and again after each
   * {@code TRYAGAIN} while the invariants allow, until {@code until}
   * ({@link System#nanoTime()}): as {@link #send(Supplier, long, BooleanSupplier)}.
   */
  <T> CompletableFuture<T> send(Supplier<CompletableFuture<T>> attempt, long until) {
    return send(attempt, until, () -> true);
  }

  /**
   * Sends {@code attempt} now, and again after each {@code TRYAGAIN} while the invariants allow,
   * until {@code until} ({@link System#nanoTime()}, or {@link #NO_BOUND}): the result is the
   * first answer that is not a refusal, or the last refusal. Completes on the thread that
   * completes the attempt (a Netty thread), as the attempt would. No attempt is scheduled once
   * {@code wanted} is false; an attempt checks it again, holding the call's monitor, as it writes
   * its command (see the invariants).
   */
  <T> CompletableFuture<T> send(Supplier<CompletableFuture<T>> attempt, long until,
      BooleanSupplier wanted) {
    CompletableFuture<T> result = new CompletableFuture<>();
    settle(attempt.get(), attempt, until, wanted, result, FIRST_PAUSE_NANOS);
    return result;
  }

  /** Fails the results whose next attempt was scheduled, once the timers no longer run it. */
  void stop() {
    scheduled.forEach((result, refusal) -> {
      if (scheduled.remove(result, refusal)) {
        result.completeExceptionally(refusal);
      }
    });
  }

  private <T> void settle(CompletableFuture<T> sent, Supplier<CompletableFuture<T>> attempt,
      long until, BooleanSupplier wanted, CompletableFuture<T> result, long pause) {
    sent.whenComplete((reply, failure) -> {
      if (failure == null) {
        result.complete(reply);
      } else if (!isTryAgain(failure) || result.isDone() || !wanted.getAsBoolean()
          || (until != NO_BOUND && System.nanoTime() + pause - until >= 0)) {
        result.completeExceptionally(failure);
      } else {
        if (pause == FIRST_PAUSE_NANOS) {
          log.debug("Redis refused a call, its slot being migrated; sent again until it is"
              + " stable: {}", Scripts.unwrap(failure).getMessage());
        }
        schedule(attempt, until, wanted, result, pause, failure);
      }
    });
  }

  private <T> void schedule(Supplier<CompletableFuture<T>> attempt, long until,
      BooleanSupplier wanted, CompletableFuture<T> result, long pause, Throwable refusal) {
    scheduled.put(result, refusal);
    try {
      timers.schedule(() -> {
        if (!scheduled.remove(result, refusal)) {
          return; // stop() failed it
        }
        CompletableFuture<T> sent;
        try {
          // the attempt checks wanted again as it writes, holding the call's monitor
          sent = result.isDone() || !wanted.getAsBoolean() ? null : gate.step(attempt);
        } catch (RuntimeException e) {
          result.completeExceptionally(e);
          return;
        }
        if (sent == null) {
          result.completeExceptionally(refusal);
        } else {
          settle(sent, attempt, until, wanted, result,
              Math.min(2 * pause, MAX_PAUSE_NANOS));
        }
      }, pause, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) { // the timers stopped: the backend shut down
      if (scheduled.remove(result, refusal)) {
        result.completeExceptionally(refusal);
      }
    }
  }

  /** Whether {@code failure} is Redis's {@code TRYAGAIN} refusal. */
  static boolean isTryAgain(Throwable failure) {
    return Scripts.unwrap(failure) instanceof RedisCommandExecutionException reply
        && ErrorCode.of(reply).equals("TRYAGAIN");
  }
}
