package dev.baton.spring.stall;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.AppenderBase;
import dev.baton.AcquireTimeoutException;
import dev.baton.AsyncSemaphore;
import dev.baton.Permit;
import dev.baton.annotation.Guarded;
import dev.baton.annotation.SetsEvent;
import dev.baton.spring.BatonAutoConfiguration;
import dev.baton.spring.FuzzThreads;
import dev.baton.spring.PrimitiveRegistry;
import dev.baton.spring.aspect.BatonAspectsAutoConfiguration;
import dev.baton.spring.endpoint.BatonEndpoint;
import dev.baton.spring.endpoint.BatonEndpointAutoConfiguration;
import dev.baton.spring.metrics.BatonMetricsAutoConfiguration;
import dev.baton.spring.metrics.BatonObservationAutoConfiguration;
import dev.baton.spring.observation.CurrentCall;
import io.micrometer.context.ContextSnapshotFactory;
import io.micrometer.core.instrument.Meter;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.micrometer.tracing.handler.DefaultTracingObservationHandler;
import io.micrometer.tracing.test.simple.SimpleSpan;
import io.micrometer.tracing.test.simple.SimpleTracer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.health.autoconfigure.contributor.HealthContributorAutoConfiguration;
import org.springframework.boot.health.autoconfigure.registry.HealthContributorRegistryAutoConfiguration;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ApplicationContext;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * The README's privacy promise under random load, in a real Spring context with the stall view
 * {@code basic}, {@code strict} and {@code off}: keys of per-key locks never show in logs, meters,
 * observations and spans, exception messages and their causes, health details or the endpoints,
 * and their {@code toString()} is never called, except by the {@code baton} endpoint when
 * {@code baton.endpoint.show-keys} is set (as the seed says, in {@code basic} or {@code strict},
 * and maybe in {@code off}).
 *
 * <p>The keys are {@link Secret}s: their string form (and a getter a serializer could read)
 * carries a marker, and each call of {@code toString()} is recorded with its stack. Workers run
 * episodes of per-key calls, annotated (futures, {@code Mono}s, blocking methods, with long and
 * short timeouts) and through the registry: contended keys with timeouts and cancels, two calls
 * nesting keys in opposite orders, deadlocks of a key with a semaphore and with an event, re-entry
 * of a held key, {@code lockAll} against and along a family's ascending key order, keys that are
 * not {@code Comparable}, null or fail to evaluate, a permit released twice, and permits dropped
 * unreleased; thresholds of 50 ms make most holds and waits stalls. A watcher reads the health,
 * the views and the Prometheus scrape all along. Every log event (at TRACE), every failure with
 * its causes, every meter, every observation and span, every view read and the console are
 * searched for the marker. Each context also checks that its run produced what it is about
 * (timeouts, explained by their blockers, inversions, re-entries, stalls, leaks, deadlocks
 * reported or refused, as its level has them).
 *
 * <p>The seed is in the failure message ({@code -Dbaton.fuzz.seed} replays each worker's
 * episodes; thread timing varies); {@code -Dbaton.stress} multiplies the episodes.
 */
@Timeout(120)
@ExtendWith(OutputCaptureExtension.class)
class HiddenKeysFuzzTest {

  /** What a key's string form carries, searched for case-insensitively everywhere. */
  static final String MARK = "pii-7f3a9c";
  private static final Long REPLAY_SEED = Long.getLong("baton.fuzz.seed");
  private static final int EPISODES = 10 * Math.max(1, Integer.getInteger("baton.stress", 1));
  private static final int WORKERS = 4;
  /** Keys each worker has of its own, so that its deadlocks are its own. */
  private static final int OWN_KEYS = 6;
  /** Keys all workers share: contention across episodes. */
  private static final int SHARED_KEYS = 3;
  private static final Duration SETTLE = Duration.ofSeconds(20);
  private static final ContextSnapshotFactory SNAPSHOTS = ContextSnapshotFactory.builder().build();

