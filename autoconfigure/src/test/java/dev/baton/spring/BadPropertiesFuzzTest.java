package dev.baton.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.AsyncBarrier;
import dev.baton.AsyncEvent;
import dev.baton.AsyncLock;
import dev.baton.AsyncQueue;
import dev.baton.AsyncSemaphore;
import dev.baton.Permit;
import dev.baton.annotation.Limited;
import dev.baton.spring.BatonProperties.QueueOrder;
import dev.baton.spring.BatonProperties.Stalls.Level;
import dev.baton.spring.aspect.BatonAspectsAutoConfiguration;
import dev.baton.spring.endpoint.BatonEndpoint;
import dev.baton.spring.endpoint.BatonEndpointAutoConfiguration;
import dev.baton.spring.metrics.BatonMetricsAutoConfiguration;
import dev.baton.spring.metrics.BatonObservationAutoConfiguration;
import dev.baton.spring.metrics.BatonObservations;
import dev.baton.spring.redis.BatonRedisAutoConfiguration;
import dev.baton.spring.stall.BatonStallsAutoConfiguration;
import dev.baton.spring.stall.BatonStallsHealthAutoConfiguration;
import dev.baton.spring.stall.BatonStallsMetricsAutoConfiguration;
import dev.baton.spring.stall.StallView;
import dev.baton.spring.web.AcquireTimeoutProblems;
import dev.baton.spring.web.BatonWebAutoConfiguration;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.boot.test.context.runner.AbstractApplicationContextRunner;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.ApplicationContext;
import org.springframework.core.env.MapPropertySource;
import org.springframework.util.unit.DataSize;

/**
 * The README's promise for configuration, under random input: "Bad input gets a clear error
 * naming what was wrong, at start-up where possible, and nothing is lost or left held". Each
 * round draws a set of {@code baton.*} properties from the property reference (valid values,
 * edge values, malformed ones, blank ones, primitives with odd names, one name declared as two
 * kinds, misspelt keys) and starts a real context with every Baton auto-configuration, plain or
 * web. Then either
 *
 * <ul>
 *   <li>nothing drawn was invalid and the context started, every declared primitive exists with
 *       its name, permits, capacity, order, parties and timeout, is its bean, and a quick use of
 *       each works; the switches (stall level, observations, web answers, the endpoint) took
 *       effect as written; or
 *   <li>something drawn was invalid (or blank or padded with spaces, which may be refused) and
 *       start-up failed with a message chain naming one such property by its {@code baton.…}
 *       name and, for a bad value, the value.
 * </ul>
 *
 * <p>Either way, no thread that the context started, non-daemon or Baton's, is left running once
 * it is closed. Where the README is silent this test decides: a blank value means the default
 * or fails naming its property; a value padded with spaces means the trimmed value or fails
 * naming it; with {@code baton.enabled=false} nothing else is read, so nothing else can fail;
 * one name may be declared as several kinds, each its own primitive.
 *
 * <p>The seed is in every failure message ({@code -Dbaton.fuzz.seed} replays it, with the round
 * that failed); {@code -Dbaton.stress} multiplies the rounds.
 */
@Timeout(120)
class BadPropertiesFuzzTest {

  private static final long SEED = Long.getLong("baton.fuzz.seed", new Random().nextLong());
  private static final int ROUNDS = 120 * Math.max(1, Integer.getInteger("baton.stress", 1));
  /** How long a thread the context stopped may take to end. */
  private static final long THREAD_END_MILLIS = 2_000;
  /** Threads of core shared by the whole JVM, started on first need by any primitive. */
  private static final List<String> JVM_WIDE = List.of("baton-timeouts", "baton-grants-relay");

  /** Names primitives are declared under: plain ones, and some that need brackets. */
  private static final List<String> NAMES = List.of("payments", "stock", "a", "x-1", "42",
      "jobs.v2", "with space", "Stock", "my_lock", "a/b", "ünï", "[]x", " ");

  @Test
  void everyRoundStartsAsDeclaredOrFailsNamingWhatWasWrong() {
    for (int round = 0; round < ROUNDS; round++) {
      Round drawn = new Round(new Random(SEED * 1_000_003L + round));
      String replay = "seed " + SEED + " (-Dbaton.fuzz.seed=" + SEED + "), round " + round
          + ", properties " + drawn.assignments;
      check(drawn, replay);
    }
  }

