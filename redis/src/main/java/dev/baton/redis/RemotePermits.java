package dev.baton.redis;

import dev.baton.AcquireTimeoutException;
import dev.baton.Permit;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The permits of one lock or semaphore in Redis, as seen from this JVM: acquiring queues a
 * {@link Waiting} in Redis (FIFO across JVMs) and the grant arrives as a reply or a pub/sub
 * message; releasing hands the permit to the oldest live waiter inside Redis. Handles are cheap
 * and stateless: every handle with the same keys is the same primitive.
 */
final class RemotePermits {

  private final RedisBackend backend;
  private final PermitKeys keys;
  private final int max;

  RemotePermits(RedisBackend backend, PermitKeys keys, int max) {
    if (max <= 0) {
      throw new IllegalArgumentException("permits must be positive, was " + max);
    }
    this.backend = backend;
    this.keys = keys;
    this.max = max;
  }

  PermitKeys keys() {
    return keys;
  }

  int max() {
    return max;
  }

  CompletableFuture<Permit> acquire(Duration timeout) {
    if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
      return acquireIfFree(timeout);
    }
    return backend.acquire(this, LongTimeouts.countable(timeout));
  }

  /**
   * A zero or negative timeout: granted only if free now. A permit that arrives after the caller
   * cancelled the returned future is given back, never left held.
   */
  private CompletableFuture<Permit> acquireIfFree(Duration timeout) {
    CompletableFuture<Permit> result = new CompletableFuture<>();
    tryAcquireAsync().whenComplete((granted, failure) -> {
      if (failure != null) {
        result.completeExceptionally(failure);
      } else if (granted.isEmpty()) {
        result.completeExceptionally(
            new AcquireTimeoutException(keys.kind(), keys.name(), timeout));
      } else if (!result.complete(granted.get())) {
        granted.get().close();
      }
    });
    return result;
  }

  Optional<Permit> tryAcquire() {
    return backend.await(tryAcquireAsync());
  }

  private CompletableFuture<Optional<Permit>> tryAcquireAsync() {
    return backend.tryAcquire(this);
  }

  void release(RedisPermit permit) {
    backend.release(permit);
  }

  /** Whether {@code permit}'s lease has run out by Redis's clock, unrenewed. */
  boolean leaseRanOut(RedisPermit permit) {
    return permit.leaseEnd() < backend.redisNow();
  }

  /** Marks {@code permit} lost, for {@code why}. */
  void lost(RedisPermit permit, String why) {
    backend.lost(permit, why);
  }

  /** Permits neither held nor handed over, as Redis counts them now: one round trip. */
  int available() {
    return max - heldNow();
  }

  int heldNow() {
    return (int) Math.min(max, backend.await(backend.countLive(keys)));
  }

  int waiters() {
    return backend.await(backend.countWaiters(keys)).intValue();
  }

  /** Held permits and waiters from the backend's latest snapshot (see {@link RemoteLevels}). */
  RemoteLevels.Levels levels() {
    return backend.snapshots().levels(keys.keys()[0], () -> backend.countLive(keys)
        .thenCombine(backend.countWaiters(keys),
            (live, queued) -> new RemoteLevels.Levels(live.intValue(), queued.intValue())));
  }

  /** ACQUIRE's arguments after the common ones. */
  String[] acquireArgs(String id, boolean wait, long notAfter) {
    return new String[] {id, Integer.toString(max), wait ? "wait" : "try", Long.toString(notAfter)};
  }

  static String status(List<Object> reply) {
    return (String) reply.get(0);
  }

  @Override
  public String toString() {
    return keys + " on Redis, " + max + (max == 1 ? " permit" : " permits");
  }
}
