package dev.baton.redis;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The one periodic task of a {@link RedisBackend}: every third of a lease (sooner when Redis says
 * a lease or the restart quarantine ends earlier, and at once after a reconnect) it renews every
 * permit and every confirmed waiter (see {@link Waiting}) of this JVM with one RENEW call per
 * primitive (per 500 ids), all sent together. The same call reconciles what pub/sub may have
 * missed: a grant whose message was lost is delivered, a waiter Redis forgot (its data lost)
 * queues again, and a permit Redis no longer knows is lost. Every {@link Participant} renews
 * and reconciles its own pending calls in the same tick, Redis's clock is measured again, and the
 * pub/sub connection is PINGed (one whose server no longer answers is connected again).
 *
 * <p>Ticks may overlap (a reconnect during a tick); every step is idempotent, so that is harmless.
 */
final class Renewals {

  /** Most ids one RENEW call carries, so that no call keeps Redis busy for long. */
  private static final int BATCH = 500;

  private final RedisBackend backend;
  /** The next tick, scheduled and not yet started; guarded by this. */
  private ScheduledFuture<?> next;
  private boolean stopped;

  Renewals(RedisBackend backend) {
    this.backend = backend;
  }

  /** Makes sure a tick runs within {@code delayMillis} (at most a third of a lease). */
  synchronized void runSoon(long delayMillis) {
    if (stopped || delayMillis < 0) {
      return;
    }
    long delay = TimeUnit.MILLISECONDS.toNanos(Math.min(delayMillis, backend.leaseMillis() / 3));
    if (next != null && !next.isDone() && next.getDelay(TimeUnit.NANOSECONDS) <= delay) {
      return;
    }
    if (next != null) {
      next.cancel(false);
    }
    next = backend.timers().schedule(this::tick, delay, TimeUnit.NANOSECONDS);
  }

  synchronized void stop() {
    stopped = true;
    if (next != null) {
      next.cancel(false);
    }
  }

  private void tick() {
    synchronized (this) {
      next = null; // running now: a tick asked for from here on is a new one
    }
    long startedAt = System.nanoTime();
    backend.measureClock();
    backend.checkPubSub();
    backend.resendUnsent();
    long sentAt = backend.redisNow();
    expireUnrenewed(sentAt);
    Map<RemotePermits, List<String>> ids = new HashMap<>();
    Map<PermitKeys, RemotePermits> owners = new HashMap<>();
    backend.held().values().forEach(permit -> group(ids, owners, permit.owner(), permit.id()));
    backend.waiting().values().stream().filter(Waiting::confirmed)
        .forEach(w -> group(ids, owners, w.owner, w.id));
    List<CompletableFuture<Long>> hints = new ArrayList<>();
    ids.forEach((permits, list) -> {
      for (int from = 0; from < list.size(); from += BATCH) {
        hints.add(renew(permits, list.subList(from, Math.min(list.size(), from + BATCH)), sentAt));
      }
    });
    backend.participants().forEach(participant -> hints.add(participant.renew(sentAt)));
    CompletableFuture.allOf(hints.toArray(CompletableFuture[]::new)).whenComplete((ok, e) -> {
      // A third of a lease after this tick started, not after its replies: a renewal that timed
      // out may still have run, and the next one must come while the lease lasts.
      long soonest = Math.max(0, backend.leaseMillis() / 3
          - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedAt));
      for (CompletableFuture<Long> hint : hints) {
        // A renewal that failed (Redis did not answer in time) asks for no earlier tick; read as
        // a failure, it would end the chain of ticks, and with it every renewal of this JVM.
        long h = hint.isCompletedExceptionally() ? -1 : hint.getNow(-1L);
        if (h >= 0) {
          soonest = Math.min(soonest, h + 5);
        }
      }
      runSoon(soonest);
    });
  }

  /**
   * Renews a participant's pending {@code calls} with {@code renew}, at most BATCH per call, all
   * sent together; the future gives the soonest of their hints (ms), or -1.
   */
  static <T> CompletableFuture<Long> inBatches(List<T> calls,
      Function<List<T>, CompletableFuture<Long>> renew) {
    List<CompletableFuture<Long>> hints = new ArrayList<>();
    for (int from = 0; from < calls.size(); from += BATCH) {
      hints.add(renew.apply(calls.subList(from, Math.min(calls.size(), from + BATCH))));
    }
    return CompletableFuture.allOf(hints.toArray(CompletableFuture[]::new)).handle((ok, e) ->
        hints.stream().mapToLong(h -> h.getNow(-1L)).filter(h -> h >= 0).min().orElse(-1L));
  }

  /** Permits whose lease has run out by Redis's clock without a renewal: lost, say so. */
  private void expireUnrenewed(long now) {
    backend.held().values().forEach(permit -> {
      if (permit.leaseEnd() < now) {
        backend.lost(permit, "it could not be renewed for a whole lease");
      }
    });
  }

  private static void group(Map<RemotePermits, List<String>> ids,
      Map<PermitKeys, RemotePermits> owners, RemotePermits owner, String id) {
    RemotePermits canonical = owners.computeIfAbsent(owner.keys(), k -> owner);
    ids.computeIfAbsent(canonical, k -> new ArrayList<>()).add(id);
  }

  /** RENEWs {@code ids} of one primitive; the future gives Redis's next-expiry hint or -1. */
  private CompletableFuture<Long> renew(RemotePermits permits, List<String> ids, long sentAt) {
    return backend.<List<Object>>run(Scripts.RENEW, backend.redis(), permits.keys().keys(),
            backend.args(ids.toArray(String[]::new)))
        .handleAsync((replies, failure) -> {
          if (failure != null) {
            return -1L;
          }
          for (int i = 0; i < ids.size(); i++) {
            reconcile(ids.get(i), (String) replies.get(i), sentAt);
          }
          return Long.parseLong((String) replies.get(ids.size()));
        }, backend.callbacks());
  }

  private void reconcile(String id, String reply, long sentAt) {
    RedisPermit permit = backend.held().get(id);
    Waiting w = backend.waiting().get(id);
    switch (reply) {
      case "W" -> { }
      case "X" -> {
        if (permit != null) {
          backend.lost(permit, "Redis no longer knows it (its lease ran out, or Redis lost its"
              + " data)");
        } else if (w != null) {
          backend.resend(() -> backend.sendAcquire(w));
        }
      }
      default -> {
        if (permit != null) {
          permit.renewed(sentAt + backend.leaseMillis());
        } else if (w != null) {
          backend.deliver(id, Long.parseLong(reply), sentAt);
        }
      }
    }
  }
}
