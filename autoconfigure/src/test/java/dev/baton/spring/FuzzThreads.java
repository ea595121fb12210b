package dev.baton.spring;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/** What the randomized tests share to run their work and to wait until it has all ended. */
public final class FuzzThreads {

  private FuzzThreads() {}

  /** Daemon threads named {@code name-1}, {@code name-2}, ...: a hung test cannot keep the JVM. */
  public static ThreadFactory daemon(String name) {
    AtomicInteger count = new AtomicInteger();
    return task -> {
      Thread thread = new Thread(task, name + "-" + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }

  /**
   * Waits until every future of {@code inFlight}, a list that work adds to while it runs, has
   * completed and no new one was added meanwhile; fails naming how many {@code what} never
   * ended if a round takes longer than {@code settle}.
   */
  public static void awaitSettled(List<? extends CompletableFuture<?>> inFlight, Duration settle,
      String what) throws Exception {
    int seen;
    do {
      seen = inFlight.size();
      try {
        CompletableFuture.allOf(inFlight.toArray(CompletableFuture[]::new))
            .get(settle.toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        long left = inFlight.stream().filter(future -> !future.isDone()).count();
        throw new AssertionError(left + " " + what + " never ended", e);
      }
    } while (inFlight.size() != seen);
  }
}
