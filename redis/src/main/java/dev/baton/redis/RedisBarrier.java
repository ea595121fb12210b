package dev.baton.redis;

import dev.baton.AsyncBarrier;
import dev.baton.BrokenBarrierException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A barrier on Redis (see {@link RedisBackend#barrier(String, int)}), whose parties may wait in
 * any JVM: the {@link AsyncBarrier} contract across processes. Indices are given at the trip, in
 * arrival order across JVMs; the trip, {@code reset()} and {@code abort()} reach every waiting
 * party by a message on its JVM's channel (push, never polling). A cancelled await stops counting,
 * as in asyncio. Beyond asyncio: a waiting party whose JVM stops renewing its lease (it died)
 * breaks the barrier within one lease, until {@code reset()}, so the others fail instead of
 * waiting forever. Reads ({@code isBroken()}, {@code waiting()}) and {@code reset()}/{@code
 * abort()} are one round trip each.
 *
 * <p>Invariants: {@link #open} holds the awaits of this JVM whose future is not complete;
 * {@link #pending} holds exactly the awaits of this JVM that Redis confirmed as
 * waiting and no outcome has settled; each is renewed every tick, whose reply also settles one
 * whose message was missed or lost: Redis keeps a party's outcome for a lease, until its JVM,
 * once the party is settled, drops it (see {@code barrier-prelude.lua}).
 */
final class RedisBarrier implements AsyncBarrier, RemoteLevels, Participant {

  private static final Logger log = LoggerFactory.getLogger(RedisBarrier.class);

  private final RedisBackend backend;
  private final String name;
  private final int parties;
  /** state, arrivals, alive, outcomes, kept (see {@code barrier-prelude.lua}). */
  private final String[] keys;
  private final ConcurrentHashMap<String, CompletableFuture<Integer>> pending =
      new ConcurrentHashMap<>();
  /**
   * Pending awaits a renewal found unknown to Redis once: one being withdrawn may still be pending
   * (its CANCEL is sent before its future completes). Unknown on the next renewal too: lost
   * (Redis lost its data, or the party was not renewed for a lease).
   */
  private final Set<String> unknown = ConcurrentHashMap.newKeySet();
  /** Every await of this JVM whose future is not complete, confirmed or not: failed at close. */
  private final Set<CompletableFuture<Integer>> open = ConcurrentHashMap.newKeySet();
  /**
   * Ids of parties withdrawn here whose CANCEL has not come back yet: {@link #waiting()} leaves
   * them out, so that a cancelled party is no longer counted once its cancel can be seen. An id
   * leaves when its CANCEL comes back, answered or failed.
   */
  private final Set<String> withdrawing = ConcurrentHashMap.newKeySet();

  RedisBarrier(RedisBackend backend, String name, String tag, int parties) {
    this.backend = backend;
    this.name = name;
    this.parties = parties;
    this.keys = new String[] {tag + ":state", tag + ":arrivals", tag + ":alive",
        tag + ":outcomes", tag + ":kept"};
  }

  @Override
  public CompletableFuture<Integer> await() {
    backend.requireOpen();
    String id = backend.nextId();
    AtomicBoolean withdrawn = new AtomicBoolean();
    WithdrawnFirst<Integer> future = new WithdrawnFirst<>();
    backend.sendWait(future, () -> {
      future.onGiveUp = () -> { // once registered: a wait refused at close() sends nothing
        if (withdraws(withdrawn)) {
          withdrawCounted(id);
        }
      };
      open.add(future);
      send(id, future, withdrawn);
    });
    return future;
  }

  /**
   * Registers the await {@code id}, whose caller holds {@code future}, to be settled by a
   * message, a renewal or its caller, and sends it. Once {@code future} is complete, however,
   * Redis forgets the party: withdrawn if it still waits, its outcome dropped if it has one.
   */
  private void send(String id, CompletableFuture<Integer> future, AtomicBoolean withdrawn) {
    backend.expect(id, outcome -> settle(future, outcome));
    future.whenComplete((index, failure) -> {
      open.remove(future);
      pending.remove(id, future);
      unknown.remove(id);
      backend.forget(id);
      if (withdraws(withdrawn)) {
        withdraw(id);
      }
    });
    backend.<List<Object>>runWaiting(Scripts.BARRIER_AWAIT, keys, withdrawn,
            () -> !withdrawn.get() && !future.isDone(),
            at -> backend.args(id, Integer.toString(parties),
                Long.toString(at + backend.commandTimeoutMillis())))
        .whenCompleteAsync((sent, failure) -> {
          if (failure != null) {
            if (!Scripts.isNotSent(failure)) { // else withdrawn: the cancel completes it
              future.completeExceptionally(backend.translate(failure));
            }
            return;
          }
          List<Object> reply = sent.reply();
          switch ((String) reply.get(0)) {
            case "DONE" -> settle(future, (String) reply.get(1));
            case "WAITING" -> {
              pending.put(id, future);
              if (withdrawn.get() || future.isDone()) {
                pending.remove(id, future);
                withdrawCounted(id); // its CANCEL may have run first: undo the AWAIT
              }
            }
            case "BROKEN" -> future.completeExceptionally(new BrokenBarrierException(
                this + " is broken: reset() it before awaiting again"));
            case "PARTIES" -> future.completeExceptionally(mismatch(reply.get(1)));
            default -> future.completeExceptionally(new RedisUnavailableException("Redis at "
                + backend.address() + " ran an await of " + this + " after the caller's"
                + " deadline", null));
          }
        }, backend.callbacks());
  }

  /**
   * Marks a party withdrawn, holding {@code withdrawn}'s monitor, as each write of its AWAIT does
   * (see {@link RedisBackend#runWaiting}), so that one is written before the CANCEL that
   * follows, or not at all; false if it was marked already.
   */
  private static boolean withdraws(AtomicBoolean withdrawn) {
    synchronized (withdrawn) {
      return withdrawn.compareAndSet(false, true);
    }
  }

  @Override
  public void reset() {
    breakCycle("reset");
  }

  @Override
  public void abort() {
    breakCycle("abort");
  }

  @Override
  public boolean isBroken() {
    return "1".equals(backend.await(
        backend.redis().hget(keys[0], "broken").toCompletableFuture()));
  }

  @Override
  public int parties() {
    return parties;
  }

  /** Parties waiting in the current cycle, in every JVM: one round trip. */
  @Override
  public int waiting() {
    return backend.await(backend.countExcept(keys[1], withdrawing)).intValue();
  }

  /** {@code held}: 1 while broken; waiters: parties waiting in the current cycle, every JVM's. */
  @Override
  public Levels levels() {
    return backend.snapshots().levels(keys[0], () -> backend.redis().hget(keys[0], "broken")
        .toCompletableFuture().thenCombine(backend.redis().zcard(keys[1]).toCompletableFuture(),
            (broken, waiting) -> new Levels("1".equals(broken) ? 1 : 0, waiting.intValue())));
  }

  @Override
  public CompletableFuture<Long> renew(long sentAt) {
    List<String> ids = new ArrayList<>(pending.keySet());
    if (ids.isEmpty()) {
      return CompletableFuture.completedFuture(-1L);
    }
    return Renewals.inBatches(ids, this::renewBatch);
  }

  @Override
  public void closing() {
    open.forEach(future -> future.completeExceptionally(Participant.backendClosed()));
  }

  @Override
  public String toString() {
    return "barrier '" + name + "' on Redis, " + parties + " parties";
  }

  private CompletableFuture<Long> renewBatch(List<String> ids) {
    return backend.<List<Object>>run(Scripts.BARRIER_RENEW, backend.redis(), keys,
            backend.args(ids.toArray(String[]::new)))
        .handleAsync((replies, failure) -> {
          if (failure != null) {
            return -1L;
          }
          for (int i = 0; i < ids.size(); i++) {
            reconcile(ids.get(i), (String) replies.get(i));
          }
          return Long.parseLong((String) replies.get(ids.size()));
        }, backend.callbacks());
  }

  private void reconcile(String id, String reply) {
    CompletableFuture<Integer> future = pending.get(id);
    if (future == null || reply.equals("W") || reply.equals("X") && unknown.add(id)) {
      return;
    }
    settle(future, reply.equals("X") ? "lost" : reply);
  }

  /** An outcome from Redis: this party's index, or why the barrier broke. */
  private void settle(CompletableFuture<Integer> future, String outcome) {
    switch (outcome) {
      case "reset" -> future.completeExceptionally(new BrokenBarrierException(
          this + " was reset while this party waited"));
      case "abort" -> future.completeExceptionally(new BrokenBarrierException(
          this + " was aborted while this party waited: reset() it before awaiting again"));
      case "lost" -> future.completeExceptionally(new BrokenBarrierException(this + " broke"
          + " while this party waited: a waiting party's JVM stopped renewing its lease (it"
          + " died, or lost Redis), or Redis lost its data; reset() it before awaiting again"));
      default -> future.complete(Integer.valueOf(outcome));
    }
  }

  /**
   * Resets or aborts the barrier; fails if Redis keeps another declaration of its parties, except
   * for a reset of a broken barrier, which mends it whatever it keeps (see
   * {@code barrier-break.lua}).
   */
  private void breakCycle(String mode) {
    long notAfter = backend.redisNow() + backend.commandTimeoutMillis();
    String[] args = backend.args(backend.nextId(), mode, Long.toString(notAfter),
        Integer.toString(parties));
    List<Object> reply = backend.await(backend.send(
        redis -> backend.<List<Object>>run(Scripts.BARRIER_BREAK, redis, keys, args)));
    switch ((String) reply.get(0)) {
      case "DONE" -> { }
      case "PARTIES" -> throw mismatch(reply.get(1));
      default -> throw new RedisUnavailableException("Redis at " + backend.address()
          + " ran the " + mode + " of " + this + " after the caller's deadline", null);
    }
  }

  /** A call refused because Redis keeps {@code declared} parties, declared by another JVM. */
  private IllegalStateException mismatch(Object declared) {
    return new IllegalStateException(this + " has " + declared + " parties in Redis at "
        + backend.address() + ", declared by another instance, and this one declares " + parties
        + ": every instance must declare the same number of parties");
  }

  /**
   * Withdraws party {@code id}, which may still wait in Redis: {@link #waiting()} leaves it out
   * from now until its CANCEL comes back.
   */
  private void withdrawCounted(String id) {
    withdrawing.add(id);
    withdraw(id);
  }

  /**
   * Takes a cancelled (or unconfirmed) party out of the current cycle, or drops the outcome Redis
   * keeps for a settled one; sent again once Redis answers if it could not reach it, so that the
   * party does not count toward a trip for a lease and then break the barrier, and again by the
   * AWAIT's reply if that finds the party withdrawn already. Each AWAIT is written only while the
   * party is not withdrawn, holding the monitor its withdrawal holds (also one sent again after a
   * library load: see {@link RedisBackend#runWaiting}), so it runs before the CANCEL; that
   * second CANCEL undoes a party left waiting by an AWAIT that Redis ran first.
   */
  private void withdraw(String id) {
    backend.run(Scripts.BARRIER_CANCEL, backend.redis(), keys, backend.args(id))
        .whenComplete((reply, failure) -> {
          withdrawing.remove(id);
          if (failure != null) {
            log.debug("Could not withdraw party {} of {} from Redis at {}; sent again once it"
                + " answers", id, this, backend.address(), failure);
            backend.sendAgain(id, () -> withdraw(id));
          }
        });
  }
}
