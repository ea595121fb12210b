package dev.baton.redis;

import dev.baton.AcquireTimeoutException;
import dev.baton.AsyncEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * An event on Redis: a hash {@code {set, gen}} and a channel. {@code set} bumps the generation
 * and publishes it; a waiter remembers the generation it saw when it started waiting and wakes
 * for any newer one, from a message or from a re-read after a reconnect or on the renewal tick,
 * so a wake-up is never lost to a missed message, nor taken back by a later {@code clear}. A
 * cleared event's hash expires after one lease; a set event's stays (it is state).
 *
 * <p>Waiters are this JVM's, FIFO; {@code set} and {@code clear} are sent without waiting for the
 * reply (commands on one connection run in order, so this JVM's next read sees them), and throw
 * only when Redis is known to be unreachable.
 */
final class RedisEvent implements AsyncEvent, RemoteLevels {

  private final RedisBackend backend;
  private final String name;
  private final String key;
  private final String channel;
  /** This JVM's waiters in arrival order; guarded by this. */
  private final LinkedHashSet<EventWaiter> waiters = new LinkedHashSet<>();
  /** The newest generation heard of; guarded by this. */
  private long newestSeen;
  private volatile CompletableFuture<Void> subscription;

  RedisEvent(RedisBackend backend, String name, String tag, String channel) {
    this.backend = backend;
    this.name = name;
    this.key = tag;
    this.channel = channel;
  }

  @Override
  public void set() {
    fireAndCheck(Scripts.EVENT_SET.run(backend.redis(), new String[] {key}, channel));
  }

  @Override
  public void clear() {
    fireAndCheck(Scripts.EVENT_CLEAR.run(backend.redis(), new String[] {key},
        Long.toString(backend.leaseMillis())));
  }

  @Override
  public boolean isSet() {
    return "1".equals(backend.await(backend.redis().hget(key, "set").toCompletableFuture()));
  }

  @Override
  public CompletableFuture<Void> await() {
    return await(null);
  }

  @Override
  public CompletableFuture<Void> await(Duration timeout) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    subscribe()
        .thenCompose(ok -> backend.redis().hmget(key, "set", "gen").toCompletableFuture())
        .whenCompleteAsync((fields, failure) -> {
          if (failure != null) {
            done.completeExceptionally(backend.translate(failure));
          } else if ("1".equals(fields.get(0).getValueOrElse(null))) {
            done.complete(null);
          } else if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
            done.completeExceptionally(new AcquireTimeoutException("event", name, timeout));
          } else {
            String gen = fields.get(1).getValueOrElse("0");
            enqueue(new EventWaiter(Long.parseLong(gen), done), timeout);
          }
        }, backend.callbacks());
    return done;
  }

  @Override
  public synchronized int waiters() {
    return waiters.size();
  }

  /** {@code held} is 1 while the event is set (as of the latest snapshot); waiters are this JVM's. */
  @Override
  public Levels levels() {
    Levels read = backend.snapshots().levels(key, () -> backend.redis().hget(key, "set")
        .toCompletableFuture().thenApply(set -> new Levels("1".equals(set) ? 1 : 0, 0)));
    return new Levels(read.held(), waiters());
  }

  /** A generation published by {@code set}, heard on the channel. */
  void onSet(long generation) {
    wake(generation);
  }

  /** Re-reads the generation, to wake waiters whose message was missed. */
  void reconcile() {
    backend.redis().hget(key, "gen").toCompletableFuture().thenAcceptAsync(gen -> {
      if (gen != null) {
        wake(Long.parseLong(gen));
      }
    }, backend.callbacks());
  }

  private void enqueue(EventWaiter waiter, Duration timeout) {
    boolean setSince;
    synchronized (this) {
      setSince = newestSeen > waiter.generation;
      if (!setSince) {
        waiters.add(waiter);
      }
    }
    if (setSince) {
      waiter.future.complete(null); // a set was heard between the read and now
      return;
    }
    waiter.future.whenComplete((ok, failure) -> {
      synchronized (RedisEvent.this) {
        waiters.remove(waiter);
      }
    });
    if (timeout != null) {
      ScheduledFuture<?> timer = backend.timers().schedule(() -> backend.callbacks().execute(
              () -> waiter.future.completeExceptionally(
                  new AcquireTimeoutException("event", name, timeout))),
          timeout.toNanos(), TimeUnit.NANOSECONDS);
      waiter.future.whenComplete((ok, failure) -> timer.cancel(false));
    }
  }

  private void wake(long generation) {
    List<EventWaiter> woken = new ArrayList<>();
    synchronized (this) {
      newestSeen = Math.max(newestSeen, generation);
      for (Iterator<EventWaiter> it = waiters.iterator(); it.hasNext(); ) {
        EventWaiter w = it.next();
        if (w.generation < generation) {
          woken.add(w);
          it.remove();
        }
      }
    }
    woken.forEach(w -> w.future.complete(null));
  }

  private CompletableFuture<Void> subscribe() {
    CompletableFuture<Void> current = subscription;
    if (current == null || current.isCompletedExceptionally()) {
      synchronized (this) {
        current = subscription;
        if (current == null || current.isCompletedExceptionally()) {
          current = backend.pubSub().async().subscribe(channel).toCompletableFuture();
          subscription = current;
        }
      }
    }
    return current;
  }

  private void fireAndCheck(CompletableFuture<?> command) {
    if (command.isCompletedExceptionally()) {
      throw backend.translate(command.handle((r, e) -> e).join());
    }
    command.whenComplete((r, failure) -> {
      if (failure != null) {
        org.slf4j.LoggerFactory.getLogger(RedisEvent.class).warn(
            "Could not change event '{}' on Redis: {}", name, backend.translate(failure).getMessage());
      }
    });
  }

  @Override
  public String toString() {
    return "event '" + name + "' on Redis";
  }

  /** A wait of this JVM, woken by any generation newer than the one it saw. */
  private record EventWaiter(long generation, CompletableFuture<Void> future) {
    EventWaiter {
      Objects.requireNonNull(future);
    }

    @Override
    public boolean equals(Object other) {
      return this == other;
    }

    @Override
    public int hashCode() {
      return System.identityHashCode(this);
    }
  }
}
