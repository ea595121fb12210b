package dev.baton.spring.stall;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.AcquireTimeoutException;
import dev.baton.AsyncBarrier;
import dev.baton.AsyncEvent;
import dev.baton.AsyncLock;
import dev.baton.AsyncQueue;
import dev.baton.AsyncSemaphore;
import dev.baton.Permit;
import dev.baton.spring.BatonAutoConfiguration;
import dev.baton.spring.LockFamily;
import dev.baton.spring.NamedPrimitive;
import dev.baton.spring.PrimitiveRegistry;
import dev.baton.spring.metrics.BatonMetricsAutoConfiguration;
import dev.baton.spring.observation.Call;
import dev.baton.spring.observation.CurrentCall;
import dev.baton.spring.observation.EventSetters;
import dev.baton.spring.observation.HoldTracking;
import dev.baton.spring.observation.SetterTracking;
import dev.baton.spring.observation.TestCalls;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.autoconfigure.contributor.HealthContributorAutoConfiguration;
import org.springframework.boot.health.autoconfigure.registry.HealthContributorRegistryAutoConfiguration;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ApplicationContext;

/**
 * The stall view at level {@code basic}, end to end in a real Spring context (its watchdog, the
 * {@code batonstalls} endpoint, the health indicator, the meters and the log), against deadlocks
 * planted at random among benign traffic, with an oracle of its own: what was planted says which
 * calls are stuck, how, and which are not.
 *
 * <p>Planted, each on primitives of its own, with calls opened through {@link CurrentCall} and
 * real registry waits: cycles of two to four calls over plain locks and keys of the per-key family
 * {@code accounts}, some of whose calls wait through a call made from them; tails behind a cycle
 * (a second waiter, a chain of two, a caller of a cycle's call, a call waiting for two of the
 * cycle's locks at once); semaphore knots, where every holder of a semaphore waits for a lock its
 * waiter holds; and an event whose only setter waits for a lock its waiter holds. Beside them,
 * look-alikes that are no deadlock: a semaphore with one progressing holder, a permit handed to
 * another call, a lock held by a call waiting for an event nobody is to set, for a queue or for a
 * barrier, a lock held by a call nobody knows, a call waiting for a stuck lock and for one a
 * progressing call holds, a cycle resolved before it could be confirmed, and a fire-and-forget
 * child whose caller lets go. Benign traffic takes its own locks in one order meanwhile, and now
 * and then waits briefly for a planted lock, joining a tail and leaving it by a timeout that names
 * the holder.
 *
 * <p>Checked: the watchdog alone confirms every planted deadlock (after the traffic stops, or
 * while it runs), each logged once; the endpoint then lists exactly the planted deadlocks,
 * confirmed, each cycle with the planted calls (sites, ids, callers, the holds the deadlock waits
 * for, the waits and whether they are timed), each call waiting for the next, from the one that
 * started first, and the rest of the stuck calls as its tail; no look-alike is reported; the
 * coverage counts, the deadlock meter and the health indicator (DOWN exactly for the deadlocks
 * without a timed wait) agree. Then every deadlock ends, by a cancel or by its own timeouts, and
 * the view goes quiet: nothing held, waited for or reported, health UP. The seed is in the failure
 * message ({@code -Dbaton.fuzz.seed} replays the shapes; thread timing varies);
 * {@code -Dbaton.stress} multiplies the traffic and the shapes.
 */
@Timeout(60)
@ExtendWith(OutputCaptureExtension.class)
class PlantedDeadlocksFuzzTest {

  private static final int STRESS = Math.max(1, Integer.getInteger("baton.stress", 1));
  private static final Long REPLAY_SEED = Long.getLong("baton.fuzz.seed");
  private static final long CONFIRM_MILLIS = 200;
  /** The timeout of every wait of a deadlock planted to end by its own timeouts. */
  private static final Duration SHORT = Duration.ofMillis(3500);
  /** The timeout of a timed wait planted never to time out during the test. */
  private static final Duration LONG = Duration.ofHours(1);
  /** How long whatever must happen is given: only a hang exceeds it. */
  private static final Duration WITHIN = Duration.ofSeconds(20);
  private static final String FAMILY = "accounts";
  private static final int TRAFFIC_WORKERS = 3;
  /** How many kinds of look-alike {@code Run.lookAlike} plants. */
  private static final int LOOK_ALIKES = 7;

