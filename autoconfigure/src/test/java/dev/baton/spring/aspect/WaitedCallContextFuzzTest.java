package dev.baton.spring.aspect;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.spring.PrimitiveRegistry;
import dev.baton.spring.aspect.CallContextServices.CrowdedService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.MDC;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Randomized: thousands of calls of every return type from several caller threads, each with a
 * context of its own, through a semaphore of two permits, whose bodies end at once (the permit
 * then passes on from the thread that finished) or later on one of two finisher threads, each with
 * a context of its own. Every body must see its own caller's context, and no thread's own context
 * may change across a call it made or a body it finished. The seed is in the failure message
 * ({@code -Dbaton.fuzz.seed} replays the plan; thread timing varies); {@code -Dbaton.stress}
 * multiplies the calls.
 */
@CallContextTest
@ExtendWith(OptedInContext.OptIn.class)
@Timeout(120)
class WaitedCallContextFuzzTest {

  private static final int CALLS = 2_000 * Integer.getInteger("baton.stress", 1);
  private static final int CALLER_THREADS = 6;

  @Autowired
  private CrowdedService service;

  @Autowired
  private PrimitiveRegistry registry;

  private final List<String> problems = new CopyOnWriteArrayList<>();
  private ExecutorService callers;
  private ScheduledExecutorService finishers;

  @BeforeEach
  void startThreads() {
    callers = Executors.newFixedThreadPool(CALLER_THREADS, named("fuzz-caller-", false));
    finishers = Executors.newScheduledThreadPool(2, named("fuzz-finisher-", true));
  }

  @AfterEach
  void stopThreads() {
    callers.shutdownNow();
    finishers.shutdownNow();
  }

  @Test
  void everyBodySeesItsOwnCallersContextAndNoThreadKeepsAnothersContext() {
    long seed = Long.getLong("baton.fuzz.seed", System.nanoTime());
    Random random = new Random(seed);

    List<CompletableFuture<String>> calls = new ArrayList<>();
    for (int i = 0; i < CALLS; i++) {
      Visit visit = new Visit("call-" + i, finishing(random), problems);
      int returnType = random.nextInt(4);
      calls.add(CompletableFuture.supplyAsync(() -> call(visit, returnType), callers)
          .thenCompose(result -> result));
    }

    assertThat(Waits.all(calls)).as("seed " + seed).succeedsWithin(Duration.ofSeconds(60));
    for (int i = 0; i < CALLS; i++) {
      assertThat(calls.get(i)).as("seed " + seed).isCompletedWithValue("call-" + i);
    }
    assertThat(problems).as("seed " + seed).isEmpty();
    assertThat(registry.semaphore(CrowdedService.PERMITS).availablePermits()).isEqualTo(2);
  }

  /**
   * Makes one call as the caller named in {@code visit} would, on the current caller thread,
   * which must have no context before and must have its own after.
   */
  private CompletableFuture<String> call(Visit visit, int returnType) {
    String caller = visit.caller();
    expectNoContext(caller + " before its call");
    MDC.put(Sightings.REQUEST, caller + "-request");
    Sightings.TENANT.set(caller + "-tenant");
    try {
      CompletableFuture<String> result = switch (returnType) {
        case 0 -> service.future(visit);
        case 1 -> service.mono(visit).toFuture();
        case 2 -> service.flux(visit).single().toFuture();
        default -> CompletableFuture.completedFuture(service.blocking(visit));
      };
      Visit.expectContextOf(caller, caller + " after its call", problems);
      return result;
    } finally {
      MDC.remove(Sightings.REQUEST);
      Sightings.TENANT.remove();
    }
  }

  /** How a body's result completes: at once, or from a finisher thread a moment later. */
  private Consumer<Runnable> finishing(Random random) {
    long delayMicros = random.nextInt(3) == 0 ? -1 : random.nextInt(300);
    return completion -> {
      if (delayMicros < 0) {
        completion.run();
        return;
      }
      finishers.schedule(() -> {
        String finisher = Thread.currentThread().getName();
        completion.run();
        Visit.expectContextOf(finisher, finisher + " after finishing a body", problems);
      }, delayMicros, TimeUnit.MICROSECONDS);
    };
  }

  private void expectNoContext(String where) {
    if (MDC.get(Sightings.REQUEST) != null || Sightings.TENANT.get() != null) {
      problems.add(where + " found request " + MDC.get(Sightings.REQUEST) + " and tenant "
          + Sightings.TENANT.get() + " on " + Thread.currentThread().getName());
    }
  }

  /**
   * Threads named {@code prefix + n}; with {@code ownContext}, each has its own MDC request and
   * tenant ({@code name + "-request"}, {@code name + "-tenant"}) for its whole life.
   */
  private static ThreadFactory named(String prefix, boolean ownContext) {
    AtomicInteger count = new AtomicInteger();
    return task -> {
      String name = prefix + count.incrementAndGet();
      Thread thread = new Thread(() -> {
        if (ownContext) {
          MDC.put(Sightings.REQUEST, name + "-request");
          Sightings.TENANT.set(name + "-tenant");
        }
        task.run();
      }, name);
      thread.setDaemon(true);
      return thread;
    };
  }
}
