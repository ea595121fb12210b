package dev.baton.redis;

import dev.baton.AcquireTimeoutException;
import dev.baton.AsyncCondition;
import dev.baton.AsyncLock;
import dev.baton.Permit;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A condition on a Redis lock (see {@link RedisBackend#condition(String)}), shared by every JVM:
 * the {@link AsyncCondition} contract across processes.
 *
 * <p>Implementation overview. A wait has an id and lives in Redis in one of three places (see
 * {@code condition-prelude.lua}): the condition's queue, waiting for a signal; the lock's FIFO
 * waiter queue, once a signal moved it there; the lock's holders, once granted. AWAIT releases the
 * caller's permit and joins the queue in one script; SIGNAL moves the oldest waiters into the
 * lock's queue (one whose JVM does not listen does not count as woken: a dead JVM never swallows a
 * signal), from which the permit machinery grants them with the usual message on their JVM's
 * channel, which arrives here through {@link RedisBackend#expect}. A wait that fails (cancelled,
 * timed out, Redis unreachable) sends one CANCEL, which withdraws it (and releases the permit
 * its AWAIT gave up, if that never ran) and passes a signal it had taken to the next waiter; one
 * that cannot reach Redis is sent again once Redis answers, not left to the wait's lease. A grant
 * that loses the race with that cancel is left to the CANCEL, which returns the permit in Redis.
 *
 * <p>Invariants: {@link #open} holds the waits of this JVM that nothing has settled yet; whoever
 * removes a wait from it settles it (a grant delivers the permit, a timeout withdraws the wait from
 * Redis before failing it, a failure withdraws it). {@link #pending} holds exactly the waits of
 * this JVM that Redis confirmed and no grant or failure has settled; each is renewed every tick,
 * and the tick's reply delivers a grant whose message was missed. A wait Redis forgot (a lease that
 * ran out, or data lost) is woken spuriously: it re-acquires the lock, as a condition wait may
 * always wake without a signal.
 */
final class RedisCondition implements AsyncCondition, RemoteLevels, Participant {

  private static final Logger log = LoggerFactory.getLogger(RedisCondition.class);

  private final RedisBackend backend;
  private final RemotePermits permits;
  private final String name;
  /** The lock's five keys, then queue, live and calls (see {@code condition-prelude.lua}). */
  private final String[] keys;
  private final ConcurrentHashMap<String, Waiting> pending = new ConcurrentHashMap<>();
  /** Every wait of this JVM not settled yet, confirmed or not: failed at close. */
  private final Set<Waiting> open = ConcurrentHashMap.newKeySet();
  /**
   * Ids of waits withdrawn here whose CANCEL has not come back yet: {@link #waiters()} leaves
   * them out, so that a withdrawn wait is no longer counted once its failure can be seen. An id
   * leaves when its CANCEL comes back, answered or failed.
   */
  private final Set<String> withdrawing = ConcurrentHashMap.newKeySet();

  RedisCondition(RedisBackend backend, RemotePermits permits) {
    this.backend = backend;
    this.permits = permits;
    this.name = permits.keys().name();
    String tag = permits.keys().tag();
    List<String> all = new ArrayList<>(List.of(permits.keys().keys()));
    all.addAll(List.of(tag + ":cond-queue", tag + ":cond-live", tag + ":cond-calls"));
    this.keys = all.toArray(String[]::new);
  }

  @Override
  public AsyncLock lock() {
    return new RedisLock(permits);
  }

  @Override
  public CompletableFuture<Permit> await(Permit held) {
    return await(checkHeld(held), null);
  }

  @Override
  public CompletableFuture<Permit> await(Permit held, Duration timeout) {
    RedisPermit permit = checkHeld(held);
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative() || timeout.isZero()) {
      permit.release();
      return CompletableFuture.failedFuture(
          new AcquireTimeoutException("condition", name, timeout));
    }
    return await(permit, LongTimeouts.countable(timeout));
  }

  @Override
  public CompletableFuture<Permit> awaitUntil(BooleanSupplier predicate, Permit held) {
    Objects.requireNonNull(predicate, "predicate");
    RedisPermit permit = checkHeld(held);
    CompletableFuture<Permit> result = new CompletableFuture<>();
    AtomicReference<CompletableFuture<Permit>> round = new AtomicReference<>();
    result.whenComplete((ok, failure) -> {
      CompletableFuture<Permit> r = round.get();
      if (failure != null && r != null) {
        r.cancel(false);
      }
    });
    check(predicate, permit, false, result, round);
    return result;
  }

  @Override
  public void signal() {
    signal(1);
  }

  @Override
  public void signal(int n) {
    if (n <= 0) {
      throw new IllegalArgumentException("n must be positive, was " + n);
    }
    wake(n, "signal");
  }

  @Override
  public void signalAll() {
    wake(Integer.MAX_VALUE, "signalAll");
  }

  /** Waits for a signal in every JVM whose lease is live: one round trip. */
  @Override
  public int waiters() {
    return backend.await(countWaiters()).intValue();
  }

  /** {@code held}: whether the lock is held; waiters: waits for a signal, in every JVM. */
  @Override
  public Levels levels() {
    return backend.snapshots().levels(keys[5], () -> backend.countLive(permits.keys())
        .thenCombine(countWaiters(), (live, queued) -> new Levels(live.intValue(),
            queued.intValue())));
  }

  @Override
  public CompletableFuture<Long> renew(long sentAt) {
    List<Waiting> waits = List.copyOf(pending.values());
    if (waits.isEmpty()) {
      return CompletableFuture.completedFuture(-1L);
    }
    return Renewals.inBatches(waits, batch -> renewBatch(batch, sentAt));
  }

  @Override
  public void closing() {
    open.forEach(w -> w.future.completeExceptionally(Participant.backendClosed()));
  }

  @Override
  public String toString() {
    return "condition '" + name + "' on Redis";
  }

  private RedisPermit checkHeld(Permit held) {
    Objects.requireNonNull(held, "held");
    if (!(held instanceof RedisPermit permit) || !permit.owner().keys().equals(permits.keys())) {
      throw new IllegalArgumentException("held permit " + held + " is not a permit of this"
          + " condition's lock: acquire condition.lock() (or condition.acquire()) and pass that"
          + " permit");
    }
    if (permit.isReleased()) {
      throw new IllegalArgumentException("held permit " + held.token() + " was already released:"
          + " pass the permit you hold now, such as the one the last acquire or await completed"
          + " with");
    }
    return permit;
  }

  /**
   * Releases {@code held} and waits in Redis, in one script; {@code timeout} null: none. Once
   * the backend has begun closing, fails as close() fails the waits and releases {@code held}
   * unless released already, as close() releases the permits it finds held: it may not have
   * found this one.
   */
  private CompletableFuture<Permit> await(RedisPermit held, Duration timeout) {
    backend.requireOpen();
    long sentAt = backend.redisNow();
    long deadline = timeout == null ? Long.MAX_VALUE : sentAt + timeout.toMillis();
    Waiting w = new Waiting(backend.nextId(), permits, deadline);
    boolean sent = backend.sendWait(w.future, () -> {
      if (!held.handOver()) {
        throw new IllegalArgumentException("held permit " + held.token() + " was released by"
            + " someone else while await was releasing it: a permit must have one owner");
      }
      backend.held().remove(held.id());
      open.add(w);
      send(w, held, timeout);
    });
    if (!sent) {
      held.close();
    }
    return w.future;
  }

  /**
   * Registers {@code w}, the wait of {@code held}'s holder, to be settled by a message, its
   * caller or its timeout, and sends its AWAIT, each attempt to run in Redis no later than its
   * {@link RedisBackend#notAfter}.
   */
  private void send(Waiting w, RedisPermit held, Duration timeout) {
    backend.expect(w.id, message -> onMessage(w, message));
    w.future.onGiveUp = () -> {
      if (leaves(w)) {
        withdrawing.add(w.id);
        withdraw(w, held.id());
      }
    };
    w.future.whenComplete((permit, failure) -> {
      if (leaves(w) && failure != null) {
        withdraw(w, held.id());
      }
    });
    if (timeout != null) {
      w.timeOut = () -> timeOut(w, held.id(), timeout);
      w.timer = backend.timers().schedule(() -> backend.callbacks().execute(w.timeOut),
          timeout.toNanos(), TimeUnit.NANOSECONDS);
    }
    backend.<String>runWaiting(Scripts.CONDITION_AWAIT, keys, w, () -> open.contains(w),
            at -> backend.args(w.id, held.id(), Long.toString(backend.notAfter(w.notAfter, at))))
        .whenCompleteAsync((sent, failure) -> {
          String reply = failure == null ? sent.reply() : null;
          if (failure != null) {
            if (leaves(w)) { // else settled, or timed out: that fails it, once withdrawn
              withdrawing.add(w.id);
              withdraw(w, held.id());
              w.future.completeExceptionally(backend.translate(failure));
            }
          } else if ("WAITING".equals(reply)) {
            pending.put(w.id, w);
            if (!open.contains(w)) {
              pending.remove(w.id, w); // settled, or being withdrawn by its timeout
            }
          } else if ("NOT_HELD".equals(reply)) {
            w.future.completeExceptionally(new IllegalArgumentException("held permit "
                + held.token() + " of " + permits.keys() + " is not live in Redis: its lease ran"
                + " out before await could release it"));
          } else if (w.notAfter <= backend.notAfter(w.notAfter, sent.at())) {
            w.timeOut.run(); // late for the caller's own deadline: it timed out
          } else {
            w.future.completeExceptionally(new RedisUnavailableException("Redis at "
                + backend.address() + " ran the await on " + this + " after the caller's"
                + " deadline", null));
          }
        }, backend.callbacks());
  }

  /**
   * Settles {@code w} if nothing has: takes it out of {@link #open}, holding its monitor, as each
   * write of its AWAIT does (see {@link RedisBackend#runWaiting}), so that one is written before
   * the CANCEL that may follow, or not at all; false if it was settled already.
   */
  private boolean leaves(Waiting w) {
    synchronized (w) {
      return open.remove(w);
    }
  }

  /** A message for {@code w} on this JVM's channel: a signal's probe, or the lock's grant. */
  private void onMessage(Waiting w, String message) {
    if (!message.equals("S")) {
      String[] grant = message.split(" ");
      granted(w, Long.parseLong(grant[0]), Long.parseLong(grant[1]));
    }
  }

  /**
   * The lock was granted to {@code w}. If the wait was settled meanwhile, its CANCEL (sent then,
   * and run after the grant) returns the permit and passes the signal on; so does the one sent
   * here if a cancel reaches the future while the permit is on its way, or if the backend has
   * begun closing (it may have released the held permits before this one came).
   */
  private void granted(Waiting w, long token, long grantedAt) {
    long step = backend.enterGrantStep();
    if (step == 0) {
      return; // close() has withdrawn the wait, which returns the permit
    }
    pending.remove(w.id, w);
    backend.forget(w.id);
    w.cancelTimer();
    if (!leaves(w)) {
      backend.endGrantStep(step);
      return;
    }
    RedisPermit permit = backend.hold(permits, w.id, token, grantedAt);
    Runnable giveBack = () -> {
      backend.held().remove(w.id, permit);
      withdraw(w, "");
    };
    if (!backend.givenBackIfClosing(step, w.future, giveBack) && !w.future.complete(permit)) {
      giveBack.run();
    }
  }

  /**
   * The wait's timeout: withdrawn from Redis first, so its failure is seen after it left, and
   * failed on a callback thread, not on the Netty thread that read the withdrawal's reply.
   */
  private void timeOut(Waiting w, String heldId, Duration timeout) {
    if (leaves(w)) {
      withdraw(w, heldId).whenCompleteAsync((reply, failure) -> w.future.completeExceptionally(
          new AcquireTimeoutException("condition", name, timeout)), backend.callbacks());
    }
  }

  private CompletableFuture<Object> withdraw(Waiting w, String heldId) {
    pending.remove(w.id, w);
    backend.forget(w.id);
    w.cancelTimer();
    return backend.run(Scripts.CONDITION_CANCEL, backend.redis(), keys,
            backend.args(w.id, heldId))
        .whenComplete((reply, failure) -> {
          withdrawing.remove(w.id);
          if (failure != null) {
            log.debug("Could not withdraw wait {} on {} from Redis at {}; sent again once it"
                + " answers", w.id, this, backend.address(), failure);
            backend.sendAgain(w.id, () -> withdraw(w, heldId));
          }
        });
  }

  /**
   * Moves up to {@code n} waits to the lock's queue while the lock is held: one SIGNAL call per
   * BOUND waits examined, each resuming where the last stopped, none going past the newest wait
   * the first one saw.
   */
  private void wake(int n, String operation) {
    int left = n;
    String after = "-inf";
    String upTo = "+inf";
    while (left > 0) {
      long notAfter = backend.redisNow() + backend.commandTimeoutMillis();
      String[] args = backend.args(backend.nextId(), Integer.toString(left), after, upTo,
          Long.toString(notAfter));
      List<Object> reply = backend.await(backend.send(
          redis -> backend.<List<Object>>run(Scripts.CONDITION_SIGNAL, redis, keys, args)));
      switch ((String) reply.get(0)) {
        case "SIGNALLED" -> {
          left -= Integer.parseInt((String) reply.get(1));
          upTo = (String) reply.get(2);
          after = (String) reply.get(3);
          if (after.isEmpty()) {
            return;
          }
        }
        case "UNLOCKED" -> throw new IllegalStateException(operation + "() requires the"
            + " condition's lock to be held: acquire it first (condition.acquire()) and release"
            + " it after signalling");
        case "DONE" -> {
          return;
        }
        default -> throw new RedisUnavailableException("Redis at " + backend.address()
            + " ran the " + operation + " of " + this + " after the caller's deadline", null);
      }
    }
  }

  /**
   * One round of {@code awaitUntil}: evaluates the predicate holding {@code held}, then finishes
   * or waits again. {@code signalled}: a signal woke this round; if the wait ends without
   * handing {@code held} to the caller, that signal passes to the next waiter, as a withdrawn
   * await's does.
   */
  private void check(BooleanSupplier predicate, RedisPermit held, boolean signalled,
      CompletableFuture<Permit> result, AtomicReference<CompletableFuture<Permit>> round) {
    boolean satisfied;
    try {
      satisfied = predicate.getAsBoolean();
    } catch (Throwable t) {
      giveUp(held, signalled);
      result.completeExceptionally(t);
      return;
    }
    if (satisfied ? !result.complete(held) : result.isDone()) {
      giveUp(held, signalled);
      return;
    }
    if (satisfied) {
      return;
    }
    CompletableFuture<Permit> next;
    try {
      next = await(held, null);
    } catch (RuntimeException e) {
      result.completeExceptionally(e);
      return;
    }
    round.set(next);
    next.whenComplete((permit, failure) -> {
      if (failure != null) {
        result.completeExceptionally(failure);
      } else {
        check(predicate, (RedisPermit) permit, true, result, round);
      }
    });
    if (result.isDone()) {
      next.cancel(false);
    }
  }

  /** Passes on the signal that woke this round, if one did, and releases {@code held}. */
  private void giveUp(RedisPermit held, boolean signalled) {
    try {
      if (signalled) {
        signal(1);
      }
    } catch (RuntimeException e) {
      log.warn("Could not pass on the signal of an abandoned awaitUntil on {}: {}", this,
          e.getMessage());
    } finally {
      held.close();
    }
  }

  private CompletableFuture<Long> renewBatch(List<Waiting> waits, long sentAt) {
    String[] ids = waits.stream().map(w -> w.id).toArray(String[]::new);
    return backend.<List<Object>>run(Scripts.CONDITION_RENEW, backend.redis(), keys,
            backend.args(ids))
        .handleAsync((replies, failure) -> {
          if (failure != null) {
            return -1L;
          }
          for (int i = 0; i < waits.size(); i++) {
            reconcile(waits.get(i), (String) replies.get(i), sentAt);
          }
          return Long.parseLong((String) replies.get(waits.size()));
        }, backend.callbacks());
  }

  private void reconcile(Waiting w, String reply, long sentAt) {
    if (pending.get(w.id) != w) {
      return; // settled since the tick read it
    }
    switch (reply) {
      case "C", "W" -> { }
      case "X" -> wakeSpuriously(w);
      default -> granted(w, Long.parseLong(reply), sentAt);
    }
  }

  /** Redis forgot {@code w}: it re-acquires the lock without a signal. */
  private void wakeSpuriously(Waiting w) {
    pending.remove(w.id, w);
    backend.forget(w.id);
    log.warn("Redis at {} no longer knows wait {} on {} (its lease ran out, or Redis lost its"
        + " data): it re-acquires the lock without a signal", backend.address(), w.id, this);
    CompletableFuture<Permit> again = permits.acquire(null);
    again.whenComplete((permit, failure) -> {
      if (failure != null) {
        w.future.completeExceptionally(failure);
      } else if (!w.future.complete(permit)) {
        permit.close();
      }
    });
    w.future.whenComplete((permit, failure) -> again.cancel(false));
  }

  private CompletableFuture<Long> countWaiters() {
    return backend.countExcept(keys[6], backend.redisNow(), withdrawing);
  }
}
