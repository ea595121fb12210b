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
 * together: a refresh, once the snapshot is older than its maximum age, sends every primitive's
 * reads at once (one pipelined batch, not one round trip each) and waits at most one command
 * timeout for all of them. A failed refresh keeps the previous values.
 *
 * <p>A primitive joins at its first read: the first of all refreshes the snapshot; a later one,
 * the snapshot still fresh, reads that primitive alone. Once Redis has failed to answer in time,
 * no read waits for it again until the snapshot is old: a first read then answers unknown, so
 * that a scrape meeting many primitives for the first time while Redis hangs waits one command
 * timeout, not one per primitive. A primitive not read for {@code forgetAfter} (a per-key lock
 * listed once, and gone since) leaves the snapshot, and refreshes no longer read it.
 */
final class Snapshots {

  private final Duration maxAge;
  private final Duration timeout;
  private final Duration forgetAfter;
  /** The primitives taking part, by their Redis key (the same primitive, one entry). */
  private final Map<String, Reader> readers = new ConcurrentHashMap<>();
  private final Map<String, Object> latest = new ConcurrentHashMap<>();
  /** {@link System#nanoTime()} of the last refresh; guarded by this. */
  private long refreshedAt;
  private boolean refreshed;
  /** {@link System#nanoTime()} when Redis last failed to answer a read in time; guarded by this. */
  private long failedAt;
  private boolean failed;

  Snapshots(Duration maxAge, Duration timeout, Duration forgetAfter) {
    this.maxAge = maxAge;
    this.timeout = timeout;
    this.forgetAfter = forgetAfter;
  }

  Levels levels(String key, Supplier<CompletableFuture<Levels>> read) {
    return read(key, read, Levels.UNKNOWN);
  }

  /**
   * What {@code read} gave for the primitive whose first key is {@code key} in the latest
   * snapshot, refreshed first if it is too old; {@code unknown} before the first successful read.
   * One key is always read with the same type. On an event loop it never waits: it answers from
   * the latest snapshot.
   */
  @SuppressWarnings("unchecked")
  <L> L read(String key, Supplier<CompletableFuture<L>> read, L unknown) {
    Reader reader = readers.computeIfAbsent(key, k -> new Reader(read));
    reader.readAt = System.nanoTime();
    if (io.netty.util.internal.ThreadExecutorMap.currentExecutor() == null) {
      synchronized (this) {
        if (!refreshed || System.nanoTime() - refreshedAt > maxAge.toNanos()) {
          refresh();
        } else if (!latest.containsKey(key) && !failedLately()) {
          readAll(Map.of(key, reader));
        }
      }
    }
    return (L) latest.getOrDefault(key, unknown);
  }

  /** Under this: reads every primitive read lately, forgetting the others. */
  private void refresh() {
    long now = System.nanoTime();
    readers.forEach((key, reader) -> {
      if (now - reader.readAt > forgetAfter.toNanos()) {
        readers.remove(key, reader);
        latest.remove(key);
      }
    });
    readAll(Map.copyOf(readers));
    refreshedAt = System.nanoTime();
    refreshed = true;
  }

  /** Under this: reads {@code some} in one batch, waiting at most one command timeout. */
  private void readAll(Map<String, Reader> some) {
    List<String> keys = new ArrayList<>(some.keySet());
    List<CompletableFuture<?>> pending = new ArrayList<>();
    keys.forEach(key -> pending.add(some.get(key).read.get()));
    try {
      CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new))
          .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      failed = true;
      failedAt = System.nanoTime();
    }
    for (int i = 0; i < keys.size(); i++) {
      CompletableFuture<?> read = pending.get(i);
      if (read.isDone() && !read.isCompletedExceptionally()) {
        latest.put(keys.get(i), read.join());
      }
    }
  }

  /** Under this: whether Redis failed to answer a read within the snapshot's maximum age. */
  private boolean failedLately() {
    return failed && System.nanoTime() - failedAt <= maxAge.toNanos();
  }

  /** How one primitive is read, and when it was last asked for. */
  private static final class Reader {
    final Supplier<? extends CompletableFuture<?>> read;
    volatile long readAt = System.nanoTime();

    Reader(Supplier<? extends CompletableFuture<?>> read) {
      this.read = read;
    }
  }
}
