package dev.baton.redis;

import dev.baton.AcquireTimeoutException;
import dev.baton.AsyncEvent;
import io.lettuce.core.KeyValue;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An event on Redis: a hash {@code {set, gen}} and a channel. {@code set} bumps the generation
 * and publishes it; a wait begins with a read of the generation, sent before {@link #waiters()}
 * counts it, so a {@code set} made after {@code await()} returned, or after it was counted, runs
 * after that read in Redis (commands on one connection run in order) and wakes it. It wakes for
 * any newer generation: from a message, from a second read once subscribed to the channel (for
 * sets made before the subscription was confirmed), or from a re-read after a reconnect or on
 * the renewal tick, so a wake-up is never lost to a missed message, nor taken back by a later
 * {@code clear}. A cleared event's hash expires after one lease; a set event's stays (it is
 * state).
 *
 * <p>Waiters are this JVM's, FIFO; {@code set} and {@code clear} are sent without waiting for the
 * reply (commands on one connection run in order, so this JVM's next read sees them), and throw
 * only when Redis is known to be unreachable. One that Redis refuses for a state that passes (a
 * cluster or primary down, a data set loading, a script running long, a primary become a
 * replica) ran nothing, and is sent again at renewal ticks until Redis takes it: a refused set
 * first, so that its waiters wake, then this JVM's latest change, so that the event ends as that
 * left it; a refused clear that a later change replaced is not sent again.
 */
final class RedisEvent implements AsyncEvent, RemoteLevels, Participant {

  private static final Logger log = LoggerFactory.getLogger(RedisEvent.class);

  private final RedisBackend backend;
  private final String name;
  private final String key;
  private final String channel;
  /** This JVM's waiters in arrival order; guarded by this. */
  private final LinkedHashSet<EventWaiter> waiters = new LinkedHashSet<>();
  /** The generation of a waiter that has not read the event yet. */
  private static final long UNREAD = -1;
  /** How soon (ms) a change Redis refused is sent again, as long as it refuses. */
  private static final long RETRY_MILLIS = 200;
  /** Sets and clears of this JVM sent so far; guarded by this. */
  private long changes;
  /** Whether the latest of {@link #changes} was a set; guarded by this. */
  private boolean latestIsSet;
  /** Whether a set that Redis refused has not woken the waiters yet; guarded by this. */
  private boolean wakeOwed;
  /** Whether Redis refused the latest change, which the event has not taken yet; guarded by this. */
  private boolean latestOwed;

  RedisEvent(RedisBackend backend, String name, String tag, String channel) {
    this.backend = backend;
    this.name = name;
    this.key = tag;
    this.channel = channel;
  }

  @Override
  public void set() {
    change(true);
  }

  @Override
  public void clear() {
    change(false);
  }

  @Override
  public boolean isSet() {
    return "1".equals(backend.await(backend.redis().hget(key, "set").toCompletableFuture()));
  }

  @Override
  public CompletableFuture<Void> await() {
    return awaitFor(null);
  }

  @Override
  public CompletableFuture<Void> await(Duration timeout) {
    return awaitFor(LongTimeouts.countable(Objects.requireNonNull(timeout, "timeout")));
  }

  /** A wait for the event, bounded by {@code timeout} unless it is null. */
  private CompletableFuture<Void> awaitFor(Duration timeout) {
    backend.requireOpen();
    EventWaiter waiter = new EventWaiter();
    if (backend.failIfClosing(waiter.future)) {
      return waiter.future; // made once close() has begun: sends nothing
    }
    CompletableFuture<List<KeyValue<String, String>>> begun =
        backend.redis().hmget(key, "set", "gen").toCompletableFuture(); // where the wait begins
    enqueue(waiter);
    if (backend.failIfClosing(waiter.future)) {
      return waiter.future; // close() may have failed the waiters before this one
    }
    backend.listen(channel, gen -> onSet(Long.parseLong(gen)))
        .thenCompose(ok -> backend.redis().hget(key, "gen").toCompletableFuture())
        .whenCompleteAsync((gen, failure) -> {
          if (failure != null) {
            waiter.future.completeExceptionally(backend.translate(failure));
          } else if (gen != null) {
            wake(Long.parseLong(gen), true); // newer: set since, its message maybe missed
          }
        }, backend.callbacks());
    begun.whenCompleteAsync((fields, failure) -> {
      if (failure != null) {
        waiter.future.completeExceptionally(backend.translate(failure));
      } else if ("1".equals(fields.get(0).getValueOrElse(null))) {
        waiter.future.complete(null);
      } else if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
        waiter.future.completeExceptionally(
            new AcquireTimeoutException("event", name, timeout));
      } else {
        if (timeout != null) {
          startTimer(waiter, timeout);
        }
        read(waiter, Long.parseLong(fields.get(1).getValueOrElse("0")));
      }
    }, backend.callbacks());
    return waiter.future;
  }

  @Override
  public synchronized int waiters() {
    return waiters.size();
  }

  /**
   * {@code held} is 1 while the event is set (as of the latest snapshot); waiters: this JVM's;
   * unknown until Redis has answered a read.
   */
  @Override
  public Levels levels() {
    Levels read = backend.snapshots().levels(key, () -> backend.redis().hget(key, "set")
        .toCompletableFuture().thenApply(set -> new Levels("1".equals(set) ? 1 : 0, 0)));
    return new Levels(read.held(), waiters(), read.known());
  }

  /** A generation published by {@code set}, heard on the channel. */
  private void onSet(long generation) {
    wake(generation, true);
  }

  /**
   * Sends again the changes Redis refused; re-reads the generation while this JVM waits, to wake
   * waiters whose message was missed.
   */
  @Override
  public CompletableFuture<Long> renew(long sentAt) {
    resendOwed();
    if (waiters() == 0) {
      return CompletableFuture.completedFuture(-1L);
    }
    return backend.redis().hget(key, "gen").toCompletableFuture().thenApplyAsync(gen -> {
      if (gen != null) {
        wake(Long.parseLong(gen), false);
      }
      return -1L;
    }, backend.callbacks());
  }

  /** The backend is closing: this JVM's waits fail with a cancellation. */
  @Override
  public void closing() {
    List<EventWaiter> failed;
    synchronized (this) {
      failed = new ArrayList<>(waiters);
    }
    failed.forEach(w -> w.future.completeExceptionally(Participant.backendClosed()));
  }

  /** Joins {@code waiter} to the waiters in arrival order, its generation not read yet. */
  private void enqueue(EventWaiter waiter) {
    synchronized (this) {
      waiters.add(waiter);
    }
    waiter.future.whenComplete((ok, failure) -> {
      synchronized (RedisEvent.this) {
        waiters.remove(waiter);
      }
    });
  }

  /**
   * The event was clear at generation {@code generation} when {@code waiter} read it: from now on
   * any newer generation wakes it, and so does a newer one heard on the channel, or read once
   * subscribed, before this read was handled. An older or equal one heard meanwhile was set (and
   * cleared) before the read, which is where the wait begins: a message handled late must not
   * wake a wait that began after the clear.
   */
  private void read(EventWaiter waiter, long generation) {
    boolean setSince;
    synchronized (this) {
      setSince = waiter.heard > generation;
      waiter.generation = generation;
    }
    if (setSince) {
      waiter.future.complete(null);
    }
  }

  /**
   * Fails {@code waiter} once {@code timeout} has passed, after it has left the waiters, so that
   * {@link #waiters()} no longer counts it when its failure is seen.
   */
  private void startTimer(EventWaiter waiter, Duration timeout) {
    ScheduledFuture<?> timer = backend.timers().schedule(() -> backend.callbacks().execute(() -> {
      synchronized (this) {
        waiters.remove(waiter);
      }
      waiter.future.completeExceptionally(new AcquireTimeoutException("event", name, timeout));
    }), timeout.toNanos(), TimeUnit.NANOSECONDS);
    waiter.future.whenComplete((ok, failure) -> timer.cancel(false));
  }

  /**
   * Wakes the waiters that read an older generation, in arrival order. A generation {@code heard}
   * on the channel, or read once subscribed, is also kept by the waiters that have not read
   * theirs yet, for their read to compare (see {@link #read}): generations only increase, so one
   * newer than a waiter's own read was set after that read, whenever it was seen.
   */
  private void wake(long generation, boolean heard) {
    List<EventWaiter> woken = new ArrayList<>();
    synchronized (this) {
      for (Iterator<EventWaiter> it = waiters.iterator(); it.hasNext(); ) {
        EventWaiter w = it.next();
        if (w.generation == UNREAD) {
          if (heard) {
            w.heard = Math.max(w.heard, generation);
          }
        } else if (w.generation < generation) {
          woken.add(w);
          it.remove();
        }
      }
    }
    woken.forEach(w -> w.future.complete(null));
  }

  /**
   * Sends a set, or a clear, for the caller: throws if it could not be sent (Redis known to be
   * unreachable), else counts it as the latest change of this JVM, even if Redis has refused it
   * already (it is then owed, as one refused later).
   */
  private void change(boolean set) {
    CompletableFuture<?> sent;
    long change;
    synchronized (this) {
      sent = send(set);
      Throwable failure = sent.isCompletedExceptionally() ? sent.handle((r, e) -> e).join() : null;
      if (failure != null && !RedisBackend.refusedForAPassingState(failure)) {
        throw backend.translate(failure);
      }
      change = ++changes;
      latestIsSet = set;
    }
    sent.whenComplete((r, failure) -> {
      if (failure != null) {
        failed(failure, set, change, true);
      }
    });
  }

  /** Sends a set or a clear; under this, so that changes reach the connection in their order. */
  private CompletableFuture<?> send(boolean set) {
    return set
        ? backend.send(redis -> backend.run(Scripts.EVENT_SET, redis, new String[] {key}, channel))
        : backend.send(redis -> backend.run(Scripts.EVENT_CLEAR, redis, new String[] {key},
            Long.toString(backend.leaseMillis())));
  }

  /**
   * A set or clear failed after it was sent. One that Redis refused for a state that passes ran
   * nothing and is owed (see {@link #owe}); any other failure (no answer in time) may have run,
   * and is only logged.
   *
   * @param change the change it was to leave the event in, as numbered by {@link #changes}; 0
   *     for a set sent again only to wake
   */
  private void failed(Throwable failure, boolean set, long change, boolean firstTry) {
    String what = backend.translate(failure).getMessage();
    if (!RedisBackend.refusedForAPassingState(failure)) {
      log.warn("Could not {} event '{}' on Redis, and cannot tell whether it was: {}",
          set ? "set" : "clear", name, what);
    } else if (owe(set, change) && firstTry) {
      log.warn("Redis refused to {} event '{}' ({}); sent again until it accepts",
          set ? "set" : "clear", name, what);
    }
  }

  /**
   * Owes Redis a set or clear that did not run, to be sent again at a renewal tick soon (see
   * {@link #resendOwed}): a set's wake-up always, the change itself if it is the latest; false if
   * there is nothing to owe, a clear that a later change replaced.
   */
  private boolean owe(boolean set, long change) {
    synchronized (this) {
      wakeOwed |= set;
      latestOwed |= change == changes;
      if (!wakeOwed && !latestOwed) {
        return false;
      }
    }
    backend.tickWithin(RETRY_MILLIS);
    return true;
  }

  /**
   * Sends again what Redis refused, in an order that leaves the event as this JVM's latest change
   * left it: a refused set first (its waiters must wake, even if a clear came after it; waits
   * begun since wake with them), then the latest change, unless that set was it. A refused clear
   * that a later change replaced is not sent.
   */
  private void resendOwed() {
    synchronized (this) {
      if (!wakeOwed && !latestOwed) {
        return;
      }
      boolean wake = wakeOwed;
      boolean latest = latestOwed || wakeOwed && !latestIsSet;
      wakeOwed = false;
      latestOwed = false;
      if (wake) {
        resend(true, latestIsSet && latest ? changes : 0);
      }
      if (latest && !(wake && latestIsSet)) {
        resend(latestIsSet, changes);
      }
    }
  }

  /** Sends again, under this; one that could not be sent (disconnected) is owed again. */
  private void resend(boolean set, long change) {
    CompletableFuture<?> sent;
    try {
      sent = send(set);
    } catch (IllegalStateException closed) {
      return; // close() has begun: nothing is sent any more
    }
    if (sent.isCompletedExceptionally()) {
      owe(set, change);
      return;
    }
    sent.whenComplete((r, failure) -> {
      if (failure != null) {
        failed(failure, set, change, false);
      }
    });
  }

  @Override
  public String toString() {
    return "event '" + name + "' on Redis";
  }

  /**
   * A wait of this JVM: woken by any generation newer than the one it read; before that read is
   * handled, it keeps the newest generation heard on the channel or read once subscribed. Fields
   * guarded by the event.
   */
  private final class EventWaiter {
    /** Leaves the waiters before it fails, so that a failure's callback no longer counts it. */
    final WithdrawnFirst<Void> future = new WithdrawnFirst<>();
    long generation = UNREAD;
    /** The newest generation heard, or read once subscribed, before its own read; 0 if none. */
    long heard;

    EventWaiter() {
      future.onGiveUp = () -> {
        synchronized (RedisEvent.this) {
          waiters.remove(this);
        }
      };
    }
  }
}
