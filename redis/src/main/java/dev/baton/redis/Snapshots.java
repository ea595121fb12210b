package dev.baton.redis;

import dev.baton.redis.RemoteLevels.Levels;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The levels of every primitive of a backend that was read through {@link RemoteLevels}, read
 * together: a refresh sends every primitive's reads at once (one pipelined batch, not one round
 * trip each) and waits at most one command timeout for all of them. A primitive joins at its first
 * read. A failed refresh keeps the previous values.
 */
final class Snapshots {

  private final Duration maxAge;
  private final Duration timeout;
  /** The read of each primitive taking part, by its Redis key (the same primitive, one entry). */
  private final Map<String, Supplier<? extends CompletableFuture<?>>> reads =
      new ConcurrentHashMap<>();
  private final Map<String, Object> latest = new ConcurrentHashMap<>();
  /** {@link System#nanoTime()} of the last refresh; guarded by this. */
  private long refreshedAt;
  private boolean refreshed;

  Snapshots(Duration maxAge, Duration timeout) {
    this.maxAge = maxAge;
    this.timeout = timeout;
  }

  Levels levels(String key, Supplier<CompletableFuture<Levels>> read) {
    return read(key, read, Levels.UNKNOWN);
  }

  /**
   * What {@code read} gave for the primitive whose first key is {@code key} in the latest
   * snapshot, refreshed first if it is too old; {@code unknown} before the first successful read.
   * One key is always read with the same type.
   */
  @SuppressWarnings("unchecked")
  <L> L read(String key, Supplier<CompletableFuture<L>> read, L unknown) {
    if (reads.putIfAbsent(key, read) == null) {
      forceRefresh();
    } else {
      refreshIfOld();
    }
    return (L) latest.getOrDefault(key, unknown);
  }

  private void refreshIfOld() {
    if (io.netty.util.internal.ThreadExecutorMap.currentExecutor() != null) {
      return; // never block an event loop: answer from the latest snapshot
    }
    refreshIfOldBlocking();
  }

  private synchronized void refreshIfOldBlocking() {
    if (!refreshed || System.nanoTime() - refreshedAt > maxAge.toNanos()) {
      refresh();
    }
  }

  private void forceRefresh() {
    if (io.netty.util.internal.ThreadExecutorMap.currentExecutor() == null) {
      synchronized (this) {
        refresh();
      }
    }
  }

  private void refresh() {
    List<String> keys = new ArrayList<>(reads.keySet());
    List<CompletableFuture<?>> pending = new ArrayList<>();
    keys.forEach(key -> pending.add(reads.get(key).get()));
    try {
      CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new))
          .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      // keep what could be read; the rest keep their previous values
    }
    for (int i = 0; i < keys.size(); i++) {
      CompletableFuture<?> read = pending.get(i);
      if (read.isDone() && !read.isCompletedExceptionally()) {
        latest.put(keys.get(i), read.join());
      }
    }
    refreshedAt = System.nanoTime();
    refreshed = true;
  }
}