  private ApplicationContextRunner contextRunner(String level, boolean showKeys) {
    List<String> properties = new ArrayList<>(List.of("baton.stalls.level=" + level,
        "baton.stalls.confirm-after=100ms", "baton.stalls.held-too-long=50ms",
        "baton.stalls.waited-too-long=50ms", "baton.default-timeout=2s",
        "baton.locks.ledger.key-order=ascending", "baton.endpoint.show-keys=" + showKeys,
        "management.endpoints.web.exposure.include=baton,batonstalls"));
    for (int w = 0; w < WORKERS; w++) {
      properties.add("baton.semaphores.gate" + w + ".permits=1");
    }
    return new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(AopAutoConfiguration.class,
            BatonStallsAutoConfiguration.class, BatonAutoConfiguration.class,
            BatonAspectsAutoConfiguration.class, BatonMetricsAutoConfiguration.class,
            BatonStallsMetricsAutoConfiguration.class, BatonObservationAutoConfiguration.class,
            BatonEndpointAutoConfiguration.class, BatonStallsHealthAutoConfiguration.class,
            HealthContributorAutoConfiguration.class,
            HealthContributorRegistryAutoConfiguration.class, MetricsAutoConfiguration.class))
        .withPropertyValues(properties.toArray(String[]::new))
        .withBean(PrometheusMeterRegistry.class,
            () -> new PrometheusMeterRegistry(PrometheusConfig.DEFAULT))
        .withBean(SimpleTracer.class)
        .withBean(Recorder.class)
        .withBean(ObservationRegistry.class, () -> ObservationRegistry.create())
        .withBean(Desk.class);
  }

  @Test
  void keysShowNowhereAndAreNeverReadWhateverTheCallsDo(CapturedOutput output) {
    long seed = REPLAY_SEED != null ? REPLAY_SEED : ThreadLocalRandom.current().nextLong();
    Random choice = new Random(seed);
    boolean basicShowsKeys = choice.nextBoolean();
    boolean offShowsKeys = choice.nextBoolean();
    for (String level : List.of("basic", "strict", "off")) {
      boolean showKeys = level.equals("off") ? offShowsKeys
          : level.equals("basic") == basicShowsKeys;
      contextRunner(level, showKeys).run(context -> {
        assertThat(context).hasNotFailed();
        try {
          new FuzzRun(context, seed, level, showKeys).run();
        } catch (Throwable t) {
          throw new AssertionError("seed " + seed + " (replay: -Dtest="
              + getClass().getSimpleName() + " -Dbaton.fuzz.seed=" + seed + "), level " + level
              + ", show-keys " + showKeys + ": " + t, t);
        }
      });
    }
    assertThat(output.getAll().toLowerCase(Locale.ROOT)).as("the console, seed " + seed)
        .doesNotContain(MARK);
  }

  /** Every {@code toString()} of a key, with where it was called from. */
  static final class Reads {
    private final List<Throwable> stacks = new CopyOnWriteArrayList<>();

    void record() {
      stacks.add(new Throwable("a key's toString() was called"));
    }

    /** The reads not made by the {@code baton} endpoint listing keys, if it may. */
    List<Throwable> unexpected(boolean showKeys) {
      return stacks.stream().filter(stack -> !showKeys || Arrays.stream(stack.getStackTrace())
          .noneMatch(frame -> frame.getClassName().endsWith("endpoint.PrimitiveViews"))).toList();
    }

    int count() {
      return stacks.size();
    }
  }

  /** A key that is user data: shown, it shows the marker; each {@code toString()} is recorded. */
  abstract static class Hidden {
    private final int id;
    private final Reads reads;

    Hidden(int id, Reads reads) {
      this.id = id;
      this.reads = reads;
    }

    int id() {
      return id;
    }

    /** What a serializer reading getters would show. */
    public String getValue() {
      return toString();
    }

    @Override
    public final String toString() {
      reads.record();
      return MARK + "-" + id;
    }

    @Override
    public final boolean equals(Object other) {
      return other != null && other.getClass() == getClass() && ((Hidden) other).id == id;
    }

    @Override
    public final int hashCode() {
      return Integer.hashCode(id);
    }
  }

  /** A key of either family, compared by its id. */
  static final class Secret extends Hidden implements Comparable<Secret> {
    Secret(int id, Reads reads) {
      super(id, reads);
    }

    @Override
    public int compareTo(Secret other) {
      return Integer.compare(id(), other.id());
    }

    /** What a key expression that fails reads. */
    public Object explode() {
      throw new IllegalStateException("this key cannot be told");
    }
  }

  /** A key that is not {@code Comparable}, which a family with a key order refuses. */
  static final class Opaque extends Hidden {
    Opaque(int id, Reads reads) {
      super(id, reads);
    }
  }

  /** What an annotated method runs, as its call, once granted. */
  @FunctionalInterface
  public interface Body {
    CompletableFuture<Void> run();
  }

  /** How an annotated method returns: the suffix of its name. */
  enum Type {
    FUTURE("Future"), MONO("Mono"), SYNC("Sync");

    final String suffix;

    Type(String suffix) {
      this.suffix = suffix;
    }
  }

  /**
   * The annotated methods: {@code vault} (no key order) and {@code ledger} (ascending keys),
   * waiting 400 ms, or 40 ms for the {@code Quick} ones; {@code signal} sets the event
   * {@code signal} once it held its {@code vault} key; {@code exploding}'s key expression fails.
   */
  public static class Desk {

    @Guarded(value = "vault", key = "#key", timeout = "400ms")
    public CompletableFuture<Void> vaultFuture(Secret key, Body body) {
      return body.run();
    }

    @Guarded(value = "vault", key = "#key", timeout = "400ms")
    public Mono<Void> vaultMono(Secret key, Body body) {
      return Mono.fromFuture(body.run(), true);
    }

    @Guarded(value = "vault", key = "#key", timeout = "400ms")
    public void vaultSync(Secret key, Body body) {
      body.run().join();
    }

    @Guarded(value = "vault", key = "#p0", timeout = "40ms")
    public CompletableFuture<Void> vaultQuickFuture(Secret key, Body body) {
      return body.run();
    }

    @Guarded(value = "vault", key = "#p0", timeout = "40ms")
    public Mono<Void> vaultQuickMono(Secret key, Body body) {
      return Mono.fromFuture(body.run(), true);
    }

    @Guarded(value = "vault", key = "#p0", timeout = "40ms")
    public void vaultQuickSync(Secret key, Body body) {
      body.run().join();
    }

    @Guarded(value = "ledger", key = "#root.args[0]", timeout = "400ms")
    public CompletableFuture<Void> ledgerFuture(Secret key, Body body) {
      return body.run();
    }

    @Guarded(value = "ledger", key = "#root.args[0]", timeout = "400ms")
    public Mono<Void> ledgerMono(Secret key, Body body) {
      return Mono.fromFuture(body.run(), true);
    }

    @Guarded(value = "ledger", key = "#root.args[0]", timeout = "400ms")
    public void ledgerSync(Secret key, Body body) {
      body.run().join();
    }

    @Guarded(value = "ledger", key = "#key", timeout = "40ms")
    public CompletableFuture<Void> ledgerQuickFuture(Secret key, Body body) {
      return body.run();
    }

    @Guarded(value = "ledger", key = "#key", timeout = "40ms")
    public Mono<Void> ledgerQuickMono(Secret key, Body body) {
      return Mono.fromFuture(body.run(), true);
    }

    @Guarded(value = "ledger", key = "#key", timeout = "40ms")
    public void ledgerQuickSync(Secret key, Body body) {
      body.run().join();
    }

    @Guarded(value = "vault", key = "#key.explode()", timeout = "400ms")
    public CompletableFuture<Void> explodingFuture(Secret key, Body body) {
      return body.run();
    }

    @SetsEvent("signal")
    @Guarded(value = "vault", key = "#key", timeout = "400ms")
    public CompletableFuture<Void> signalFuture(Secret key, Body body) {
      return body.run();
    }
  }

  /** Records the name, key values, error and events of every observation it sees. */
  static final class Recorder implements ObservationHandler<Observation.Context> {
    private final List<String> seen = new CopyOnWriteArrayList<>();
    private final AtomicInteger count = new AtomicInteger();

    @Override
    public void onStart(Observation.Context context) {
      seen.add("start " + describe(context));
    }

    @Override
    public void onError(Observation.Context context) {
      seen.add("error " + describe(context));
    }

    @Override
    public void onEvent(Observation.Event event, Observation.Context context) {
      seen.add("event " + event.getName() + " " + event.getContextualName() + " "
          + describe(context));
    }

    @Override
    public void onStop(Observation.Context context) {
      seen.add("stop " + describe(context));
    }

    @Override
    public boolean supportsContext(Observation.Context context) {
      return true;
    }

    private String describe(Observation.Context context) {
      count.incrementAndGet();
      return context.getName() + " " + context.getContextualName() + " "
          + context.getAllKeyValues() + " " + Texts.trace(context.getError()) + " " + context;
    }

    List<String> seen() {
      return List.copyOf(seen);
    }
  }

  /** Where the marker was found, and counts of what was searched. */
  static final class Texts {
    private final List<String> hits = new CopyOnWriteArrayList<>();
    private final AtomicInteger searched = new AtomicInteger();

    /** Searches {@code text}, found at {@code where}, for the marker. */
    void search(String where, String text) {
      searched.incrementAndGet();
      if (text == null) {
        return;
      }
      int at = text.toLowerCase(Locale.ROOT).indexOf(MARK);
      if (at >= 0 && hits.size() < 20) {
        hits.add(where + ": ..." + text.substring(Math.max(0, at - 300), at) + "[KEY]...");
      }
    }

    /** A failure's whole story: its class, message, causes and suppressed, with stacks. */
    static String trace(Throwable failure) {
      if (failure == null) {
        return "";
      }
      StringWriter out = new StringWriter();
      failure.printStackTrace(new PrintWriter(out));
      return out.toString();
    }
  }

  /** Hands every log event, rendered with its throwable, MDC and key-values, to the search. */
  static final class LogSearch extends AppenderBase<ILoggingEvent> {
    private final Texts texts;
    private final List<String> batonLines = new CopyOnWriteArrayList<>();

    LogSearch(Texts texts) {
      this.texts = texts;
    }

    @Override
    protected void append(ILoggingEvent event) {
      String message = event.getFormattedMessage();
      texts.search("log " + event.getLoggerName(), event.getLevel() + " " + message + " "
          + (event.getThrowableProxy() == null ? ""
              : ThrowableProxyUtil.asString(event.getThrowableProxy()))
          + " " + event.getMDCPropertyMap() + " " + event.getKeyValuePairs());
      if (message != null && message.startsWith("Baton: ")) {
        batonLines.add(message);
      }
    }

    /** Whether a line of Baton's starting with {@code prefix} was logged. */
    boolean logged(String prefix) {
      return batonLines.stream().anyMatch(line -> line.startsWith(prefix));
    }
  }

  /** The kinds of episode a worker runs. */
  enum Kind {
    CONTEND, NESTED_KEYS, SEMAPHORE_DEADLOCK, EVENT_DEADLOCK, REENTRY, ORDERED, LEAK
  }

  /** One context's run: the workers, the watcher, and what they found. */
  private static final class FuzzRun {
    private final Desk desk;
    private final PrimitiveRegistry registry;
    private final StallView view;
    private final BatonHealthIndicator health;
    private final BatonEndpoint endpoint;
    private final StallsEndpoint stallsEndpoint;
    private final PrometheusMeterRegistry prometheus;
    private final SimpleTracer tracer;
    private final Recorder recorder;
    private final long seed;
    private final String level;
    private final boolean showKeys;
    private final Reads reads = new Reads();
    private final Texts texts = new Texts();
    private final LogSearch logs = new LogSearch(texts);
    private final JsonMapper json = JsonMapper.builder().build();
    private final ScheduledExecutorService scheduler =
        Executors.newScheduledThreadPool(2, FuzzThreads.daemon("keys-timer"));
    private final ExecutorService continuations =
        Executors.newFixedThreadPool(4, FuzzThreads.daemon("keys-continuation"));
    /** For blocking calls and the workers, which block. */
    private final ExecutorService blocking =
        Executors.newCachedThreadPool(FuzzThreads.daemon("keys-blocking"));
    /** Every call and wait made, settled once its failure (if any) was searched. */
    private final List<CompletableFuture<Void>> inFlight = new CopyOnWriteArrayList<>();
    private final List<String> problems = new CopyOnWriteArrayList<>();
    private final AtomicInteger timeouts = new AtomicInteger();
    private final AtomicInteger explainedTimeouts = new AtomicInteger();
    private final AtomicInteger refusals = new AtomicInteger();
    private final AtomicInteger bodies = new AtomicInteger();
    private final AtomicInteger leakedKeys = new AtomicInteger();
    private final AtomicBoolean keysListed = new AtomicBoolean();

    FuzzRun(ApplicationContext context, long seed, String level, boolean showKeys) {
      this.desk = context.getBean(Desk.class);
      this.registry = context.getBean(PrimitiveRegistry.class);
      this.view = context.getBeanProvider(StallView.class).getIfAvailable();
      this.health = context.getBeanProvider(BatonHealthIndicator.class).getIfAvailable();
      this.endpoint = context.getBean(BatonEndpoint.class);
      this.stallsEndpoint = context.getBeanProvider(StallsEndpoint.class).getIfAvailable();
      this.prometheus = context.getBean(PrometheusMeterRegistry.class);
      this.tracer = context.getBean(SimpleTracer.class);
      this.recorder = context.getBean(Recorder.class);
      ObservationRegistry observations = context.getBean(ObservationRegistry.class);
      observations.observationConfig().observationHandler(recorder)
          .observationHandler(new DefaultTracingObservationHandler(tracer));
      this.seed = seed;
      this.level = level;
      this.showKeys = showKeys;
    }

    void run() throws Exception {
      Logger root = (Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
      Level rootLevel = root.getLevel();
      logs.setContext((LoggerContext) LoggerFactory.getILoggerFactory());
      logs.start();
      root.addAppender(logs);
      root.setLevel(Level.TRACE);
      AtomicBoolean working = new AtomicBoolean(true);
      CompletableFuture<Void> watcher =
          CompletableFuture.runAsync(() -> watch(working), blocking);
      try {
        List<CompletableFuture<Void>> workers = new ArrayList<>();
        for (int w = 0; w < WORKERS; w++) {
          Worker worker = new Worker(w, new Random(seed * 31 + w + 1));
          workers.add(CompletableFuture.runAsync(worker::work, blocking));
        }
        CompletableFuture.allOf(workers.toArray(CompletableFuture[]::new))
            .get(SETTLE.toSeconds() * 3, TimeUnit.SECONDS);
        awaitQuiet();
        if (view != null) {
          Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> {
            System.gc(); // a dropped permit is found once the collector has cleared it
            return view.leaksFound() > 0;
          });
        }
        working.set(false);
        watcher.get(SETTLE.toSeconds(), TimeUnit.SECONDS);
        readEverything();
        readSpans();
        check();
        System.out.printf("%s, show-keys %s: %d bodies, %d timeouts (%d explained), %d refusals,"
            + " %d keys read, %d texts searched; %s%n", level, showKeys, bodies.get(),
            timeouts.get(), explainedTimeouts.get(), refusals.get(), reads.count(),
            texts.searched.get(), view == null ? "no stall view" : view.inversionsFound()
                + " inversions, " + view.reentriesSeen() + " re-entries, "
                + view.deadlocksConfirmed() + " deadlocks, " + view.leaksFound() + " leaks");
      } finally {
        working.set(false);
        root.detachAppender(logs);
        root.setLevel(rootLevel);
        logs.stop();
        scheduler.shutdownNow();
        continuations.shutdownNow();
        blocking.shutdownNow();
      }
    }

    private void check() {
      assertThat(problems).as("problems").isEmpty();
      assertThat(texts.hits).as("where a key showed").isEmpty();
      assertThat(reads.unexpected(showKeys)).as("calls of a key's toString()")
          .allSatisfy(stack -> assertThat(Texts.trace(stack)).isEmpty());
      // what the run is about happened, so the searches above searched something
      assertThat(bodies).as("bodies run").hasValueGreaterThan(EPISODES);
      assertThat(timeouts).as("timeouts").hasPositiveValue();
      assertThat(recorder.count).as("observations").hasPositiveValue();
      assertThat(tracer.getSpans()).as("spans").isNotEmpty();
      assertThat(prometheus.scrape()).contains("baton_lock_keys_active{name=\"vault\"}");
      assertThat(keysListed.get()).as("the endpoint listed keys").isEqualTo(showKeys);
      if (showKeys) {
        assertThat(reads.count()).as("keys read by the endpoint").isPositive();
      }
      if (view == null) {
        return;
      }
      assertThat(view.inversionsFound()).as("inversions").isPositive();
      assertThat(view.reentriesSeen()).as("re-entries").isPositive();
      assertThat(view.leaksFound()).as("leaked permits").isPositive();
      assertThat(logs.logged("Baton: stall: ")).as("a stall logged").isTrue();
      assertThat(logs.logged("Baton: leaked permit: ")).as("a leak logged").isTrue();
      assertThat(logs.logged("Baton: lock-order inversion: ")).as("an inversion logged")
          .isTrue();
      if (level.equals("basic")) {
        assertThat(view.deadlocksConfirmed()).as("confirmed deadlocks").isPositive();
        assertThat(logs.logged("Baton: deadlock ")).as("a deadlock logged").isTrue();
        assertThat(explainedTimeouts).as("timeouts explained by their blockers").hasPositiveValue();
      } else {
        assertThat(refusals).as("requests refused").hasPositiveValue();
      }
    }

    /** Reads the health, views and meters as the watcher does, now and then collecting. */
    private void watch(AtomicBoolean working) {
      int round = 0;
      while (working.get()) {
        try {
          readEverything();
        } catch (RuntimeException e) {
          problems.add("reading the views failed: " + Texts.trace(e));
        }
        if (++round % 8 == 0) {
          System.gc();
        }
        CompletableFuture.runAsync(() -> { },
            CompletableFuture.delayedExecutor(20, TimeUnit.MILLISECONDS)).join();
      }
    }

    /**
     * Everything Baton shows: the health with its details, the stall report (as the endpoint
     * serializes it, and its string form), the explanation, the {@code baton} endpoint (where
     * keys may show only if listed), the Prometheus scrape, the meters and the observations
     * and spans seen so far.
     */
    private void readEverything() {
      if (view != null) {
        Health read = health.health();
        texts.search("health", read.getStatus() + " " + read.getDetails());
        StallReport report = stallsEndpoint.stalls();
        texts.search("batonstalls", json.writeValueAsString(report));
        texts.search("stall report", report + " " + view.check() + " " + view.stalls() + " "
            + view.leakedPermits());
        texts.search("explanation", view.explain());
      }
      String primitives = json.writeValueAsString(endpoint.primitives());
      if (primitives.contains("\"keys\"")) {
        keysListed.set(true);
      }
      if (!showKeys) {
        texts.search("baton endpoint", primitives);
      }
      texts.search("prometheus", prometheus.scrape());
      for (Meter meter : prometheus.getMeters()) {
        texts.search("meter", meter.getId() + " " + meter.getId().getDescription() + " "
            + meter.getId().getBaseUnit());
      }
      List<String> observed = recorder.seen();
      observed.forEach(line -> texts.search("observation", line));
      recorder.seen.removeAll(observed);
    }

    /** The spans of every observation, once all is quiet. */
    private void readSpans() {
      for (SimpleSpan span : tracer.getSpans()) {
        texts.search("span", span.getName() + " " + span.getTags() + " " + span.getEvents() + " "
            + Texts.trace(span.getError()) + " " + span);
      }
    }

    /** Waits until every call and wait has settled, and no new one began. */
    private void awaitQuiet() throws Exception {
      FuzzThreads.awaitSettled(inFlight, SETTLE, "calls or waits");
    }

    /**
     * {@code future}, settled: completes normally once it has, its failure searched for the
     * marker (with its causes, and a timeout's blockers) and counted.
     */
    CompletableFuture<Void> settle(String what, CompletableFuture<?> future) {
      CompletableFuture<Void> settled = future.handle((nothing, failure) -> {
        if (failure != null) {
          failed(what, failure);
        }
        return null;
      });
      inFlight.add(settled);
      return settled;
    }

    /** {@code future}, completing normally once it has settled: for one settled already. */
    static CompletableFuture<Void> quietly(CompletableFuture<?> future) {
      return future.handle((nothing, failure) -> null);
    }

    /** Searches {@code failure}, seen at {@code what}, and counts what it says. */
    void failed(String what, Throwable failure) {
      texts.search("failure of " + what, Texts.trace(failure));
      for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
        if (cause instanceof AcquireTimeoutException timeout) {
          texts.search("timeout of " + what, timeout.primitive() + " " + timeout.name() + " "
              + timeout.blockers());
          timeouts.incrementAndGet();
          if (timeout.blockers() != null) {
            explainedTimeouts.incrementAndGet();
          }
        } else if (cause instanceof DeadlockException) {
          refusals.incrementAndGet();
        }
      }
    }

    /** Runs {@code action}, searching what it throws. */
    void attempt(String what, Runnable action) {
      try {
        action.run();
        problems.add(what + " did not fail");
      } catch (RuntimeException e) {
        failed(what, e);
      }
    }

    /** A body that counts itself and then does {@code then}. */
    Body body(Supplier<CompletableFuture<Void>> then) {
      return () -> {
        bodies.incrementAndGet();
        return then.get();
      };
    }

    CompletableFuture<Void> delay(int millis, Executor executor) {
      return CompletableFuture.runAsync(() -> { },
          CompletableFuture.delayedExecutor(millis, TimeUnit.MILLISECONDS, executor));
    }

    /** An executor running tasks as the call current here. */
    Executor here() {
      return SNAPSHOTS.captureAll().wrapExecutor(continuations);
    }

    /**
     * Invokes the annotated method of {@code family} ({@code quick}: its 40 ms variant) and
     * {@code type} for {@code key}, from the call current here (a blocking one on a thread of its
     * own); the result is settled as {@code what}.
     */
    CompletableFuture<?> call(String what, String family, boolean quick, Type type, Secret key,
        Body body) {
      Method method;
      try {
        method = Desk.class.getMethod(family + (quick ? "Quick" : "") + type.suffix,
            Secret.class, Body.class);
      } catch (NoSuchMethodException e) {
        throw new IllegalStateException(e);
      }
      return invoke(what, method, type, key, body);
    }

    CompletableFuture<?> invoke(String what, Method method, Type type, Secret key, Body body) {
      Supplier<Object> invocation = () -> {
        try {
          return method.invoke(desk, key, body);
        } catch (InvocationTargetException e) {
          throw e.getCause() instanceof RuntimeException failure ? failure
              : new CompletionException(e.getCause());
        } catch (IllegalAccessException e) {
          throw new IllegalStateException(e);
        }
      };
      CompletableFuture<?> result;
      try {
        result = switch (type) {
          case SYNC -> CompletableFuture.supplyAsync(invocation,
              SNAPSHOTS.captureAll().wrapExecutor(blocking));
          case MONO -> ((Mono<?>) invocation.get()).toFuture();
          case FUTURE -> (CompletableFuture<?>) invocation.get();
        };
      } catch (RuntimeException e) {
        result = CompletableFuture.failedFuture(e);
      }
      settle(what, result);
      return result;
    }

    /** One worker: its episodes, one after another, each awaited until all of it settled. */
    private final class Worker {
      private final int w;
      private final Random random;
      private final List<Secret> own = new ArrayList<>();
      private final List<Secret> shared = new ArrayList<>();

      Worker(int w, Random random) {
        this.w = w;
        this.random = random;
        for (int i = 0; i < OWN_KEYS; i++) {
          own.add(new Secret(w * 100 + i, reads));
        }
        for (int i = 0; i < SHARED_KEYS; i++) {
          shared.add(new Secret(1_000 + i, reads));
        }
      }

      void work() {
        List<Kind> kinds = new ArrayList<>();
        for (int i = 0; i < EPISODES; i++) {
          kinds.add(Kind.values()[(i + w) % (Kind.values().length - 1)]);
        }
        kinds.add(random.nextInt(kinds.size() + 1), Kind.LEAK);
        for (Kind kind : kinds) {
          List<CompletableFuture<?>> episode = new ArrayList<>();
          try (CurrentCall.Scope root = random.nextInt(3) == 0 ? null
              : CurrentCall.open("Worker.run" + w)) {
            episode(kind, episode);
          }
          try {
            CompletableFuture.allOf(episode.stream().map(FuzzRun::quietly)
                .toArray(CompletableFuture[]::new)).get(SETTLE.toSeconds(), TimeUnit.SECONDS);
          } catch (InterruptedException | ExecutionException | TimeoutException e) {
            problems.add("worker " + w + ": an episode " + kind + " never ended: " + e);
            return;
          }
        }
      }

      private void episode(Kind kind, List<CompletableFuture<?>> episode) {
        switch (kind) {
          case CONTEND -> contend(episode);
          case NESTED_KEYS -> nestedKeys(episode);
          case SEMAPHORE_DEADLOCK -> semaphoreDeadlock(episode);
          case EVENT_DEADLOCK -> eventDeadlock(episode);
          case REENTRY -> reentry(episode);
          case ORDERED -> ordered(episode);
          case LEAK -> leak();
        }
      }

      private Secret ownKey() {
        return own.get(random.nextInt(OWN_KEYS));
      }

      private Secret anyKey() {
        return random.nextInt(3) == 0 ? shared.get(random.nextInt(SHARED_KEYS)) : ownKey();
      }

      private String family() {
        return random.nextBoolean() ? "vault" : "ledger";
      }

      private Type type() {
        return Type.values()[random.nextInt(Type.values().length)];
      }

      /** Cancels {@code future} after a little while, sometimes. */
      private void maybeCancel(CompletableFuture<?> future) {
        if (random.nextInt(4) == 0) {
          scheduler.schedule(() -> future.cancel(false), random.nextInt(60),
              TimeUnit.MILLISECONDS);
        }
      }

      /**
       * A key held for up to 150 ms by an annotated call, while others ask for it: annotated
       * calls with long or short timeouts, some cancelled, a registry wait with a timeout and a
       * {@code lockAll} including it.
       */
      private void contend(List<CompletableFuture<?>> episode) {
        String family = family();
        Secret key = anyKey();
        int holdMillis = 20 + random.nextInt(130);
        episode.add(call("a holder", family, false, type(), key,
            body(() -> delay(holdMillis, here()))));
        int waiters = 1 + random.nextInt(3);
        for (int i = 0; i < waiters; i++) {
          int workMillis = random.nextInt(3);
          CompletableFuture<?> waiter = call("a waiter", family, random.nextBoolean(), type(),
              key, body(() -> delay(workMillis, here())));
          maybeCancel(waiter);
          episode.add(waiter);
        }
        if (random.nextBoolean()) {
          CompletableFuture<Permit> taken = registry.lock(family, key)
              .acquire(Duration.ofMillis(1 + random.nextInt(60)));
          maybeCancel(taken);
          episode.add(settle("a registry wait", taken.thenAccept(Permit::release)));
        }
        if (random.nextBoolean()) {
          CompletableFuture<Permit> all = registry.lockAll(family,
              List.of(key, anyKey(), anyKey()), Duration.ofMillis(1 + random.nextInt(200)));
          maybeCancel(all);
          episode.add(settle("a lockAll", all.thenAccept(Permit::release)));
        }
      }

      /**
       * Two calls holding a key each and then asking, through a call made from them, for the
       * other's (or, with a plain lock, the lock and the key in opposite orders): a deadlock
       * and an inversion at once in {@code basic}, a refusal in {@code strict}.
       */
      private void nestedKeys(List<CompletableFuture<?>> episode) {
        String family = family();
        Secret first = ownKey();
        Secret second = own.get((own.indexOf(first) + 1 + random.nextInt(OWN_KEYS - 1))
            % OWN_KEYS);
        CompletableFuture<Void> bothHold = new CompletableFuture<>();
        AtomicInteger holding = new AtomicInteger();
        Runnable arrive = () -> {
          if (holding.incrementAndGet() == 2) {
            bothHold.complete(null);
          }
        };
        bothHold.completeOnTimeout(null, 300, TimeUnit.MILLISECONDS);
        if (random.nextBoolean()) {
          episode.add(crossing(family, first, second, arrive, bothHold));
          episode.add(crossing(family, second, first, arrive, bothHold));
          return;
        }
        String plain = "desk" + w;
        Type inner = type();
        episode.add(call("a key then a lock", family, false, type(), first, body(() -> {
          Executor here = here();
          arrive.run();
          return bothHold.thenComposeAsync(nothing -> settle("the lock after a key",
              registry.lock(plain).acquire(Duration.ofMillis(400)).thenAccept(Permit::release)),
              here);
        })));
        try (CurrentCall.Scope teller = CurrentCall.open("Teller.lockThenKey")) {
          Executor here = here();
          CompletableFuture<Permit> lock = registry.lock(plain).acquire();
          episode.add(settle("the lock then a key", lock.thenComposeAsync(permit -> {
            arrive.run();
            return bothHold.thenComposeAsync(nothing -> quietly(
                    call("a key after the lock", family, false, inner, first,
                        body(() -> delay(1, here())))), here)
                .whenComplete((nothing, failure) -> permit.release());
          }, here)));
        }
      }

      private CompletableFuture<?> crossing(String family, Secret held, Secret asked,
          Runnable arrive, CompletableFuture<Void> bothHold) {
        Type inner = type();
        boolean quick = random.nextInt(4) == 0;
        return call("an outer key", family, false, type(), held, body(() -> {
          Executor here = here();
          arrive.run();
          return bothHold.thenComposeAsync(nothing -> quietly(
              call("an inner key", family, quick, inner, asked,
                  body(() -> delay(1, here())))), here);
        }));
      }

      /**
       * A call holding a semaphore's only permit asks for a key whose holder asks for that
       * permit; without timeouts in half the episodes (the health is DOWN until the wait is
       * cancelled, in {@code basic}).
       */
      private void semaphoreDeadlock(List<CompletableFuture<?>> episode) {
        AsyncSemaphore gate = registry.semaphore("gate" + w);
        Secret key = ownKey();
        boolean timed = random.nextBoolean();
        CompletableFuture<Void> bothHold = new CompletableFuture<>();
        bothHold.completeOnTimeout(null, 300, TimeUnit.MILLISECONDS);
        AtomicInteger holding = new AtomicInteger();
        Runnable arrive = () -> {
          if (holding.incrementAndGet() == 2) {
            bothHold.complete(null);
          }
        };
        try (CurrentCall.Scope teller = CurrentCall.open("Teller.gateThenKey")) {
          Executor here = here();
          CompletableFuture<Permit> gateTaken = gate.acquire();
          episode.add(settle("the gate then a key", gateTaken.thenComposeAsync(permit -> {
            arrive.run();
            return bothHold.thenComposeAsync(nothing -> {
              CompletableFuture<Permit> wait = timed
                  ? registry.lock("vault", key).acquire(Duration.ofMillis(400))
                  : registry.lock("vault", key).acquire();
              if (!timed) { // in basic, the deadlock lasts until this cancel
                scheduler.schedule(() -> wait.cancel(false), 300, TimeUnit.MILLISECONDS);
              }
              return settle("a key after the gate", wait.thenAccept(Permit::release));
            }, here).whenComplete((nothing, failure) -> permit.release());
          }, here)));
        }
        episode.add(call("a key then the gate", "vault", false, type(), key, body(() -> {
          Executor here = here();
          arrive.run();
          return bothHold.thenComposeAsync(nothing -> settle("the gate after a key",
              (timed ? gate.acquire(Duration.ofMillis(400)) : gate.acquire())
                  .thenAccept(Permit::release)), here);
        })));
      }

      /**
       * A call holding a key waits for the event {@code signal}, whose setter asks for that
       * key: a deadlock, unless another worker's setter sets it first.
       */
      private void eventDeadlock(List<CompletableFuture<?>> episode) {
        Secret key = ownKey();
        CompletableFuture<Void> holds = new CompletableFuture<>();
        holds.completeOnTimeout(null, 300, TimeUnit.MILLISECONDS);
        registry.event("signal").clear();
        Executor worker = here();
        episode.add(call("a key then the event", "vault", false, type(), key, body(() -> {
          holds.complete(null);
          return registry.event("signal").await(Duration.ofMillis(400));
        })));
        episode.add(holds.thenComposeAsync(nothing -> call("the setter", "signal", false,
            Type.FUTURE, key, body(() -> delay(1, here()))), worker));
      }

      /**
       * A call holding a key asks for it again: through an annotated call made from it, the
       * registry, or {@code lockAll}; a re-entry.
       */
      private void reentry(List<CompletableFuture<?>> episode) {
        String family = family();
        Secret key = anyKey();
        int how = random.nextInt(3);
        Type again = type();
        Secret other = ownKey();
        episode.add(call("a holder asking again", family, false, type(), key, body(() -> {
          Executor here = here();
          return switch (how) {
            case 0 -> quietly(call("the same key again", family, true, again, key,
                body(() -> delay(1, here))));
            case 1 -> settle("the same key again", registry.lock(family, key)
                .acquire(Duration.ofMillis(40)).thenAccept(Permit::release));
            default -> settle("the same key again", registry.lockAll(family,
                List.of(key, other), Duration.ofMillis(40)).thenAccept(Permit::release));
          };
        })));
      }

      /**
       * {@code lockAll} along the ascending key order; two keys of {@code ledger} nested against
       * it; keys that are not {@code Comparable}, a null key, and a permit released twice.
       */
      private void ordered(List<CompletableFuture<?>> episode) {
        List<Secret> keys = new ArrayList<>(List.of(anyKey(), anyKey(), ownKey()));
        Collections.shuffle(keys, random);
        try (CurrentCall.Scope clerk = CurrentCall.open("Clerk.all")) {
          CompletableFuture<Permit> all = registry.lockAll("ledger", keys,
              Duration.ofMillis(1 + random.nextInt(200)));
          int holdMillis = random.nextInt(20);
          episode.add(settle("a lockAll along the order", all.thenCompose(
              permit -> delay(holdMillis, continuations).thenRun(() -> {
                permit.release();
                attempt("a permit of several keys released twice", permit::release);
              }))));
        }
        Secret low = own.get(random.nextInt(OWN_KEYS - 1));
        Secret high = own.get(own.indexOf(low) + 1 + random.nextInt(OWN_KEYS - 1 - own.indexOf(
            low)));
        boolean quick = random.nextBoolean();
        Type inner = type();
        episode.add(call("a high key", "ledger", false, type(), high, body(() -> {
          Executor here = here();
          return quietly(call("a low key inside", "ledger", quick, inner, low,
              body(() -> delay(1, here))));
        })));
        try (CurrentCall.Scope clerk = CurrentCall.open("Clerk.one")) {
          Executor here = here();
          episode.add(settle("a key", registry.lock("vault", ownKey())
              .acquire(Duration.ofMillis(200)).thenAcceptAsync(permit -> {
                permit.release();
                attempt("a key's permit released twice", permit::release);
              }, here)));
        }
        attempt("a key that is not Comparable",
            () -> registry.lock("ledger", new Opaque(random.nextInt(100), reads)));
        attempt("keys that do not compare", () -> registry.lockAll("vault",
            List.of(new Opaque(1, reads), ownKey()), Duration.ofMillis(10)));
        episode.add(call("a null key", family(), random.nextBoolean(), type(), null,
            body(() -> delay(1, continuations))));
        episode.add(call("a key that fails", "exploding", false, Type.FUTURE, ownKey(),
            body(() -> delay(1, continuations))));
      }

      /** A call takes a key of its own and drops the permit: a leak, once collected. */
      private void leak() {
        Secret dropped = new Secret(10_000 + leakedKeys.incrementAndGet(), reads);
        try (CurrentCall.Scope forgetful = CurrentCall.open("Vault.forget")) {
          registry.lock("vault", dropped).acquire().join();
        }
      }
    }

  }
}
