package dev.baton.spring.redis;

import static dev.baton.spring.aspect.CancelFuzz.EVENT;
import static dev.baton.spring.aspect.CancelFuzz.KEYS;
import static dev.baton.spring.aspect.CancelFuzz.LOCK;
import static dev.baton.spring.aspect.CancelFuzz.PERMITS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.baton.AcquireTimeoutException;
import dev.baton.annotation.AwaitsEvent;
import dev.baton.annotation.Guarded;
import dev.baton.annotation.Limited;
import dev.baton.annotation.SetsEvent;
import dev.baton.redis.RedisBackend;
import dev.baton.redis.RedisServer;
import dev.baton.spring.PrimitiveRegistry;
import dev.baton.spring.aspect.CancelFuzz;
import dev.baton.spring.aspect.CancelFuzz.Body;
import dev.baton.spring.aspect.CancelFuzz.Type;
import dev.baton.spring.stall.StallView;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Randomized calls of annotated methods on Redis-backed primitives from two instances (two Spring
 * contexts on one real {@code redis-server}, {@link TwoRedisInstances}; the first without the
 * stall view, the second with it): {@code @Limited} with two permits, {@code @Guarded} on one
 * lock and per key, {@code @AwaitsEvent} on an event that {@code @SetsEvent} methods set and a
 * coordinator clears, and {@code @AwaitsEvent} with {@code @Limited} on one method, each
 * returning a plain value, a {@code CompletableFuture}, a {@code Mono} or a {@code Flux}. Each
 * call's body ends at once or later on another thread, or fails; each caller waits for its
 * result, cancels it soon (before or while it holds), cancels it as its body starts, calls a
 * method with a short annotation timeout, takes only part of a {@code Flux} (disposing of it
 * mid-stream), or subscribes twice. Meanwhile a coordinator takes all of a primitive's permits
 * through either instance now and then and cancels some of the calls that wait for it: cancelled
 * before their grant, their bodies must never run. Now and then it also pauses Redis (SIGSTOP)
 * for at most 250 ms, far less than the command timeout and a third of the lease: the README
 * says such a pause only delays, so every check below holds as without it.
 *
 * <p>Checked, across both instances: no primitive ever has more bodies inside than it has permits
 * (one per lock, one per key), so a body, once it runs, holds until it ends; every call's result
 * ends, and only with the failures it may see (its body's own, an {@link AcquireTimeoutException}
 * for a timed method, a {@link CancellationException} once cancelled); and once all is quiet,
 * every primitive of both registries is free with nobody waiting, neither backend holds a permit
 * or waits for one, the stall view lists no pending wait and no hold, and Redis holds nothing but
 * the records of released permits and the cleared event, each expiring within a lease. A short
 * lease shows a leaked permit quickly. The seed is in the failure message
 * ({@code -Dbaton.fuzz.seed} replays each thread's plan; thread timing varies);
 * {@code -Dbaton.stress} multiplies the calls. The run itself is {@link CancelFuzz}'s.
 */
@Timeout(120)
class RedisAnnotationFuzzTest {

  private static final int CALLS = 800 * Math.max(1, Integer.getInteger("baton.stress", 1));
  private static final Long REPLAY_SEED = Long.getLong("baton.fuzz.seed");
  private static final Duration LEASE = Duration.ofSeconds(3);
  private static final Duration SETTLE = Duration.ofSeconds(30);
  /** The longest pause of Redis: shorter than a third of the lease, so leases stay renewed. */
  private static final int PAUSE_MILLIS_MAX = 250;

  private static final String[] PROPERTIES = {
      "spring.main.web-application-type=none",
      "baton.redis.lease=" + LEASE.toSeconds() + "s",
      "baton.default-timeout=" + SETTLE.toSeconds() + "s"};

  private static TwoRedisInstances instances;

  @BeforeAll
  static void start() {
    instances = new TwoRedisInstances(FuzzApplication.class,
        with(PROPERTIES, "baton.stalls.level=off"), with(PROPERTIES, "baton.stalls.level=basic"));
  }

  @AfterAll
  static void stop() {
    instances.close();
  }

  private static String[] with(String[] properties, String more) {
    List<String> all = new ArrayList<>(List.of(properties));
    all.add(more);
    return all.toArray(String[]::new);
  }

  @Test
  void annotatedCallsOnTwoInstancesNeverOverlapNorLeakAnythingInRedis() throws Exception {
    long seed = REPLAY_SEED != null ? REPLAY_SEED : ThreadLocalRandom.current().nextLong();
    try {
      new FuzzRun(seed).run();
    } catch (Throwable t) {
      throw new AssertionError("seed " + seed + " (replay: -Dtest=" + getClass().getSimpleName()
          + " -Dbaton.fuzz.seed=" + seed + "): " + t, t);
    }
  }

  /** One instance: the annotated service alone. */
  @SpringBootConfiguration(proxyBeanMethods = false)
  @EnableAutoConfiguration
  static class FuzzApplication {

    @Bean
    Fuzzed fuzzed() {
      return new Fuzzed();
    }
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

    @Limited(value = PERMITS, permits = 2, timeout = "5ms")
    public String timedPermitsSync(Body body) {
      return body.sync();
    }

    @Limited(value = PERMITS, permits = 2, timeout = "5ms")
    public CompletableFuture<String> timedPermitsFuture(Body body) {
      return body.future();
    }

    @Limited(value = PERMITS, permits = 2, timeout = "5ms")
    public Mono<String> timedPermitsMono(Body body) {
      return body.mono();
    }

    @Limited(value = PERMITS, permits = 2, timeout = "5ms")
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

    @Guarded(value = LOCK, timeout = "5ms")
    public String timedLockSync(Body body) {
      return body.sync();
    }

    @Guarded(value = LOCK, timeout = "5ms")
    public CompletableFuture<String> timedLockFuture(Body body) {
      return body.future();
    }

    @Guarded(value = LOCK, timeout = "5ms")
    public Mono<String> timedLockMono(Body body) {
      return body.mono();
    }

    @Guarded(value = LOCK, timeout = "5ms")
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

    @Guarded(value = KEYS, key = "#body.key()", timeout = "5ms")
    public String timedKeySync(Body body) {
      return body.sync();
    }

    @Guarded(value = KEYS, key = "#body.key()", timeout = "5ms")
    public CompletableFuture<String> timedKeyFuture(Body body) {
      return body.future();
    }

    @Guarded(value = KEYS, key = "#body.key()", timeout = "5ms")
    public Mono<String> timedKeyMono(Body body) {
      return body.mono();
    }

    @Guarded(value = KEYS, key = "#body.key()", timeout = "5ms")
    public Flux<String> timedKeyFlux(Body body) {
      return body.flux();
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

    @AwaitsEvent(value = EVENT, timeout = "5ms")
    public String timedEventSync(Body body) {
      return body.sync();
    }

    @AwaitsEvent(value = EVENT, timeout = "5ms")
    public CompletableFuture<String> timedEventFuture(Body body) {
      return body.future();
    }

    @AwaitsEvent(value = EVENT, timeout = "5ms")
    public Mono<String> timedEventMono(Body body) {
      return body.mono();
    }

    @AwaitsEvent(value = EVENT, timeout = "5ms")
    public Flux<String> timedEventFlux(Body body) {
      return body.flux();
    }

    @SetsEvent(EVENT)
    public String setsSync(Body body) {
      return body.sync();
    }

    @SetsEvent(EVENT)
    public CompletableFuture<String> setsFuture(Body body) {
      return body.future();
    }

    @SetsEvent(EVENT)
    public Mono<String> setsMono(Body body) {
      return body.mono();
    }

    @SetsEvent(EVENT)
    public Flux<String> setsFlux(Body body) {
      return body.flux();
    }

    @AwaitsEvent(EVENT)
    @Limited(value = PERMITS, permits = 2)
    public String nestedSync(Body body) {
      return body.sync();
    }

    @AwaitsEvent(EVENT)
    @Limited(value = PERMITS, permits = 2)
    public CompletableFuture<String> nestedFuture(Body body) {
      return body.future();
    }

    @AwaitsEvent(EVENT)
    @Limited(value = PERMITS, permits = 2)
    public Mono<String> nestedMono(Body body) {
      return body.mono();
    }

    @AwaitsEvent(EVENT)
    @Limited(value = PERMITS, permits = 2)
    public Flux<String> nestedFlux(Body body) {
      return body.flux();
    }

    @AwaitsEvent(EVENT)
    @Limited(value = PERMITS, permits = 2, timeout = "5ms")
    public String timedNestedSync(Body body) {
      return body.sync();
    }

    @AwaitsEvent(EVENT)
    @Limited(value = PERMITS, permits = 2, timeout = "5ms")
    public CompletableFuture<String> timedNestedFuture(Body body) {
      return body.future();
    }

    @AwaitsEvent(EVENT)
    @Limited(value = PERMITS, permits = 2, timeout = "5ms")
    public Mono<String> timedNestedMono(Body body) {
      return body.mono();
    }

    @AwaitsEvent(EVENT)
    @Limited(value = PERMITS, permits = 2, timeout = "5ms")
    public Flux<String> timedNestedFlux(Body body) {
      return body.flux();
    }

    /** Sets the event, through the annotation, at once. */
    @SetsEvent(EVENT)
    public void set() {
    }
  }

  /**
   * What a call waits for (or sets): the prefix of its methods' names. {@code NESTED} waits for
   * the event, then for one of the permits; {@code SETS} has no timed methods.
   */
  private enum GateKind implements CancelFuzz.Gate {
    PERMITS("permits"), LOCK("lock"), KEY("key"), EVENT("event"), SETS("sets"),
    NESTED("nested");

    private final String prefix;

    GateKind(String prefix) {
      this.prefix = prefix;
    }

    @Override
    public String prefix() {
      return prefix;
    }

    @Override
    public boolean timed() {
      return this != SETS;
    }

    @Override
    public String waitsFor() {
      return this == NESTED ? PERMITS.prefix : prefix;
    }
  }

  /** One run over both instances; the coordinator also sets the event and pauses Redis. */
  private static final class FuzzRun extends CancelFuzz {
    private final List<ConfigurableApplicationContext> contexts =
        List.of(instances.one, instances.two);
    private final List<Fuzzed> services =
        contexts.stream().map(context -> context.getBean(Fuzzed.class)).toList();
    /** Whether Redis is paused now: one pause at a time. */
    private final AtomicBoolean paused = new AtomicBoolean();

    FuzzRun(long seed) {
      super(seed, CALLS, SETTLE, 2, List.of(GateKind.values()),
          List.of(Type.SYNC, Type.FUTURE, Type.MONO, Type.FLUX), Fuzzed.class);
    }

    @Override
    protected Object service(int instance) {
      return services.get(instance);
    }

    @Override
    protected PrimitiveRegistry registry(int instance) {
      return contexts.get(instance).getBean(PrimitiveRegistry.class);
    }

    /**
     * Through either instance: takes all of one primitive's permits and dooms some of its
     * waiting calls, or sets the event through {@code @SetsEvent} and clears it; now and then,
     * first pauses Redis briefly.
     */
    @Override
    protected void act(Random random) throws Exception {
      if (random.nextInt(10) == 0) {
        pauseRedis(50 + random.nextInt(PAUSE_MILLIS_MAX - 50));
      }
      int instance = instance(random);
      GateKind gate = GateKind.values()[random.nextInt(GateKind.values().length)];
      if (gate == GateKind.EVENT || gate == GateKind.SETS || gate == GateKind.NESTED) {
        if (random.nextBoolean()) {
          services.get(instance).set();
        }
        registry(instance(random)).event(EVENT).clear();
      } else {
        holdAndDoom(random, registry(instance), gate);
      }
    }

    /** Pauses Redis for {@code millis}, unless it is paused already. */
    private void pauseRedis(int millis) {
      if (paused.compareAndSet(false, true)) {
        instances.server.pause();
        scheduler.schedule(() -> {
          instances.server.resume();
          paused.set(false);
        }, millis, TimeUnit.MILLISECONDS);
      }
    }

    @Override
    protected void stopped() {
      instances.server.resume();
    }

    @Override
    protected void awaitAllFree() {
      await().atMost(SETTLE).pollInterval(Duration.ofMillis(20))
          .untilAsserted(this::assertAllFree);
    }

    /**
     * Clears the event first: a {@code @SetsEvent} call may set it just after its caller saw the
     * call end, and a set event stays in Redis.
     */
    private void assertAllFree() {
      registry(1).event(EVENT).clear();
      for (int instance = 0; instance < 2; instance++) {
        assertThat(state(instance)).as("primitives of instance %d after the run", instance + 1)
            .isEqualTo("permits 2 free, 0 waiting; lock free, 0 waiting; keys 0 active,"
                + " 0 waiting; event 0 waiting; backend 0 held, 0 waiting; bodies inside 0/0/0");
        StallView view = contexts.get(instance).getBeanProvider(StallView.class).getIfAvailable();
        assertThat(view != null).as("stall view of instance %d", instance + 1)
            .isEqualTo(instance == 1);
        assertNoHolds(instance, view);
      }
      RedisServer server = instances.server;
      String event = "{baton:event:" + EVENT + "}";
      assertThat(server.keys()).as("keys in Redis")
          .allSatisfy(key -> assertThat(key.endsWith(":released") || key.equals(event))
              .as("%s is a record of released permits or the cleared event", key).isTrue())
          .allSatisfy(key -> assertThat(Long.parseLong(server.cli("PTTL", key)))
              .as("time to live of %s (-2: gone, -1: never)", key)
              .isNotEqualTo(-1L).isLessThanOrEqualTo(LEASE.toMillis()));
    }

    @Override
    protected String state() {
      return state(0) + "; " + state(1);
    }

    private String state(int instance) {
      RedisBackend backend = contexts.get(instance).getBean(RedisBackend.class);
      return primitives(instance) + "; backend " + backend.heldPermits() + " held, "
          + backend.waitingAcquires() + " waiting; " + bodiesInside();
    }
  }
}
