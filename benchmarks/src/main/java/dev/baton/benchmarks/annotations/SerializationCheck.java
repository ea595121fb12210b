package dev.baton.benchmarks.annotations;

import dev.baton.spring.observation.Call;
import dev.baton.spring.observation.CurrentCall;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.aop.support.AopUtils;

/**
 * Fails a trial whose limiter is not actually applied, for instance because the shaded jar lost an
 * auto-configuration entry and the aspect never ran: the benchmark would then time a plain call
 * under the limiter's name.
 *
 * <p>Five calls of {@link CallTarget#serialized}, whose limiter has one permit, from five threads
 * at once (a blocking limiter needs a thread per waiting call), each body's future completing
 * 50 ms later. The most bodies running at once must be 1 for a limiter, and more than 1 for the
 * plain target, which shows the check can see an overlap (not necessarily 5: on a busy machine a
 * caller thread may start late). The bean must be a Spring proxy exactly when it has a limiter.
 *
 * <p>With the stall view on ({@code batonStalls}, {@code batonObservedStalls}) every body must run
 * as a call of its own ({@link CurrentCall}), also the four that waited for their permit and start
 * on the thread that released it; with it off, as none. A limiter named for the stall view that
 * did not track calls would otherwise time the plain path under the stall view's name.
 */
final class SerializationCheck {

  private static final int CALLS = 5;

  private SerializationCheck() {}

  static void verify(String limiter, CallTarget target) {
    boolean limited = !limiter.equals("plain");
    if (AopUtils.isAopProxy(target) != limited) {
      throw new IllegalStateException(limiter + ": bean " + target.getClass().getName()
          + (limited ? " is not a proxy: the annotation is not applied" : " is a proxy"));
    }
    List<Call> calls = Collections.synchronizedList(new ArrayList<>());
    int peak = peakOverlap(target, calls);
    if (limited ? peak != 1 : peak < 2) {
      throw new IllegalStateException(limiter + ": " + CALLS + " concurrent calls on one permit"
          + " ran " + peak + " at once, expected "
          + (limited ? "1: the limiter is not applied" : "more"));
    }
    boolean tracked = LimiterApplication.hasStallView(limiter);
    long known = calls.stream().filter(Objects::nonNull).distinct().count();
    if (known != (tracked ? CALLS : 0)) {
      throw new IllegalStateException(limiter + ": " + known + " of " + CALLS + " bodies ran as"
          + " distinct calls of the stall view, expected " + (tracked ? CALLS : 0) + ": "
          + calls);
    }
  }

  /** The most bodies running at once; each body adds the call current when it starts. */
  private static int peakOverlap(CallTarget target, List<Call> calls) {
    AtomicInteger running = new AtomicInteger();
    AtomicInteger peak = new AtomicInteger();
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    ThreadPoolExecutor callers = (ThreadPoolExecutor) Executors.newFixedThreadPool(CALLS);
    callers.prestartAllCoreThreads();
    try {
      Body body = () -> {
        calls.add(CurrentCall.get());
        peak.accumulateAndGet(running.incrementAndGet(), Math::max);
        CompletableFuture<Integer> result = new CompletableFuture<>();
        timer.schedule(() -> {
          running.decrementAndGet();   // before completing: completing may start the next body
          result.complete(1);
        }, 50, TimeUnit.MILLISECONDS);
        return result;
      };
      CompletableFuture<?>[] results = new CompletableFuture<?>[CALLS];
      for (int i = 0; i < CALLS; i++) {
        results[i] = CompletableFuture.supplyAsync(() -> target.serialized(body), callers)
            .thenCompose(result -> result);
      }
      CompletableFuture.allOf(results).get(30, TimeUnit.SECONDS);
      return peak.get();
    } catch (Exception e) {
      throw new IllegalStateException("set-up check failed", e);
    } finally {
      callers.shutdownNow();
      timer.shutdownNow();
    }
  }
}