  private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(BatonStallsAutoConfiguration.class,
          BatonAutoConfiguration.class, BatonStallsHealthAutoConfiguration.class,
          HealthContributorAutoConfiguration.class,
          HealthContributorRegistryAutoConfiguration.class, BatonMetricsAutoConfiguration.class,
          BatonStallsMetricsAutoConfiguration.class, MetricsAutoConfiguration.class,
          SimpleMetricsExportAutoConfiguration.class,
          CompositeMeterRegistryAutoConfiguration.class))
      .withPropertyValues("baton.stalls.level=basic",
          "baton.stalls.confirm-after=" + CONFIRM_MILLIS + "ms",
          "baton.stalls.held-too-long=1h", "baton.stalls.waited-too-long=1h",
          "management.endpoints.web.exposure.include=batonstalls");

  @Test
  void everyPlantedDeadlockIsConfirmedAsPlantedAndNothingElseThenTheViewGoesQuiet(
      CapturedOutput output) {
    long seed = REPLAY_SEED != null ? REPLAY_SEED : ThreadLocalRandom.current().nextLong();
    contextRunner.run(context -> {
      assertThat(context).hasNotFailed();
      Run run = new Run(context, new Random(seed));
      try {
        run.run(output);
      } catch (Throwable t) {
        throw new AssertionError("seed " + seed + " (replay: -Dtest=" + getClass().getSimpleName()
            + " -Dbaton.fuzz.seed=" + seed + "): " + t + "; planted " + knots + "; "
            + run.joinersTimedOut + " brief waits joined a tail; " + run.view.explain(), t);
      } finally {
        run.stopTraffic();
      }
    });
  }

  /** A primitive as the view names it: its kind and name (a per-key lock by its family). */
  record Res(String kind, String name) {
    static Res lock(String name) {
      return new Res("lock", name);
    }

    @Override
    public String toString() {
      return kind + " '" + name + "'";
    }
  }

  /**
   * One planted call: what it holds (permits, promises to set an event), its one own wait if
   * any, and how it ends: once its wait ends (granted, timed out or cancelled), or the calls made
   * from it it awaits have ended, it lets go of everything, setting the event it was to set.
   */
  final class Actor {
    final Call call;
    final Actor caller;
    final List<Res> holds = new CopyOnWriteArrayList<>();
    private final List<Permit> permits = new CopyOnWriteArrayList<>();
    private final List<EventSetters.Promise> promises = new CopyOnWriteArrayList<>();
    private final List<AsyncEvent> toSet = new CopyOnWriteArrayList<>();
    final CompletableFuture<Void> ended = new CompletableFuture<>();
    /** What its first own wait is for, and whether that wait is timed. */
    Res waitsFor;
    boolean timed;
    /** All its own waits, as the view lists them (ages aside). */
    final List<StuckCall.Waiting> waits = new CopyOnWriteArrayList<>();
    private final AtomicInteger pending = new AtomicInteger();
    CompletableFuture<?> wait;
    volatile Throwable failure;

    Actor(String site, Actor caller) {
      this.caller = caller;
      this.call = TestCalls.call(site, caller == null ? null : caller.call);
      actors.add(this);
    }

    /** Takes {@code res} at once, as this call, and holds it until it lets go. */
    Actor take(Res res, Supplier<CompletableFuture<Permit>> acquire) {
      permits.add(TestCalls.as(call, acquire).join());
      holds.add(res);
      return this;
    }

    /** Promises, as this call, to set {@code event}, as a {@code @SetsEvent} method does. */
    Actor promise(AsyncEvent event, String name) {
      promises.add(TestCalls.as(call, ((SetterTracking) event).setters()::promise));
      toSet.add(event);
      holds.add(new Res("event", name));
      return this;
    }

    /** Waits, as this call, for {@code res}; lets go of everything once the wait ends. */
    Actor await(Res res, boolean timed, Supplier<? extends CompletableFuture<?>> waiting) {
      this.waitsFor = res;
      this.timed = timed;
      this.wait = alsoAwait(res, timed, waiting);
      return this;
    }

    /**
     * Waits, as this call, for {@code res} besides its first wait, as a call fanning out does;
     * lets go once all its waits have ended.
     */
    CompletableFuture<?> alsoAwait(Res res, boolean timed,
        Supplier<? extends CompletableFuture<?>> waiting) {
      waits.add(new StuckCall.Waiting(res.kind(), res.name(), 0, timed));
      pending.incrementAndGet();
      CompletableFuture<?> future = TestCalls.as(call, waiting);
      future.whenComplete((granted, failed) -> {
        if (granted instanceof Permit permit) {
          permits.add(permit);
        }
        if (failure == null) {
          failure = failed;
        }
        if (pending.decrementAndGet() == 0) {
          letGo();
        }
      });
      return future;
    }

    /** Lets go once {@code callee}, made from it and awaited by it, has ended. */
    Actor awaits(Actor callee) {
      callee.ended.whenComplete((nothing, failed) -> letGo());
      return this;
    }

    /** Ends: sets what it was to set, then releases and closes everything it holds. */
    void letGo() {
      toSet.forEach(AsyncEvent::set);
      promises.forEach(EventSetters.Promise::close);
      permits.forEach(permit -> {
        if (!permit.isReleased()) {
          permit.release();
        }
      });
      ended.complete(null);
    }

    /** Withdraws its wait, as a cancelled call would. */
    void cancel() {
      wait.cancel(false);
    }

    String site() {
      return call.site();
    }

    @Override
    public String toString() {
      return call.site() + "#" + call.id();
    }
  }

  /** A planted deadlock: its stuck calls, and which of them may make up the reported cycle. */
  final class Knot {
    final String shape;
    final List<Actor> stuck = new ArrayList<>();
    /** The calls that must all be on the cycle. */
    final Set<Actor> onCycle = new HashSet<>();
    /** The calls that may be on the cycle besides those (a semaphore's other holders). */
    final Set<Actor> mayBeOnCycle = new HashSet<>();
    /** Whether it ends by its own timeouts; else a cancel of one of its waits ends it. */
    final boolean timesOut;
    /** The wait whose timeout or cancel ends it. */
    Actor breaker;
    /** The holder of what {@link #breaker} waits for, which its timeout names. */
    Actor breakersHolder;

    Knot(String shape, boolean timesOut) {
      this.shape = shape;
      this.timesOut = timesOut;
      knots.add(this);
    }

    /** Whether none of its cycle's waits has a timeout, for any cycle the view may report. */
    boolean lastsUntilRestart() {
      return stuck.stream().filter(a -> onCycle.contains(a) || mayBeOnCycle.contains(a))
          .noneMatch(a -> a.waits.stream().anyMatch(StuckCall.Waiting::timed));
    }

    /** The primitives its stuck calls wait for: their holds of these are listed. */
    Set<Res> waitedFor() {
      Set<Res> waited = new HashSet<>();
      stuck.forEach(actor -> actor.waits.forEach(w -> waited.add(new Res(w.primitive(),
          w.name()))));
      return waited;
    }

    @Override
    public String toString() {
      return shape + " " + stuck;
    }
  }

  /** A lock of a planted shape, as the view names it. */
  record Held(Res res, AsyncLock lock) {
  }

  /** A lock of a planted deadlock, and the site of the call holding it. */
  record Joinable(Held lock, String holder) {
  }

  /** One seeded run over one context. */
  final class Run {
    final StallView view;
    private final PrimitiveRegistry registry;
    private final StallsEndpoint endpoint;
    private final BatonHealthIndicator health;
    private final MeterRegistry meters;
    private final Random random;
    /** What ends the look-alikes, run at the clean-up. */
    private final List<Runnable> cleanUps = new ArrayList<>();
    private final Set<Res> planted = new LinkedHashSet<>();
    private final AtomicBoolean trafficOn = new AtomicBoolean(true);
    private final List<CompletableFuture<Void>> traffic = new ArrayList<>();
    private final Collection<String> problems = new ConcurrentLinkedQueue<>();
    private final AtomicInteger joinersTimedOut = new AtomicInteger();
    /** The locks of planted deadlocks a traffic call may wait for briefly, with their holder. */
    private final List<Joinable> joinable = new CopyOnWriteArrayList<>();
    private int counter;
    /** Confirmations allowed besides the planted deadlocks: transients that a pause kept. */
    private int mayBeConfirmedToo;
    private int pendingWaits;
    private int unknownWaits;

    Run(ApplicationContext context, Random random) {
      this.view = context.getBean(StallView.class);
      this.registry = context.getBean(PrimitiveRegistry.class);
      this.endpoint = context.getBean(StallsEndpoint.class);
      this.health = context.getBean(BatonHealthIndicator.class);
      this.meters = context.getBean(MeterRegistry.class);
      this.random = random;
    }

    void run(CapturedOutput output) throws Exception {
      startTraffic();
      transients();
      long planting = System.nanoTime();
      int shapes = 2 + random.nextInt(4) + (STRESS > 1 ? random.nextInt(3) : 0);
      List<Integer> lookAlikes = new ArrayList<>();
      for (int kind = 0; kind < LOOK_ALIKES; kind++) {
        lookAlikes.add(kind); // each kind at least once, among the deadlocks
      }
      for (int i = 0; i < shapes; i++) {
        lookAlikes.add(random.nextInt(LOOK_ALIKES));
      }
      Collections.shuffle(lookAlikes, random);
      for (int i = 0; i < shapes; i++) {
        switch (random.nextInt(3)) {
          case 0 -> cycle();
          case 1 -> semaphoreKnot();
          default -> eventKnot();
        }
        lookAlike(lookAlikes.remove(0));
      }
      lookAlikes.forEach(this::lookAlike);
      boolean quietFirst = random.nextBoolean();
      if (quietFirst) {
        stopTraffic();
      }
      // Quiet: the watchdog alone, nobody else checks. Busy: the endpoint is read meanwhile.
      Awaitility.await().atMost(WITHIN).pollInterval(Duration.ofMillis(20)).until(() -> {
        if (!quietFirst) {
          assertThat(planted(endpoint.stalls())).hasSizeLessThanOrEqualTo(knots.size());
        }
        return view.deadlocksConfirmed() >= knots.size();
      });
      stopTraffic();
      StallReport report = endpoint.stalls();
      Health reading = health.health();
      boolean timeoutsMayHaveFired =
          System.nanoTime() - planting > SHORT.toNanos() - Duration.ofMillis(500).toNanos();
      assertThat(problems).as("the traffic's problems").isEmpty();
      if (!timeoutsMayHaveFired) {
        assertReportsThePlantedDeadlocks(report);
        assertHealth(reading, report);
      }
      assertThat(view.deadlocksConfirmed()).as("confirmed deadlocks")
          .isBetween((long) knots.size(), (long) knots.size() + mayBeConfirmedToo);
      long confirmed = view.deadlocksConfirmed();
      assertThat(meters.get(StallMeters.DEADLOCKS).functionCounter().count())
          .as(StallMeters.DEADLOCKS).isEqualTo((double) confirmed);
      assertThat(view.reentriesSeen()).as("re-entries").isZero();
      assertThat(view.leaksFound()).as("leaked permits").isZero();

      resolve();
      cleanUps.forEach(Runnable::run);
      Awaitility.await().atMost(WITHIN).untilAsserted(this::assertQuiet);
      assertThat(view.deadlocksConfirmed()).as("confirmed once each").isEqualTo(confirmed);
      assertThat(meters.get(StallMeters.DEADLOCKS).functionCounter().count())
          .isEqualTo((double) confirmed);
      assertThat(countLines(output.getAll(), "Baton: deadlock ")).as("deadlocks logged")
          .isEqualTo((int) Math.min(confirmed, 10));
    }

    // ---- planted deadlocks ----

    private String fresh(String prefix) {
      return prefix + "-" + counter++;
    }

    /** A plain lock of its own, named after {@code prefix}. */
    private Held plainLock(String prefix) {
      String name = fresh(prefix);
      Res res = Res.lock(name);
      planted.add(res);
      return new Held(res, registry.lock(name));
    }

    /** A lock of its own: plain, or a key of the per-key family. */
    private Held knotLock() {
      return random.nextBoolean() ? plainLock("ledger")
          : new Held(Res.lock(FAMILY), registry.lock(FAMILY, fresh("key")));
    }

    /** A wait for {@code lock}: untimed, or timed at {@code timeout}. */
    private static Supplier<CompletableFuture<Permit>> timing(Held lock, boolean timed,
        Duration timeout) {
      return timed ? () -> lock.lock().acquire(timeout) : lock.lock()::acquire;
    }

    /**
     * Two to four calls, each holding a lock and waiting for the next one's (some through a call
     * made from them, some made from a caller), with a tail: a second waiter, or a chain of two.
     */
    private void cycle() {
      boolean timesOut = random.nextInt(3) == 0;
      Knot knot = new Knot("cycle", timesOut);
      int n = 2 + random.nextInt(3);
      Duration timeout = timesOut ? SHORT : LONG;
      List<Held> locks = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        locks.add(knotLock());
      }
      String[] types = {"Orders", "Ledger", "Stock", "Audit"};
      List<Actor> holders = new ArrayList<>();
      List<Actor> waiters = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        Actor parent = null;
        if (random.nextInt(4) == 0) {
          parent = new Actor("Batch.run", null);
          knot.stuck.add(parent);
        }
        Actor member = new Actor(types[i] + ".take", parent)
            .take(locks.get(i).res(), locks.get(i).lock()::acquire);
        if (parent != null) {
          parent.awaits(member);
        }
        knot.stuck.add(member);
        knot.onCycle.add(member);
        holders.add(member);
        Actor waiter = member;
        if (random.nextInt(3) == 0) {
          waiter = new Actor(types[i] + ".nested", member);
          member.awaits(waiter);
          knot.stuck.add(waiter);
          knot.onCycle.add(waiter);
        }
        waiters.add(waiter);
      }
      for (int i = 0; i < n; i++) {
        Held next = locks.get((i + 1) % n);
        boolean timed = timesOut || random.nextBoolean();
        waiters.get(i).await(next.res(), timed, timing(next, timed, timeout));
      }
      knot.breaker = waiters.get(0);
      knot.breakersHolder = holders.get(1);
      for (int i = 0; i < n; i++) {
        joinable.add(new Joinable(locks.get(i), holders.get(i).site()));
      }
      int tails = random.nextInt(3);
      for (int t = 0; t < tails; t++) {
        Held behind = locks.get(random.nextInt(n));
        int kind = random.nextInt(3);
        if (kind == 0) {
          knot.stuck.add(new Actor("Report.read", null)
              .await(behind.res(), false, behind.lock()::acquire));
        } else if (kind == 1) { // waits for two of the cycle's locks at once
          Held also = locks.get((locks.indexOf(behind) + 1) % n);
          Actor merge = new Actor("Report.merge", null)
              .await(behind.res(), false, behind.lock()::acquire);
          merge.alsoAwait(also.res(), true, timing(also, true, timeout));
          knot.stuck.add(merge);
        } else {
          Held own = plainLock("journal");
          knot.stuck.add(new Actor("Report.compile", null).take(own.res(), own.lock()::acquire)
              .await(behind.res(), true, timing(behind, true, timeout)));
          knot.stuck.add(new Actor("Report.read", null)
              .await(own.res(), false, own.lock()::acquire));
        }
      }
    }

    /**
     * A semaphore of one to three permits, whose every holder waits for a lock (one shared, or
     * one each) that the call waiting for the semaphore holds.
     */
    private void semaphoreKnot() {
      boolean timesOut = random.nextInt(3) == 0;
      Knot knot = new Knot("semaphore", timesOut);
      boolean timed = timesOut || random.nextBoolean();
      Duration timeout = timesOut ? SHORT : LONG;
      int permits = 1 + random.nextInt(3);
      String name = fresh("payments");
      AsyncSemaphore semaphore = registry.semaphore(name, permits);
      Res semRes = new Res("semaphore", name);
      planted.add(semRes);
      boolean shared = random.nextBoolean();
      List<Held> locks = new ArrayList<>();
      for (int i = 0; i < (shared ? 1 : permits); i++) {
        locks.add(knotLock());
      }
      Actor settler = new Actor("Ledger.settle", null);
      for (Held lock : locks) {
        settler.take(lock.res(), lock.lock()::acquire);
        joinable.add(new Joinable(lock, settler.site()));
      }
      knot.stuck.add(settler);
      knot.onCycle.add(settler);
      List<Actor> payers = new ArrayList<>();
      for (int p = 0; p < permits; p++) {
        Actor payer = new Actor("Pay.charge", null).take(semRes, semaphore::acquire);
        payers.add(payer);
        knot.stuck.add(payer);
        knot.mayBeOnCycle.add(payer);
      }
      for (int p = 0; p < permits; p++) {
        Held lock = locks.get(shared ? 0 : p);
        payers.get(p).await(lock.res(), timed, timing(lock, timed, timeout));
      }
      settler.await(semRes, timed,
          timed ? () -> semaphore.acquire(timeout) : semaphore::acquire);
      knot.breaker = payers.get(0);
      knot.breakersHolder = settler;
      if (permits == 1) {
        knot.onCycle.addAll(payers);
      }
    }

    /** An event whose only setter waits for a lock its waiter (or its waiter's caller) holds. */
    private void eventKnot() {
      boolean timesOut = random.nextInt(3) == 0;
      Knot knot = new Knot("event", timesOut);
      Duration timeout = timesOut ? SHORT : LONG;
      String name = fresh("ready");
      AsyncEvent event = registry.event(name);
      Res eventRes = new Res("event", name);
      planted.add(eventRes);
      Held lock = knotLock();
      Actor user = new Actor("Config.use", null).take(lock.res(), lock.lock()::acquire);
      knot.stuck.add(user);
      knot.onCycle.add(user);
      Actor waiter = user;
      if (random.nextBoolean()) {
        waiter = new Actor("Config.nested", user);
        user.awaits(waiter);
        knot.stuck.add(waiter);
        knot.onCycle.add(waiter);
      }
      Actor loader = new Actor("Loader.load", null).promise(event, name);
      knot.stuck.add(loader);
      knot.onCycle.add(loader);
      boolean waiterTimed = timesOut || random.nextBoolean();
      waiter.await(eventRes, waiterTimed,
          waiterTimed ? () -> event.await(timeout) : event::await);
      boolean loaderTimed = timesOut || random.nextBoolean();
      loader.await(lock.res(), loaderTimed, timing(lock, loaderTimed, timeout));
      joinable.add(new Joinable(lock, user.site()));
      knot.breaker = waiter;
      knot.breakersHolder = loader;
    }

    // ---- look-alikes ----

    /** A look-alike of {@code kind}: it stays until the clean-up, and is never a deadlock. */
    private void lookAlike(int kind) {
      Held lock = plainLock("guard");
      switch (kind) {
        case 0 -> { // a semaphore with one progressing holder
          String name = fresh("pool");
          AsyncSemaphore semaphore = registry.semaphore(name, 2);
          Res sem = new Res("semaphore", name);
          planted.add(sem);
          Actor holder = new Actor("Pool.use", null).take(sem, semaphore::acquire);
          Actor busy = new Actor("Pool.busy", null).take(sem, semaphore::acquire);
          Actor settler = new Actor("Ledger.settle", null)
              .take(lock.res(), lock.lock()::acquire);
          holder.await(lock.res(), false, lock.lock()::acquire);
          settler.await(sem, false, semaphore::acquire);
          pendingWaits += 2;
          cleanUps.add(busy::letGo);
        }
        case 1 -> { // a permit handed to another call
          Permit handed = TestCalls.as(TestCalls.call("Pay.charge"), lock.lock()::acquire).join();
          new Actor("Pay.refund", null).await(lock.res(), false, lock.lock()::acquire);
          pendingWaits++;
          cleanUps.add(() -> {
            try (CurrentCall.Scope courier = CurrentCall.open("Courier.deliver")) {
              handed.release();
            }
          });
        }
        case 2 -> { // an event nobody is to set
          String name = fresh("lonely");
          AsyncEvent event = registry.event(name);
          Res eventRes = new Res("event", name);
          planted.add(eventRes);
          holdingAndWaiting(lock, eventRes, event::await);
          pendingWaits += 2;
          cleanUps.add(event::set);
        }
        case 3 -> { // a queue nobody puts into
          AsyncQueue<String> queue = registry.queue(fresh("jobs"));
          holdingAndWaiting(lock, new Res("queue", "jobs"), queue::take);
          pendingWaits++;
          cleanUps.add(() -> queue.offer("job"));
        }
        case 4 -> { // a barrier nobody else reaches
          AsyncBarrier barrier = registry.barrier(fresh("round"), 2);
          holdingAndWaiting(lock, new Res("barrier", "round"), barrier::await);
          pendingWaits++;
          cleanUps.add(barrier::await);
        }
        case 6 -> { // a call waiting for a stuck lock and for one a progressing call holds
          Held stuck = joinable.get(joinable.size() - 1).lock();
          Actor scan = new Actor("Report.scan", null).take(lock.res(), lock.lock()::acquire);
          new Actor("Report.peek", null).await(lock.res(), false, lock.lock()::acquire);
          Held free = plainLock("guard");
          Actor busy = new Actor("Cache.evict", null).take(free.res(), free.lock()::acquire);
          scan.await(stuck.res(), false, stuck.lock()::acquire);
          scan.alsoAwait(free.res(), false, free.lock()::acquire);
          pendingWaits += 3;
          cleanUps.add(busy::letGo);
        }
        default -> { // a lock a call nobody knows holds, and a wait nobody knows of
          Permit unknown = lock.lock().acquire().join();
          Held other = plainLock("guard");
          new Actor("Cache.fill", null).take(other.res(), other.lock()::acquire)
              .await(lock.res(), false, lock.lock()::acquire);
          new Actor("Cache.read", null).await(other.res(), false, other.lock()::acquire);
          Held third = plainLock("guard");
          Actor known = new Actor("Cache.evict", null).take(third.res(), third.lock()::acquire);
          CompletableFuture<Permit> unknownWait = third.lock().acquire();
          pendingWaits += 3;
          unknownWaits++;
          cleanUps.add(unknown::release);
          cleanUps.add(known::letGo);
          cleanUps.add(() -> unknownWait.thenAccept(Permit::release));
        }
      }
    }

    /** A call holding {@code lock} and waiting for something; another call waits for it. */
    private void holdingAndWaiting(Held lock, Res waited,
        Supplier<? extends CompletableFuture<?>> waiting) {
      new Actor("Shop.open", null).take(lock.res(), lock.lock()::acquire)
          .await(waited, false, waiting);
      new Actor("Shop.browse", null).await(lock.res(), false, lock.lock()::acquire);
    }

    /**
     * A cycle of two resolved by a cancel before it can be confirmed, and a fire-and-forget
     * child in a cycle its caller leaves by letting go: each suspected at most, then gone.
     */
    private void transients() {
      int rounds = 1 + random.nextInt(3);
      for (int round = 0; round < rounds; round++) {
        long began = System.nanoTime();
        Held x = plainLock("guard");
        Held y = plainLock("guard");
        List<Actor> involved;
        if (random.nextBoolean()) {
          Actor a = new Actor("Orders.place", null).take(x.res(), x.lock()::acquire);
          Actor b = new Actor("Ledger.post", null).take(y.res(), y.lock()::acquire);
          a.await(y.res(), false, y.lock()::acquire);
          b.await(x.res(), false, x.lock()::acquire);
          involved = List.of(a, b);
          assertSuspectedOnly(began, involved);
          (random.nextBoolean() ? a : b).cancel();
        } else {
          Actor caller = new Actor("Orders.place", null).take(x.res(), x.lock()::acquire);
          Actor child = new Actor("Audit.write", caller);
          Actor other = new Actor("Ledger.post", null).take(y.res(), y.lock()::acquire);
          child.await(y.res(), false, y.lock()::acquire);
          other.await(x.res(), false, x.lock()::acquire);
          involved = List.of(caller, child, other);
          assertSuspectedOnly(began, involved);
          caller.letGo(); // it goes on without its child
        }
        if (System.nanoTime() - began >= TimeUnit.MILLISECONDS.toNanos(CONFIRM_MILLIS)) {
          mayBeConfirmedToo++;
        }
        for (Actor actor : involved) {
          assertThat(actor.ended).as(actor + " ended").succeedsWithin(WITHIN);
        }
        assertThat(planted(endpoint.stalls())).as("resolved").isEmpty();
      }
      actors.clear();
    }

    /** What the endpoint says now: the cycle of {@code calls}, not confirmed unless paused. */
    private void assertSuspectedOnly(long began, List<Actor> calls) {
      List<Deadlock> deadlocks = planted(endpoint.stalls());
      boolean paused =
          System.nanoTime() - began >= TimeUnit.MILLISECONDS.toNanos(CONFIRM_MILLIS);
      assertThat(deadlocks).as("suspected").singleElement().satisfies(deadlock -> {
        assertThat(ids(deadlock.cycle())).isEqualTo(ids(calls));
        if (!paused) {
          assertThat(deadlock.confirmed()).as("confirmed").isFalse();
        }
      });
    }

    /**
     * The deadlocks of {@code report} among planted calls; any other may only be a suspect among
     * the traffic's calls, seen in a snapshot of two moments, and never confirmed.
     */
    private List<Deadlock> planted(StallReport report) {
      Set<Long> known = ids(actors);
      List<Deadlock> found = new ArrayList<>();
      for (Deadlock deadlock : report.deadlocks()) {
        if (Collections.disjoint(ids(deadlock.cycle()), known)) {
          assertThat(deadlock.confirmed()).as("confirmed: " + deadlock.describe()).isFalse();
          assertThat(deadlock.cycle()).extracting(StuckCall::site).containsOnly("Traffic.step");
        } else {
          found.add(deadlock);
        }
      }
      return found;
    }

    // ---- benign traffic ----

    private void startTraffic() {
      AsyncSemaphore pool = registry.semaphore("traffic-pool", 2);
      AsyncEvent open = registry.event("traffic-open");
      open.set();
      AsyncQueue<Integer> queue = registry.queue("traffic-queue");
      for (int w = 0; w < TRAFFIC_WORKERS; w++) {
        Random mine = new Random(random.nextLong());
        CompletableFuture<Void> done = new CompletableFuture<>();
        traffic.add(done);
        step(mine, pool, open, queue, done, 0);
      }
    }

    /** One traffic call, then the next, until the traffic stops. */
    private void step(Random mine, AsyncSemaphore pool, AsyncEvent open,
        AsyncQueue<Integer> queue, CompletableFuture<Void> done, int n) {
      if (!trafficOn.get() || n > 5000 * STRESS) {
        done.complete(null);
        return;
      }
      CompletableFuture<?> work;
      try (CurrentCall.Scope scope = CurrentCall.open("Traffic.step")) {
        work = trafficCall(mine, pool, open, queue);
      }
      work.whenComplete((nothing, failed) -> {
        if (failed != null) {
          problems.add("traffic failed: " + failed);
        }
        CompletableFuture.runAsync(() -> step(mine, pool, open, queue, done, n + 1),
            CompletableFuture.delayedExecutor(mine.nextInt(300), TimeUnit.MICROSECONDS));
      });
    }

    /**
     * Takes some of the traffic's locks in their order, maybe a pool permit, awaits a set event
     * and passes an item through a queue, holds briefly and lets go; or waits briefly for a
     * planted lock, and times out naming its holder.
     */
    private CompletableFuture<?> trafficCall(Random mine, AsyncSemaphore pool, AsyncEvent open,
        AsyncQueue<Integer> queue) {
      if (!joinable.isEmpty() && mine.nextInt(8) == 0) {
        return joinBriefly(joinable.get(mine.nextInt(joinable.size())), mine);
      }
      CompletableFuture<List<Permit>> taken = CompletableFuture.completedFuture(new ArrayList<>());
      for (String name : List.of("traffic-a", "traffic-b", "traffic-c")) {
        if (mine.nextBoolean()) {
          AsyncLock lock = registry.lock(name);
          taken = taken.thenCompose(held -> lock.acquire(Duration.ofSeconds(10))
              .thenApply(permit -> add(held, permit)));
        }
      }
      if (mine.nextInt(3) == 0) {
        taken = taken.thenCompose(held -> pool.acquire(Duration.ofSeconds(10))
            .thenApply(permit -> add(held, permit)));
      }
      int item = mine.nextInt();
      int holdMicros = mine.nextInt(2000);
      return taken.thenCompose(held -> open.await().thenCompose(nothing -> queue.put(item))
          .thenCompose(nothing -> queue.take())
          .thenCompose(nothing -> CompletableFuture.runAsync(() -> { },
              CompletableFuture.delayedExecutor(holdMicros, TimeUnit.MICROSECONDS)))
          .whenComplete((nothing, failed) -> held.forEach(Permit::release)));
    }

    /**
     * Waits a few milliseconds for a planted deadlock's lock, joining its tail, and times out
     * with a message naming the lock and its holder.
     */
    private CompletableFuture<?> joinBriefly(Joinable target, Random mine) {
      return target.lock().lock().acquire(Duration.ofMillis(10 + mine.nextInt(40)))
          .handle((permit, failed) -> {
            if (permit != null) {
              permit.release();
              problems.add("a stuck lock was granted: " + target);
            } else if (!(failed instanceof AcquireTimeoutException timedOut)) {
              problems.add("a brief wait failed with " + failed);
            } else if (!timedOut.getMessage().contains("waiting for " + target.lock().res()
                + ": held for ") || !timedOut.getMessage().contains(" by " + target.holder())) {
              problems.add("a timeout misnamed " + target + ": " + timedOut.getMessage());
            } else {
              joinersTimedOut.incrementAndGet();
            }
            return null;
          });
    }

    private List<Permit> add(List<Permit> held, Permit permit) {
      held.add(permit);
      return held;
    }

    void stopTraffic() {
      trafficOn.set(false);
      CompletableFuture.allOf(traffic.toArray(CompletableFuture[]::new))
          .orTimeout(WITHIN.toSeconds(), TimeUnit.SECONDS).join();
    }

    // ---- checks ----

    private void assertReportsThePlantedDeadlocks(StallReport report) {
      assertThat(report.level()).isEqualTo("basic");
      assertThat(report.deadlocks()).as("one deadlock per planted knot")
          .hasSize(knots.size());
      Map<Long, Actor> byId = new HashMap<>();
      actors.forEach(actor -> byId.put(actor.call.id(), actor));
      for (Knot knot : knots) {
        Set<Long> stuck = ids(knot.stuck);
        List<Deadlock> matching = report.deadlocks().stream()
            .filter(d -> !Collections.disjoint(ids(d.cycle()), stuck)).toList();
        assertThat(matching).as("the deadlock of " + knot).singleElement().satisfies(deadlock -> {
          assertThat(deadlock.confirmed()).as("confirmed").isTrue();
          assertThat(deadlock.tailOmitted()).isZero();
          Set<Long> listed = new HashSet<>(ids(deadlock.cycle()));
          listed.addAll(ids(deadlock.tail()));
          assertThat(listed).as("cycle and tail").isEqualTo(stuck);
          assertThat(deadlock.cycle().size() + deadlock.tail().size()).isEqualTo(stuck.size());
          Set<Long> cycle = ids(deadlock.cycle());
          assertThat(cycle).as("on the cycle").containsAll(ids(knot.onCycle));
          Set<Long> allowed = new HashSet<>(ids(knot.onCycle));
          allowed.addAll(ids(knot.mayBeOnCycle));
          assertThat(allowed).as("may be on the cycle").containsAll(cycle);
          assertCycle(deadlock.cycle(), byId);
          Set<Res> waited = knot.waitedFor();
          List<StuckCall> calls = new ArrayList<>(deadlock.cycle());
          calls.addAll(deadlock.tail());
          calls.forEach(call -> assertCall(call, byId.get(call.id()), waited));
          assertThat(deadlock.lastsUntilRestart()).as("lasts until restart")
              .isEqualTo(knot.lastsUntilRestart());
        });
      }
      assertThat(report.pendingWaits()).as("pending waits").isEqualTo(plantedWaits());
      assertThat(report.waitsOfUnknownCalls()).as("waits of unknown calls")
          .isEqualTo(unknownWaits);
      assertThat(report.stalls()).as("stalls").isEmpty();
      assertThat(report.reentries()).as("re-entries").isEmpty();
      assertThat(report.leakedPermits()).as("leaked permits").isEmpty();
    }

    /** The waits planted in deadlocks and look-alikes, pending now. */
    private int plantedWaits() {
      int waits = 0;
      for (Knot knot : knots) {
        waits += knot.stuck.stream().mapToInt(a -> a.waits.size()).sum();
      }
      return waits + pendingWaits;
    }

    /** Each call waits for the next, the last for the first; the first started first. */
    private void assertCycle(List<StuckCall> cycle, Map<Long, Actor> byId) {
      long first = byId.get(cycle.get(0).id()).call.startNanos();
      for (int i = 0; i < cycle.size(); i++) {
        Actor call = byId.get(cycle.get(i).id());
        Actor next = byId.get(cycle.get((i + 1) % cycle.size()).id());
        assertThat(call.call.startNanos() - first).as("started after the first")
            .isGreaterThanOrEqualTo(0);
        if (call.wait == null) {
          assertThat(next.caller).as(next + " made from " + call).isSameAs(call);
        } else {
          assertThat(next.holds).as(next + " holds what " + call + " waits for")
              .contains(call.waitsFor);
        }
      }
    }

    /** A stuck call as reported: its site, caller, the holds waited for, its own waits. */
    private void assertCall(StuckCall reported, Actor actor, Set<Res> waited) {
      assertThat(actor).as("a planted call").isNotNull();
      assertThat(reported.site()).isEqualTo(actor.site());
      assertThat(reported.caller()).as("caller of " + actor)
          .isEqualTo(actor.caller == null ? null : actor.caller.site());
      List<Res> holds = reported.holds().stream()
          .map(h -> new Res(h.primitive(), h.name())).toList();
      assertThat(holds).as("holds of " + actor).containsExactlyInAnyOrderElementsOf(
          actor.holds.stream().filter(waited::contains).toList());
      reported.holds().forEach(h -> assertThat(h.heldMillis()).isBetween(0L,
          reported.ageMillis()));
      if (actor.wait == null) {
        assertThat(reported.waits()).as("waits of " + actor).isEmpty();
      } else {
        assertThat(reported.waits()).as("waits of " + actor)
            .usingElementComparator(Comparator.comparing(StuckCall.Waiting::primitive)
                .thenComparing(StuckCall.Waiting::name)
                .thenComparing(StuckCall.Waiting::timed))
            .containsExactlyInAnyOrderElementsOf(actor.waits);
        reported.waits().forEach(w -> assertThat(w.waitedMillis()).isBetween(0L,
            reported.ageMillis()));
      }
    }

    /** DOWN exactly for the confirmed deadlocks none of whose cycle's waits is timed. */
    @SuppressWarnings("unchecked")
    private void assertHealth(Health reading, StallReport report) {
      long lasting = knots.stream().filter(Knot::lastsUntilRestart).count();
      if (lasting == 0) {
        assertThat(reading.getStatus()).as("health").isEqualTo(Status.UP);
        return;
      }
      assertThat(reading.getStatus()).as("health").isEqualTo(Status.DOWN);
      assertThat(reading.getDetails()).containsOnlyKeys(BatonHealthIndicator.DEADLOCKS);
      assertThat((List<Object>) reading.getDetails().get(BatonHealthIndicator.DEADLOCKS))
          .as("deadlocks lasting until restart").hasSize((int) lasting)
          .containsExactlyInAnyOrderElementsOf(report.deadlocks().stream()
              .filter(Deadlock::lastsUntilRestart).map(Deadlock::describe).toList());
    }

    // ---- resolution ----

    /** Cancels one wait of each deadlock that does not end by itself; the rest time out. */
    private void resolve() {
      for (Knot knot : knots) {
        if (!knot.timesOut) {
          knot.breaker.cancel();
        }
      }
      for (Knot knot : knots) {
        for (Actor actor : knot.stuck) {
          assertThat(actor.ended).as(actor + " ended").succeedsWithin(WITHIN);
        }
        Throwable failure = knot.breaker.failure;
        if (knot.timesOut) {
          // Named as it was when it expired, or (its holder let go since) not at all.
          assertThat(failure).as("the first wait of " + knot + " timed out")
              .isInstanceOfSatisfying(AcquireTimeoutException.class, timedOut -> {
                if (timedOut.blockers() != null) {
                  assertThat(timedOut.blockers()).contains(" by " + knot.breakersHolder.site());
                }
              });
        } else {
          assertThat(failure).as("cancelled").isInstanceOf(CancellationException.class);
        }
      }
    }

    private void assertQuiet() {
      assertThat(view.pendingWaits()).as("pending waits").isEmpty();
      StallReport report = endpoint.stalls();
      assertThat(report.deadlocks()).as("deadlocks").isEmpty();
      assertThat(report.pendingWaits()).as("pending waits checked").isZero();
      assertThat(report.waitsOfUnknownCalls()).isZero();
      assertThat(report.stalls()).as("stalls").isEmpty();
      for (Res res : planted) {
        if (res.kind().equals("lock")) {
          AsyncLock lock = registry.lock(res.name());
          assertThat(((HoldTracking) lock).holds().count()).as(res + " holds").isZero();
          assertThat(lock.isLocked()).as(res + " locked").isFalse();
        } else if (res.kind().equals("semaphore")) {
          AsyncSemaphore semaphore = registry.semaphore(res.name());
          assertThat(((HoldTracking) semaphore).holds().count()).as(res + " holds").isZero();
          assertThat(semaphore.availablePermits()).isEqualTo(semaphore.maxPermits());
        } else {
          AsyncEvent event = registry.event(res.name());
          assertThat(((SetterTracking) event).setters().promises().count()).isZero();
          assertThat(event.waiters()).as(res + " waiters").isZero();
        }
      }
      LockFamily family = family();
      if (family != null) {
        assertThat(family.oldestHold()).as("accounts holds").isEmpty();
        assertThat(family.activeKeys()).as("accounts keys").isZero();
      }
      assertThat(actors).allSatisfy(actor -> {
        assertThat(actor.call.locksHeld()).as(actor + " holds").isEmpty();
        assertThat(actor.ended).as(actor + " ended").isDone();
      });
      assertThat(health.health().getStatus()).as("health").isEqualTo(Status.UP);
    }

    private LockFamily family() {
      List<LockFamily> found = new ArrayList<>();
      registry.onPrimitive(primitive -> {
        if (primitive.kind() == NamedPrimitive.Kind.LOCK_FAMILY
            && primitive.name().equals(FAMILY) && found.isEmpty()) {
          found.add((LockFamily) primitive.primitive());
        }
      });
      return found.isEmpty() ? null : found.get(0);
    }
  }

  private final List<Actor> actors = new CopyOnWriteArrayList<>();
  private final List<Knot> knots = new ArrayList<>();

  private static Set<Long> ids(Collection<?> calls) {
    Set<Long> ids = new HashSet<>();
    for (Object call : calls) {
      ids.add(call instanceof StuckCall stuck ? stuck.id() : ((Actor) call).call.id());
    }
    return ids;
  }

  private static int countLines(String output, String marker) {
    int count = 0;
    for (int at = output.indexOf(marker); at >= 0; at = output.indexOf(marker, at + 1)) {
      count++;
    }
    return count;
  }
}