  private static void check(Round drawn, String replay) {
    Set<Thread> before = Thread.getAllStackTraces().keySet();
    Map<String, Object> source = new LinkedHashMap<>();
    drawn.assignments.forEach(assignment -> source.put(assignment.key, assignment.value));
    AbstractApplicationContextRunner<?, ?, ?> runner = drawn.web
        ? new WebApplicationContextRunner() : new ApplicationContextRunner();
    configure(runner, source).run(context -> {
      if (context.getStartupFailure() != null) {
        checkFailure(drawn, context.getStartupFailure(), replay);
      } else {
        List<Assignment> invalid = drawn.assignments.stream()
            .filter(assignment -> assignment.verdict == Verdict.INVALID).toList();
        if (drawn.expected.enabled) { // else nothing reads them
          assertThat(invalid).as("started despite invalid properties; %s", replay).isEmpty();
        }
        checkStarted(drawn.expected, context, replay);
      }
    });
    checkNoThreadLeft(before, replay);
  }

  @SuppressWarnings("unchecked")
  private static <R extends AbstractApplicationContextRunner<R, ?, ?>> R configure(
      AbstractApplicationContextRunner<?, ?, ?> runner, Map<String, Object> source) {
    return ((R) runner)
        .withConfiguration(AutoConfigurations.of(AopAutoConfiguration.class,
            BatonStallsAutoConfiguration.class, BatonRedisAutoConfiguration.class,
            BatonAutoConfiguration.class, BatonAspectsAutoConfiguration.class,
            BatonMetricsAutoConfiguration.class, BatonStallsMetricsAutoConfiguration.class,
            BatonObservationAutoConfiguration.class, BatonEndpointAutoConfiguration.class,
            BatonWebAutoConfiguration.class, BatonStallsHealthAutoConfiguration.class))
        .withBean(SimpleMeterRegistry.class)
        .withBean(ObservationRegistry.class, ObservationRegistry::create)
        .withBean(LimitedCalls.class)
        .withPropertyValues("management.endpoints.web.exposure.include=baton,batonstalls")
        .withInitializer(context -> context.getEnvironment().getPropertySources()
            .addFirst(new MapPropertySource("fuzz", source)));
  }

