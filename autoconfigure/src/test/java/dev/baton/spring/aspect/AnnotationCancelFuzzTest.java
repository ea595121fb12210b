package dev.baton.spring.aspect;

import static dev.baton.spring.aspect.CancelFuzz.EVENT;
import static dev.baton.spring.aspect.CancelFuzz.KEYS;
import static dev.baton.spring.aspect.CancelFuzz.LOCK;
import static dev.baton.spring.aspect.CancelFuzz.PERMITS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.AsyncEvent;
import dev.baton.annotation.AwaitsEvent;
import dev.baton.annotation.Guarded;
import dev.baton.annotation.Limited;
import dev.baton.spring.BatonAutoConfiguration;
import dev.baton.spring.PrimitiveRegistry;
import dev.baton.spring.aspect.CancelFuzz.Body;
import dev.baton.spring.aspect.CancelFuzz.Type;
import dev.baton.spring.stall.BatonStallsAutoConfiguration;
import dev.baton.spring.stall.StallView;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import kotlinx.coroutines.Deferred;
import kotlinx.coroutines.flow.Flow;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationContext;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Randomized cancellation at the aspects, in a real Spring context, with the stall view off and
 * on: thousands of annotated calls of every return type (a plain value, {@code CompletableFuture},
 * {@code Mono}, {@code Flux}, Kotlin {@code Flow} and {@code Deferred}) from several caller
 * threads, on a semaphore of two permits ({@code @Limited}), a lock and per-key locks
 * ({@code @Guarded}) and an event ({@code @AwaitsEvent}). Each call's body ends at once, later on
 * another thread, or fails; each caller waits for its result, cancels it soon (before or while it
 * holds), cancels it as its body starts, calls a method with a short annotation timeout, takes
 * only part of a {@code Flux} or {@code Flow}, or subscribes twice. Meanwhile a coordinator takes
 * all of a primitive's permits now and then (or keeps the event clear) and cancels some of the
 * calls that wait for it: cancelled before their grant, their bodies must never run.
 *
 * <p>Checked: no primitive ever has more bodies inside than it has permits (one per lock, one per
 * key); every call's result ends; only the expected failures are seen; and once all is quiet every
 * primitive is free with nobody waiting, and the stall view lists no pending wait and no hold.
 * Kotlin {@code suspend} functions are not called here: Java tests compile before the Kotlin ones
 * and cannot call them ({@code SuspendingFunctionsTest} covers them). The seed is in the failure
 * message ({@code -Dbaton.fuzz.seed} replays each thread's plan; thread timing varies);
 * {@code -Dbaton.stress} multiplies the calls. The run itself is {@link CancelFuzz}'s.
 */
@Timeout(180)
class AnnotationCancelFuzzTest {

  private static final int CALLS = 1_500 * Math.max(1, Integer.getInteger("baton.stress", 1));
  private static final Long REPLAY_SEED = Long.getLong("baton.fuzz.seed");
  private static final Duration SETTLE = Duration.ofSeconds(60);

  private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(AopAutoConfiguration.class,
          BatonStallsAutoConfiguration.class, BatonAutoConfiguration.class,
          BatonAspectsAutoConfiguration.class))
      .withPropertyValues("baton.default-timeout=60s")
      .withBean(Fuzzed.class);

  @ParameterizedTest(name = "stall view {0}")
  @ValueSource(strings = {"off", "basic"})
  void cancelledCallsNeverRunUnprotectedNorLeakAnything(String level) {
    long seed = REPLAY_SEED != null ? REPLAY_SEED : ThreadLocalRandom.current().nextLong();
    contextRunner.withPropertyValues("baton.stalls.level=" + level).run(context -> {
      assertThat(context).hasNotFailed();
      try {
        new FuzzRun(context, seed).run();
      } catch (Throwable t) {
        throw new AssertionError("stall view " + level + ", seed " + seed + " (replay: -Dtest="
            + getClass().getSimpleName() + " -Dbaton.fuzz.seed=" + seed + "): " + t, t);
      }
    });
  }

  /** The annotated methods, named by gate and return type; each hands its call to its body. */
  public static class Fuzzed {

    @Limited(value = PERMITS, permits = 2)
    public String permitsSync(Body body) {
      return body.sync();
    }

    @Limited(value = PERMITS, permits = 2)
    public CompletableFuture<String> permitsFuture(Body body) {
      return body.future();
    }

    @Limited(value = PERMITS, permits = 2)
    public Mono<String> permitsMono(Body body) {
      return body.mono();
    }

    @Limited(value = PERMITS, permits = 2)
    public Flux<String> permitsFlux(Body body) {
      return body.flux();
    }

    @Limited(value = PERMITS, permits = 2)
    public Flow<String> permitsFlow(Body body) {
      return body.flow();
    }

    @Limited(value = PERMITS, permits = 2)
    public Deferred<String> permitsDeferred(Body body) {
      return body.deferred();
    }

    @Limited(value = PERMITS, permits = 2, timeout = "2ms")
    public String timedPermitsSync(Body body) {
      return body.sync();
    }

    @Limited(value = PERMITS, permits = 2, timeout = "2ms")
    public CompletableFuture<String> timedPermitsFuture(Body body) {
      return body.future();
    }

    @Limited(value = PERMITS, permits = 2, timeout = "2ms")
    public Mono<String> timedPermitsMono(Body body) {
      return body.mono();
    }

    @Limited(value = PERMITS, permits = 2, timeout = "2ms")
    public Flux<String> timedPermitsFlux(Body body) {
      return body.flux();
    }

    @Guarded(LOCK)
    public String lockSync(Body body) {
      return body.sync();
    }

    @Guarded(LOCK)
    public CompletableFuture<String> lockFuture(Body body) {
      return body.future();
    }

    @Guarded(LOCK)
    public Mono<String> lockMono(Body body) {
      return body.mono();
    }

    @Guarded(LOCK)
    public Flux<String> lockFlux(Body body) {
      return body.flux();
    }

    @Guarded(LOCK)
    public Flow<String> lockFlow(Body body) {
      return body.flow();
    }

    @Guarded(LOCK)
    public Deferred<String> lockDeferred(Body body) {
      return body.deferred();
    }

    @Guarded(value = LOCK, timeout = "2ms")
    public String timedLockSync(Body body) {
      return body.sync();
    }

    @Guarded(value = LOCK, timeout = "2ms")
    public CompletableFuture<String> timedLockFuture(Body body) {
      return body.future();
    }

    @Guarded(value = LOCK, timeout = "2ms")
    public Mono<String> timedLockMono(Body body) {
      return body.mono();
    }

    @Guarded(value = LOCK, timeout = "2ms")
    public Flux<String> timedLockFlux(Body body) {
      return body.flux();
    }

    @Guarded(value = KEYS, key = "#body.key()")
    public String keySync(Body body) {
      return body.sync();
    }

    @Guarded(value = KEYS, key = "#body.key()")
    public CompletableFuture<String> keyFuture(Body body) {
      return body.future();
    }

    @Guarded(value = KEYS, key = "#body.key()")
    public Mono<String> keyMono(Body body) {
      return body.mono();
    }

    @Guarded(value = KEYS, key = "#body.key()")
    public Flux<String> keyFlux(Body body) {
      return body.flux();
    }

    @Guarded(value = KEYS, key = "#body.key()")
    public Flow<String> keyFlow(Body body) {
      return body.flow();
    }

    @Guarded(value = KEYS, key = "#body.key()")
    public Deferred<String> keyDeferred(Body body) {
      return body.deferred();
    }

    @AwaitsEvent(EVENT)
    public String eventSync(Body body) {
      return body.sync();
    }

    @AwaitsEvent(EVENT)
    public CompletableFuture<String> eventFuture(Body body) {
      return body.future();
    }

    @AwaitsEvent(EVENT)
    public Mono<String> eventMono(Body body) {
      return body.mono();
    }

    @AwaitsEvent(EVENT)
    public Flux<String> eventFlux(Body body) {
      return body.flux();
    }

    @AwaitsEvent(EVENT)
    public Flow<String> eventFlow(Body body) {
      return body.flow();
    }

    @AwaitsEvent(EVENT)
    public Deferred<String> eventDeferred(Body body) {
      return body.deferred();
    }
  }

  /** What a call waits for: the prefix of its methods' names. */
  private enum GateKind implements CancelFuzz.Gate {
    PERMITS("permits", true), LOCK("lock", true), KEY("key", false), EVENT("event", false);

    private final String prefix;
    private final boolean timed;

    GateKind(String prefix, boolean timed) {
      this.prefix = prefix;
      this.timed = timed;
    }

    @Override
    public String prefix() {
      return prefix;
    }

    @Override
    public boolean timed() {
      return timed;
    }
  }

  /** One run on the context's primitives; the coordinator also keeps the event clear. */
  private static final class FuzzRun extends CancelFuzz {
    private final Fuzzed service;
    private final PrimitiveRegistry registry;
    private final StallView view;
    /** The first ticket drawn after the event was last cleared. */
    private volatile long clearedAt;

    FuzzRun(ApplicationContext context, long seed) {
      super(seed, CALLS, SETTLE, 1, List.of(GateKind.values()), List.of(Type.values()),
          Fuzzed.class);
      this.service = context.getBean(Fuzzed.class);
      this.registry = context.getBean(PrimitiveRegistry.class);
      this.view = context.getBeanProvider(StallView.class).getIfAvailable();
    }

    @Override
    protected Object service(int instance) {
      return service;
    }

    @Override
    protected PrimitiveRegistry registry(int instance) {
      return registry;
    }

    /**
     * Takes all of one primitive's permits, or sets and clears the event, dooming some of the
     * calls made since it was last cleared (every caller may be waiting for it).
     */
    @Override
    protected void act(Random random) throws Exception {
      GateKind gate = GateKind.values()[random.nextInt(GateKind.values().length)];
      if (gate == GateKind.EVENT) {
        AsyncEvent event = registry.event(EVENT);
        doomSome(random, gate, clearedAt);
        event.set();
        event.clear();
        clearedAt = tickets();
      } else {
        holdAndDoom(random, registry, gate);
      }
    }

    @Override
    protected void awaitAllFree() {
      Waits.eventually().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
        assertThat(state()).as("primitives after the run")
            .isEqualTo("permits 2 free, 0 waiting; lock free, 0 waiting; keys 0 active,"
                + " 0 waiting; event 0 waiting; bodies inside 0/0/0");
        assertNoHolds(0, view);
      });
    }

    @Override
    protected String state() {
      return primitives(0) + "; " + bodiesInside();
    }
  }
}