  /** The failure names an offending property of the round and, for a bad value, the value. */
  private static void checkFailure(Round drawn, Throwable failure, String replay) {
    StringBuilder chain = new StringBuilder();
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      chain.append(cause.getClass().getName()).append(": ").append(cause.getMessage())
          .append('\n');
    }
    String messages = chain.toString();
    List<Assignment> suspects = drawn.assignments.stream()
        .filter(assignment -> assignment.verdict != Verdict.VALID).toList();
    assertThat(suspects).as("failed although every property was valid; %s; failure:%n%s",
        replay, messages).isNotEmpty();
    assertThat(suspects).as("no offending property (and value) named; %s; failure:%n%s",
        replay, messages).anySatisfy(suspect -> assertThat(suspect.namedBy(messages)).isTrue());
  }

  private static void checkStarted(Expected expected, ApplicationContext context,
      String replay) {
    if (!expected.enabled) {
      assertThat(context.getBeanNamesForType(PrimitiveRegistry.class)).as(replay).isEmpty();
      return;
    }
    PrimitiveRegistry registry = context.getBean(PrimitiveRegistry.class);
    BatonProperties properties = context.getBean(BatonProperties.class);
    assertThat(properties.defaultTimeout()).as("default timeout; %s", replay)
        .isEqualTo(expected.defaultTimeout);
    assertThat(properties.stalls().level()).as("stall level; %s", replay)
        .isEqualTo(expected.level);
    assertThat(context.getBeanNamesForType(StallView.class)).as("stall view; %s", replay)
        .hasSize(expected.level == Level.OFF ? 0 : 1);
    assertThat(context.getBeanNamesForType(BatonObservations.class)).as("observations; %s",
        replay).hasSize(expected.observations ? 1 : 0);
    assertThat(context.getBeanNamesForType(AcquireTimeoutProblems.class)).as("web; %s", replay)
        .hasSize(expected.web && expected.webEnabled ? 1 : 0);
    assertThat(context.getBeanNamesForType(BatonEndpoint.class)).as("endpoint; %s", replay)
        .hasSize(1);
    assertThat(properties.endpoint().showKeys()).as("show-keys; %s", replay)
        .isEqualTo(expected.showKeys);
    expected.locks.forEach((name, timeout) -> {
      assertThat(properties.lockTimeout(name)).as("lock '%s' timeout; %s", name, replay)
          .isEqualTo(timeout == null ? expected.defaultTimeout : timeout);
      if (expected.families.contains(name)) {
        use(registry.lock(name, "key"), name, replay);
      } else {
        AsyncLock lock = registry.lock(name);
        assertThat(bean(context, "lock", name)).as(replay).isSameAs(lock);
        use(lock, name, replay);
      }
    });
    expected.semaphores.forEach((name, permits) -> {
      assertThat(properties.semaphoreTimeout(name)).as("semaphore '%s' timeout; %s", name,
          replay).isEqualTo(expected.timeouts.getOrDefault("semaphore " + name,
              expected.defaultTimeout));
      AsyncSemaphore semaphore = registry.semaphore(name);
      assertThat(bean(context, "semaphore", name)).as(replay).isSameAs(semaphore);
      assertThat(semaphore.maxPermits()).as("semaphore '%s'; %s", name, replay)
          .isEqualTo(permits);
      Permit permit = semaphore.tryAcquire().orElseThrow();
      assertThat(semaphore.availablePermits()).as(replay).isEqualTo(permits - 1);
      permit.release();
    });
    expected.events.forEach((name, initiallySet) -> {
      assertThat(properties.eventTimeout(name)).as("event '%s' timeout; %s", name, replay)
          .isEqualTo(expected.timeouts.getOrDefault("event " + name, expected.defaultTimeout));
      AsyncEvent event = registry.event(name);
      assertThat(bean(context, "event", name)).as(replay).isSameAs(event);
      assertThat(event.isSet()).as("event '%s' initially set; %s", name, replay)
          .isEqualTo(initiallySet);
      CompletableFuture<Void> waited = event.await();
      event.set();
      assertThat(waited).as(replay).isCompleted();
    });
    expected.queues.forEach((name, queue) -> {
      AsyncQueue<Object> made = registry.queue(name);
      assertThat(bean(context, "queue", name)).as(replay).isSameAs(made);
      assertThat(made.capacity()).as("queue '%s' capacity; %s", name, replay)
          .isEqualTo(queue.capacity);
      List<Object> items = queue.items();
      items.forEach(item -> assertThat(made.offer(item)).as(replay).isTrue());
      List<Object> taken = new ArrayList<>();
      for (int i = 0; i < items.size(); i++) {
        taken.add(made.poll());
        made.taskDone();
      }
      assertThat(taken).as("queue '%s' order %s; %s", name, queue.order, replay)
          .isEqualTo(queue.expectedOrder(items));
    });
    expected.barriers.forEach((name, parties) -> {
      AsyncBarrier barrier = registry.barrier(name);
      assertThat(bean(context, "barrier", name)).as(replay).isSameAs(barrier);
      assertThat(barrier.parties()).as("barrier '%s' parties; %s", name, replay)
          .isEqualTo(parties);
      if (parties <= 3) {
        List<CompletableFuture<Integer>> arrivals = new ArrayList<>();
        for (int i = 0; i < parties; i++) {
          arrivals.add(barrier.await());
        }
        assertThat(arrivals).as(replay).allSatisfy(arrival -> assertThat(arrival).isCompleted());
      }
    });
    assertThat(registry.names()).as(replay).containsAll(expected.declaredNames());
    assertThat(context.getBean(LimitedCalls.class).charge()).as(replay)
        .isCompletedWithValue("charged");
    assertThat(registry.semaphore(LimitedCalls.NAME).maxPermits()).as(replay)
        .isEqualTo(LimitedCalls.PERMITS);
  }

  private static Object bean(ApplicationContext context, String kind, String name) {
    return context.getBean(PrimitiveBeans.beanName(kind, name));
  }

  private static void use(AsyncLock lock, String name, String replay) {
    Permit permit = lock.tryAcquire().orElseThrow(
        () -> new AssertionError("lock '" + name + "' is not free; " + replay));
    assertThat(lock.isLocked()).as(replay).isTrue();
    permit.release();
    assertThat(lock.isLocked()).as(replay).isFalse();
  }

  /** Every thread started meanwhile that is not a daemon, or is Baton's, has ended. */
  private static void checkNoThreadLeft(Set<Thread> before, String replay) {
    List<String> left = new ArrayList<>();
    for (Thread thread : Thread.getAllStackTraces().keySet()) {
      boolean batons = thread.getName().startsWith("baton")
          && JVM_WIDE.stream().noneMatch(thread.getName()::startsWith);
      if (before.contains(thread) || !(batons || !thread.isDaemon())) {
        continue;
      }
      try {
        thread.join(THREAD_END_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
      if (thread.isAlive()) {
        left.add(thread.getName() + (thread.isDaemon() ? " (daemon)" : ""));
      }
    }
    assertThat(left).as("threads left running; %s", replay).isEmpty();
  }

  /** An annotated bean whose semaphore a round may declare too. */
  public static class LimitedCalls {
    static final String NAME = "payments";
    static final int PERMITS = 2;

    @Limited(value = NAME, permits = PERMITS)
    public CompletableFuture<String> charge() {
      return CompletableFuture.completedFuture("charged");
    }
  }

  /** Whether a drawn property is one the reference allows. */
  enum Verdict {
    VALID,
    /** Must fail start-up, naming the property. */
    INVALID,
    /**
     * Blank or padded with spaces: may mean the default (blank) or the trimmed value, or fail
     * start-up naming the property.
     */
    LENIENT
  }

  /** One drawn {@code key=value}. */
  record Assignment(String key, String plainKey, String value, Verdict verdict,
      boolean aboutTheValue) {

    /**
     * Whether {@code messages} name this property (as written, or its name in brackets written
     * plainly) and, if its value is wrong, the value (as written, or as the duration or data
     * size it parses to: PT-1S for -1s, 3221225472B for 3GB).
     */
    boolean namedBy(String messages) {
      String lower = messages.toLowerCase(Locale.ROOT);
      boolean named = spellings().stream().anyMatch(lower::contains);
      if (!named || !aboutTheValue || value.isBlank()) {
        return named;
      }
      return messages.contains(value.trim()) || parsed().stream().anyMatch(messages::contains);
    }

    @Override
    public String toString() {
      return key + "='" + value + "'" + (verdict == Verdict.VALID ? "" : " (" + verdict + ")");
    }

    /**
     * The key as written, with a bracketed name written plainly, and as Spring's own messages
     * write a name without brackets (underscores dropped).
     */
    private List<String> spellings() {
      String lower = key.toLowerCase(Locale.ROOT);
      return List.of(lower, plainKey.toLowerCase(Locale.ROOT), lower.replace("_", ""));
    }

    /**
     * The value as a message may show it once parsed: a duration or a data size as Java or
     * Spring prints it, or as Baton writes it back ({@code 0ms} as {@code 0s}, {@code 1024KB} as
     * {@code 1MB}).
     */
    private List<String> parsed() {
      List<String> forms = new ArrayList<>();
      parse(() -> DurationStyle.detectAndParse(value.trim())).ifPresent(forms::add);
      parse(() -> BatonProperties.written(DurationStyle.detectAndParse(value.trim())))
          .ifPresent(forms::add);
      parse(() -> DataSize.parse(value.trim())).ifPresent(forms::add);
      parse(() -> BatonProperties.written(DataSize.parse(value.trim()))).ifPresent(forms::add);
      return forms;
    }

    private static Optional<String> parse(Supplier<Object> parser) {
      try {
        return Optional.of(parser.get().toString());
      } catch (RuntimeException e) {
        return Optional.empty();
      }
    }
  }

  /** A value that one property may be given, and what it means when it is valid. */
  record Value<T>(String raw, Verdict verdict, T meaning) {}

  private static <T> Value<T> ok(String raw, T meaning) {
    return new Value<>(raw, Verdict.VALID, meaning);
  }

  private static <T> Value<T> bad(String raw) {
    return new Value<>(raw, Verdict.INVALID, null);
  }

  /** A blank value: unset, meaning null (the default). */
  private static <T> Value<T> blank(String raw) {
    return new Value<>(raw, Verdict.LENIENT, null);
  }

  /** A value padded with spaces, meaning {@code meaning} if accepted. */
  private static <T> Value<T> padded(String raw, T meaning) {
    return new Value<>(raw, Verdict.LENIENT, meaning);
  }

  private static final List<Value<Duration>> TIMEOUTS = List.of(ok("0", Duration.ZERO),
      ok("0ms", Duration.ZERO), ok("1ms", Duration.ofMillis(1)),
      ok("250ms", Duration.ofMillis(250)), ok("5s", Duration.ofSeconds(5)),
      ok("PT2S", Duration.ofSeconds(2)), ok("1m", Duration.ofMinutes(1)),
      ok("2h", Duration.ofHours(2)), ok("1d", Duration.ofDays(1)),
      ok("5", Duration.ofMillis(5)), ok("106751d", Duration.ofDays(106751)),
      ok("999999d", Duration.ofDays(999999)),
      bad("-1s"), bad("-1"), bad("abc"), bad("5 s"), bad("1x"), bad("99999999999999999999s"),
      blank(""), blank("  "), padded(" 5s", Duration.ofSeconds(5)),
      padded("250ms ", Duration.ofMillis(250)));

  /** As {@link #TIMEOUTS}, where zero is refused too. */
  private static final List<Value<Duration>> POSITIVE_DURATIONS = TIMEOUTS.stream()
      .map(v -> Duration.ZERO.equals(v.meaning) ? BadPropertiesFuzzTest.<Duration>bad(v.raw) : v)
      .toList();

  /**
   * As {@link #POSITIVE_DURATIONS}, where one too long to count in nanoseconds is refused too:
   * every Redis command has a timeout, so such a one cannot mean none.
   */
  private static final List<Value<Duration>> COMMAND_TIMEOUTS = POSITIVE_DURATIONS.stream()
      .map(v -> v.meaning != null && v.meaning.compareTo(Duration.ofNanos(Long.MAX_VALUE)) > 0
          ? BadPropertiesFuzzTest.<Duration>bad(v.raw) : v)
      .toList();

  private static final List<Value<Boolean>> BOOLEANS = List.of(ok("true", true),
      ok("false", false), ok("TRUE", true), ok("False", false), ok("on", true), ok("no", false),
      bad("abc"), bad("2"), bad("ture"), blank(""), padded("true ", true),
      padded(" false", false));

  private static final List<Value<Integer>> COUNTS = List.of(ok("1", 1), ok("3", 3),
      ok("2", 2), ok("" + Integer.MAX_VALUE, Integer.MAX_VALUE), bad("0"), bad("-1"),
      bad("abc"), bad("2147483648"), bad("1.5"), bad("" + Integer.MIN_VALUE), blank(""),
      padded(" 3 ", 3));

  /** A round's properties and what they should make. */
  static final class Round {
    final List<Assignment> assignments = new ArrayList<>();
    final Expected expected = new Expected();
    final boolean web;
    private final Random random;
    private final Set<String> declared = new HashSet<>();
    /**
     * While a primitive whose name differs only in case from another of its kind is drawn, what
     * the failure names ({@code baton.KIND declares}); else null.
     */
    private String caseTwinIn;
    /** Whether a name is written without brackets in this round. */
    private final Map<String, Boolean> plainNames = new HashMap<>();

    Round(Random random) {
      this.random = random;
      this.web = random.nextBoolean();
      expected.web = web;
      int primitives = 1 + random.nextInt(4);
      for (int i = 0; i < primitives; i++) {
        declareOne();
      }
      drawGlobals();
      refuseWhatTheAnnotationConflictsWith();
      if (random.nextInt(12) == 0) {
        String name = pick(NAMES);
        add(key("locks", name, "timout"), "5s", Verdict.INVALID, false);
      }
    }

    private void drawGlobals() {
      maybe(0.05, () -> {
        Value<Boolean> enabled = pick(BOOLEANS);
        add("baton.enabled", enabled);
        if (Boolean.FALSE.equals(enabled.meaning)) {
          expected.enabled = false;
        }
      });
      maybe(0.4, () -> expected.defaultTimeout = or(add("baton.default-timeout", pick(TIMEOUTS)),
          expected.defaultTimeout));
      maybe(0.2, () -> expected.strict = or(add("baton.strict", pick(BOOLEANS)), false));
      maybe(0.2, () -> add("baton.aspect-order", pick(List.of(ok("0", 0), ok("-5", -5),
          ok("" + Integer.MAX_VALUE, 0), ok("" + Integer.MIN_VALUE, 0), bad("abc"),
          bad("2147483648"), bad("1.5")))));
      maybe(0.15, () -> add("baton.backend", pick(List.of(ok("local", 0), ok("LOCAL", 0),
          ok("Local", 0), ok("lo-cal", 0), padded("local ", 0), bad("radis"), bad("memory")))));
      maybe(0.15, () -> add("baton.metrics.percentile-histogram", pick(BOOLEANS)));
      maybe(0.15, () -> add("baton.metrics.percentiles", pick(List.of(ok("0.5,0.95,0.99", 0),
          ok("0.5", 0), bad("1"), bad("0"), bad("1.5"), bad("abc"), bad("-0.1"),
          bad("0.5,,0.99")))));
      maybe(0.15, () -> expected.observations = or(add("baton.metrics.observations",
          pick(BOOLEANS)), true));
      maybe(0.15, () -> expected.showKeys = or(add("baton.endpoint.show-keys", pick(BOOLEANS)),
          false));
      maybe(0.15, () -> expected.webEnabled = or(add("baton.web.enabled", pick(BOOLEANS)),
          true));
      maybe(0.15, () -> add("baton.web.retry-after", pick(TIMEOUTS)));
      maybe(0.1, () -> add("baton.redis.lease", pick(List.of(ok("300ms", 0), ok("30s", 0),
          ok("1m", 0), ok("106751d", 0), bad("299ms"), bad("0"), bad("-1s"), bad("abc"),
          bad("106752d")))));
      maybe(0.1, () -> add("baton.redis.key-prefix", pick(List.of(ok("baton", 0),
          ok("app1", 0), bad("{x}"), bad("a}b"), new Value<>(" ", Verdict.INVALID, 0),
          padded("baton ", 0)))));
      maybe(0.1, () -> add("baton.redis.command-timeout", pick(COMMAND_TIMEOUTS)));
      maybe(0.3, () -> expected.level = or(add("baton.stalls.level", pick(List.of(
          ok("off", Level.OFF), ok("basic", Level.BASIC), ok("strict", Level.STRICT),
          ok("BASIC", Level.BASIC), ok("Strict", Level.STRICT), ok("OFF", Level.OFF),
          ok("o-f-f", Level.OFF), ok("ba_sic", Level.BASIC), padded(" basic", Level.BASIC),
          padded("off ", Level.OFF), bad("on"), bad("verbose"), blank("")))), Level.OFF));
      for (String threshold : List.of("confirm-after", "held-too-long", "waited-too-long")) {
        maybe(0.1, () -> add("baton.stalls." + threshold, pick(POSITIVE_DURATIONS)));
      }
      maybe(0.15, () -> add(key("stalls.primitives", pick(NAMES),
          random.nextBoolean() ? "held-too-long" : "waited-too-long"),
          pick(POSITIVE_DURATIONS)));
    }

    private void declareOne() {
      String name = pick(NAMES);
      String kind = pick(List.of("locks", "semaphores", "events", "queues", "barriers"));
      if (!declared.add(kind + " " + name)) {
        return;
      }
      caseTwinIn = declared.stream().anyMatch(other -> other.equalsIgnoreCase(kind + " " + name)
          && !other.equals(kind + " " + name)) ? "baton." + kind + " declares" : null;
      switch (kind) {
        case "locks" -> declareLock(name);
        case "semaphores" -> declareSemaphore(name);
        case "events" -> declareEvent(name);
        case "queues" -> declareQueue(name);
        default -> {
          Integer parties = add(key(kind, name, "parties"), pick(COUNTS));
          if (parties != null) {
            expected.barriers.put(name, parties);
          }
        }
      }
      caseTwinIn = null;
    }

    private void declareLock(String name) {
      boolean timed = random.nextBoolean();
      Duration timeout = timed ? add(key("locks", name, "timeout"), pick(TIMEOUTS)) : null;
      Boolean family = !timed || random.nextBoolean()
          ? add(key("locks", name, "key-order"), pick(List.of(ok("none", false),
              ok("ascending", true), ok("NONE", false), ok("Ascending", true),
              ok("a-scending", true), padded("ascending ", true), bad("descending"),
              blank(""))))
          : null;
      expected.locks.put(name, timeout);
      if (Boolean.TRUE.equals(family)) {
        expected.families.add(name);
      }
    }

    /**
     * {@link LimitedCalls}' permits against the declared ones: other permits conflict, and in
     * strict mode its name must be declared; either fails start-up naming the property.
     */
    private void refuseWhatTheAnnotationConflictsWith() {
      String permits = key("semaphores", LimitedCalls.NAME, "permits");
      Integer declaredPermits = expected.semaphores.get(LimitedCalls.NAME);
      boolean declaredName = declared.contains("semaphores " + LimitedCalls.NAME);
      for (int i = 0; i < assignments.size(); i++) {
        Assignment assignment = assignments.get(i);
        boolean conflict = assignment.key.equals(permits) && declaredPermits != null
            && declaredPermits != LimitedCalls.PERMITS;
        boolean undeclared = assignment.key.equals("baton.strict") && expected.strict
            && !declaredName;
        if (conflict || undeclared) {
          assignments.set(i, new Assignment(assignment.key, assignment.plainKey,
              assignment.value, Verdict.INVALID, conflict));
        }
      }
    }

    private void declareSemaphore(String name) {
      Integer permits = add(key("semaphores", name, "permits"), pick(COUNTS));
      maybe(0.5, () -> {
        Duration timeout = add(key("semaphores", name, "timeout"), pick(TIMEOUTS));
        if (timeout != null) {
          expected.timeouts.put("semaphore " + name, timeout);
        }
      });
      if (permits != null) {
        expected.semaphores.put(name, permits);
      }
    }

    private void declareEvent(String name) {
      Boolean set = random.nextBoolean()
          ? add(key("events", name, "initially-set"), pick(BOOLEANS)) : null;
      if (set == null || random.nextBoolean()) {
        Duration timeout = add(key("events", name, "timeout"), pick(TIMEOUTS));
        if (timeout != null) {
          expected.timeouts.put("event " + name, timeout);
        }
      }
      expected.events.put(name, Boolean.TRUE.equals(set));
    }

    private void declareQueue(String name) {
      ExpectedQueue queue = new ExpectedQueue();
      Integer capacity = add(key("queues", name, "capacity"), pick(List.of(ok("1", 1),
          ok("2", 2), ok("5", 5), ok("100", 100), ok("" + Integer.MAX_VALUE, Integer.MAX_VALUE),
          bad("0"), bad("-1"), bad("abc"), bad("99999999999"), blank(""))));
      queue.capacity = capacity == null ? Integer.MAX_VALUE : capacity;
      maybe(0.6, () -> queue.order = or(add(key("queues", name, "order"), pick(List.of(
          ok("fifo", QueueOrder.FIFO), ok("lifo", QueueOrder.LIFO),
          ok("priority", QueueOrder.PRIORITY), ok("LIFO", QueueOrder.LIFO),
          ok("Priority", QueueOrder.PRIORITY), ok("li_fo", QueueOrder.LIFO),
          padded(" lifo", QueueOrder.LIFO), bad("random"), bad("stack"), blank("")))),
          QueueOrder.FIFO));
      maybe(0.3, () -> queue.itemType = or(add(key("queues", name, "item-type"), pick(List.of(
          ok("java.lang.String", String.class), ok("java.lang.Integer", Integer.class),
          bad("com.example.Nope")))), null));
      maybe(0.15, () -> {
        boolean scored = queue.order == QueueOrder.PRIORITY && queue.itemType == String.class;
        add(key("queues", name, "score-property"), "length",
            scored ? Verdict.VALID : Verdict.INVALID, false);
        queue.scored = scored;
      });
      maybe(0.2, () -> add(key("queues", name, "max-item-size"), pick(List.of(ok("1KB", 0),
          ok("512KB", 0), ok("2MB", 0), bad("0"), bad("-1KB"), bad("3GB"), bad("abc")))));
      expected.queues.put(name, queue);
    }

    /** Draws the property under {@code key}; returns what its value means, null if nothing. */
    private <T> T add(String key, Value<T> value) {
      add(key, value.raw, value.verdict, true);
      return value.meaning;
    }

    /**
     * Draws {@code key=value}. Under a blank name it is invalid whatever the value, and the
     * failure names where the name is declared, {@code baton.KIND[ ]}.
     */
    private void add(String key, String value, Verdict verdict, boolean aboutTheValue) {
      Matcher blankName = Pattern.compile("^(.*\\[\\s+])\\..*").matcher(key);
      if (caseTwinIn != null) {
        assignments.add(new Assignment(key, caseTwinIn, value, Verdict.INVALID, false));
      } else if (blankName.matches()) {
        assignments.add(new Assignment(key, blankName.group(1), value, Verdict.INVALID, false));
        return;
      }
      String plainKey = key.replaceFirst("\\[(.*)]\\.([a-z-]+)$", ".$1.$2");
      assignments.add(new Assignment(key, plainKey, value, verdict, aboutTheValue));
    }

    /**
     * {@code baton.KIND.NAME.PROPERTY}: the name bracketed where it has more than [a-z0-9-], and
     * in some rounds where it has capitals or underscores, which Spring keeps either way when a
     * round writes it one way only (the two ways mixed are two keys to Spring's binder).
     */
    private String key(String kind, String name, String property) {
      boolean plain = plainNames.computeIfAbsent(name, n -> n.matches("[a-z0-9-]+")
          || n.matches("[A-Za-z0-9_-]+") && random.nextBoolean());
      return plain ? "baton." + kind + "." + name + "." + property
          : "baton." + kind + "[" + name + "]." + property;
    }

    private void maybe(double chance, Runnable draw) {
      if (random.nextDouble() < chance) {
        draw.run();
      }
    }

    private <T> T pick(List<T> choices) {
      return choices.get(random.nextInt(choices.size()));
    }

    private static <T> T or(T meaning, T otherwise) {
      return meaning == null ? otherwise : meaning;
    }
  }

  /** What a round that starts must have made. */
  static final class Expected {
    boolean enabled = true;
    Duration defaultTimeout = Duration.ofSeconds(30);
    Level level = Level.OFF;
    boolean observations = true;
    boolean showKeys;
    boolean webEnabled = true;
    boolean strict;
    boolean web;
    /** Lock name to its timeout (null: the default). */
    final Map<String, Duration> locks = new LinkedHashMap<>();
    final Set<String> families = new HashSet<>();
    final Map<String, Integer> semaphores = new LinkedHashMap<>();
    final Map<String, Boolean> events = new LinkedHashMap<>();
    final Map<String, ExpectedQueue> queues = new LinkedHashMap<>();
    final Map<String, Integer> barriers = new LinkedHashMap<>();
    /** "semaphore NAME" or "event NAME" to its own timeout. */
    final Map<String, Duration> timeouts = new LinkedHashMap<>();

    Set<String> declaredNames() {
      Set<String> names = new HashSet<>(locks.keySet());
      names.addAll(semaphores.keySet());
      names.addAll(events.keySet());
      names.addAll(queues.keySet());
      names.addAll(barriers.keySet());
      return names;
    }
  }

  /** A declared queue: how many items it holds, in which order. */
  static final class ExpectedQueue {
    int capacity = Integer.MAX_VALUE;
    QueueOrder order = QueueOrder.FIFO;
    Class<?> itemType;
    /** Whether a priority queue is ordered by its items' length, all equal: arrival order. */
    boolean scored;

    /** Items of its type, as many as fit, up to three. */
    List<Object> items() {
      Function<Integer, Object> item = itemType == Integer.class ? i -> (Object) i
          : i -> (Object) ("item-" + i);
      List<Object> items = new ArrayList<>(List.of(item.apply(2), item.apply(3), item.apply(1)));
      return items.subList(0, Math.min(capacity, items.size()));
    }

    List<Object> expectedOrder(List<Object> items) {
      List<Object> ordered = new ArrayList<>(items);
      switch (order) {
        case LIFO -> Collections.reverse(ordered);
        case PRIORITY -> ordered.sort(scored ? (a, b) -> 0 : null);
        default -> { }
      }
      return ordered;
    }
  }
}
