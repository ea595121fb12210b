package dev.baton.spring.stall;

import static dev.baton.spring.observation.TestCalls.call;
import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.AsyncEvent;
import dev.baton.AsyncLock;
import dev.baton.AsyncSemaphore;
import dev.baton.Permit;
import dev.baton.spring.BatonProperties;
import dev.baton.spring.TestProperties;
import dev.baton.spring.local.DefaultPrimitiveRegistry;
import dev.baton.spring.local.LocalPrimitives;
import dev.baton.spring.observation.Call;
import dev.baton.spring.observation.EventSetters;
import dev.baton.spring.observation.SetterTracking;
import dev.baton.spring.observation.TestCalls;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Randomized: the stall view's deadlocks must be exactly the calls that can never proceed, as a
 * brute-force fixpoint over the same shape computes them from {@link WaitForGraph}'s rules. Each
 * trial builds, over a real registry and a basic view, a few locks (some keys of a per-key
 * family), semaphores of one to three permits and events, and 5 to 40 calls, some made from
 * others (chains and fans), at times with a chain of 62 to 67 more below one of them, whose
 * bottom call's waits reach the top one or, past {@value #MAX_DEPTH} callers, do not. Each call
 * takes some of what is free (a setter's promise, for an event), then leaves waits pending on
 * what is not, its own or its callers' locks among them (re-entries, which basic mode leaves
 * pending); some holds and waits are of no known call.
 *
 * <p>The oracle, from the holds and waits recorded: a call is in the graph if it waits, or a call
 * made from it at most {@value #MAX_DEPTH} calls down does; a primitive frees its waiters if it
 * has no hold, a hold of no known call, or a holder that is not in the graph or proceeds; a call
 * proceeds if one of its own waits' primitives frees it, or a call made from it that waits (at
 * most {@value #MAX_DEPTH} calls down) proceeds. {@link StallView#check()} must list every call
 * left, each once (counting a capped tail), and no other; each cycle must be one (every call
 * waits for a primitive the next holds, or for the next as a waiting call made from it); each
 * listed call must carry its own waits and its caller; the pending and unknown waits and the
 * re-entries must be those made. Once every wait is withdrawn and every hold let go, nothing is
 * held, waited for or reported. The trial's seed and shape are in the failure message
 * ({@code -Dbaton.fuzz.seed} runs that seed first); {@code -Dbaton.stress} multiplies the trials.
 */
class WaitForGraphFuzzTest {

  private static final int TRIALS = 200 * Integer.getInteger("baton.stress", 1);
  /** The most callers the view walks up from one waiting call. */
  private static final int MAX_DEPTH = 64;
  /** A hold of no known call, among a primitive's holders. */
  private static final int UNKNOWN = -1;
  /** Nothing is confirmed or a stall while a trial runs. */
  private static final BatonProperties.Stalls SETTINGS = new BatonProperties.Stalls(
      BatonProperties.Stalls.Level.BASIC, Duration.ofHours(1), Duration.ofHours(1),
      Duration.ofHours(1), Map.of());

  @Test
  void theDeadlocksReportedAreExactlyTheCallsThatCanNeverProceed() {
    long seed = Long.getLong("baton.fuzz.seed", System.nanoTime());
    for (int trial = 0; trial < TRIALS; trial++) {
      new Trial(seed + trial).run();
    }
  }

  /** What {@code action} returns, run as {@code call} (null: as no known call). */
  private static <T> T as(Call call, Supplier<T> action) {
    return TestCalls.as(call, action);
  }

  /** One primitive of a trial, with its holders as the trial took them. */
  private static final class Prim {
    final String kind;
    final String name;
    /** Tells keys of one family apart in the shape described. */
    final String label;
    final AsyncLock lock;
    final AsyncSemaphore semaphore;
    final AsyncEvent event;
    final int permits;
    /** The index of the call of each live hold (a setter's promise, for an event), or UNKNOWN. */
    final List<Integer> holders = new ArrayList<>();

    private Prim(String kind, String name, String label, AsyncLock lock,
        AsyncSemaphore semaphore, AsyncEvent event, int permits) {
      this.kind = kind;
      this.name = name;
      this.label = label;
      this.lock = lock;
      this.semaphore = semaphore;
      this.event = event;
      this.permits = permits;
    }

    static Prim lock(String name, String label, AsyncLock lock) {
      return new Prim("lock", name, label, lock, null, null, 1);
    }

    static Prim semaphore(String name, AsyncSemaphore semaphore, int permits) {
      return new Prim("semaphore", name, name + "/" + permits, null, semaphore, null, permits);
    }

    static Prim event(String name, AsyncEvent event) {
      return new Prim("event", name, name, null, null, event, 0);
    }

    /** Whether a new hold of it is granted at once: an event takes any number of setters. */
    boolean free() {
      return lock != null ? !lock.isLocked()
          : semaphore != null ? semaphore.availablePermits() > 0 : true;
    }

    /** Whether an acquire or await of it is left pending: an event is never set here. */
    boolean full() {
      return !free() || event != null;
    }

    int waiters() {
      return lock != null ? lock.waiters()
          : semaphore != null ? semaphore.waiters() : event.waiters();
    }

    boolean isLock() {
      return lock != null;
    }

    @Override
    public String toString() {
      return kind + " " + label;
    }
  }

  /** One seeded shape, built, checked against the oracle, and let go. */
  private static final class Trial {
    private final long seed;
    private final Random random;
    private final StallView view = new StallView(SETTINGS);
    private final DefaultPrimitiveRegistry registry = new DefaultPrimitiveRegistry(
        TestProperties.defaults(), new LocalPrimitives(), List.of(), false, view);
    private final List<Prim> prims = new ArrayList<>();
    private final List<Call> calls = new ArrayList<>();
    /** Each call's caller's index, or -1. */
    private final List<Integer> parents = new ArrayList<>();
    /** Each call's own pending waits, by what they are for. */
    private final List<List<Prim>> waits = new ArrayList<>();
    /** The calls that take holds and wait: all but the middle of a deep chain. */
    private final List<Integer> active = new ArrayList<>();
    private final List<Permit> permits = new ArrayList<>();
    private final List<EventSetters.Promise> promises = new ArrayList<>();
    private final List<CompletableFuture<?>> pending = new ArrayList<>();
    private final Set<Reentry> reentries = new HashSet<>();
    private final List<String> unknownHolds = new ArrayList<>();
    private final List<String> unknownWaitsFor = new ArrayList<>();

    Trial(long seed) {
      this.seed = seed;
      this.random = new Random(seed);
    }

    void run() {
      try {
        build();
        StallReport report;
        try {
          report = view.check();
        } catch (RuntimeException e) {
          throw new AssertionError(describe() + "\ncheck() threw " + e, e);
        }
        checkReport(report);
        letGo();
        checkNothingLeft();
      } finally {
        letGo();
        view.destroy();
      }
    }

    private void build() {
      for (int i = 1 + random.nextInt(3); i > 0; i--) {
        String name = "lock-" + prims.size();
        prims.add(Prim.lock(name, name, registry.lock(name)));
      }
      for (int i = random.nextInt(4); i > 0; i--) {
        String key = "key-" + prims.size();
        prims.add(Prim.lock("accounts", "accounts[" + key + "]", registry.lock("accounts", key)));
      }
      for (int i = random.nextInt(3); i > 0; i--) {
        String name = "semaphore-" + prims.size();
        int n = 1 + random.nextInt(3);
        prims.add(Prim.semaphore(name, registry.semaphore(name, n), n));
      }
      for (int i = random.nextInt(3); i > 0; i--) {
        String name = "event-" + prims.size();
        prims.add(Prim.event(name, registry.event(name)));
      }
      int n = 5 + random.nextInt(36);
      for (int i = 0; i < n; i++) {
        int caller = i == 0 || random.nextInt(5) < 2 ? -1
            : random.nextBoolean() ? i - 1 : random.nextInt(i);
        addCall(caller);
        active.add(i);
      }
      int deepBottom = -1;
      int deepTop = -1;
      if (random.nextInt(8) == 0) {
        deepTop = random.nextInt(n);
        int caller = deepTop;
        for (int depth = MAX_DEPTH - 2 + random.nextInt(6); depth > 0; depth--) {
          caller = addCall(caller);
        }
        deepBottom = caller;
        active.add(deepBottom);
      }
      List<Integer> order = new ArrayList<>(active);
      for (int k = random.nextInt(3); k > 0; k--) {
        order.add(UNKNOWN); // holds, then waits, of no known call, among the others
      }
      Collections.shuffle(order, random);
      if (deepTop >= 0) {
        order.remove(Integer.valueOf(deepTop));
        order.add(0, deepTop);
      }
      for (int c : order) {
        for (int k = random.nextInt(3); k > 0; k--) {
          take(c, pick());
        }
      }
      Collections.shuffle(order, random);
      if (deepBottom >= 0) {
        order.remove(Integer.valueOf(deepBottom));
        order.add(0, deepBottom);
      }
      for (int c : order) {
        for (int k = c == deepBottom ? 1 + random.nextInt(2) : random.nextInt(3); k > 0; k--) {
          waitFor(c, pick());
        }
      }
    }

    private int addCall(int caller) {
      int index = calls.size();
      calls.add(call("Call" + index + ".run", caller < 0 ? null : calls.get(caller)));
      parents.add(caller);
      waits.add(new ArrayList<>());
      return index;
    }

    private Prim pick() {
      return prims.get(random.nextInt(prims.size()));
    }

    private Call callOf(int c) {
      return c == UNKNOWN ? null : calls.get(c);
    }

    /** {@code c} (or no known call) takes a hold of {@code prim} if one is free now. */
    private void take(int c, Prim prim) {
      if (!prim.free()) {
        return;
      }
      if (prim.event != null) {
        promises.add(as(callOf(c), ((SetterTracking) prim.event).setters()::promise));
      } else {
        Supplier<CompletableFuture<Permit>> acquire =
            prim.isLock() ? prim.lock::acquire : prim.semaphore::acquire;
        CompletableFuture<Permit> granted = as(callOf(c), acquire);
        assertThat(granted).as(() -> describe() + "\n" + prim + " was free").isCompleted();
        permits.add(granted.join());
      }
      prim.holders.add(c);
      if (c == UNKNOWN) {
        unknownHolds.add(prim.toString());
      }
    }

    /** {@code c} (or no known call) leaves a wait for {@code prim} pending, if it is full now. */
    private void waitFor(int c, Prim prim) {
      if (!prim.full()) {
        return;
      }
      if (c != UNKNOWN && prim.isLock()) {
        for (int holder = c; holder >= 0; holder = parents.get(holder)) {
          if (prim.holders.contains(holder)) {
            reentries.add(new Reentry(calls.get(c).site(), calls.get(holder).site(), "lock",
                prim.name));
            break;
          }
        }
      }
      Supplier<CompletableFuture<?>> acquire = prim.event != null ? prim.event::await
          : prim.isLock() ? prim.lock::acquire : prim.semaphore::acquire;
      CompletableFuture<?> wait = as(callOf(c), acquire);
      pending.add(wait);
      assertThat(wait).as(() -> describe() + "\n" + prim + " was full").isNotDone();
      if (c == UNKNOWN) {
        unknownWaitsFor.add(prim.toString());
      } else {
        waits.get(c).add(prim);
      }
    }

    /**
     * The calls that can never proceed: the brute-force fixpoint of the rules
     * {@link WaitForGraph}'s class comment states, over the holds and waits recorded.
     */
    private Set<Integer> oracle() {
      int n = calls.size();
      boolean[] inGraph = new boolean[n];
      for (int c = 0; c < n; c++) {
        if (!waits.get(c).isEmpty()) {
          inGraph[c] = true;
          for (int a : callersOf(c)) {
            inGraph[a] = true;
          }
        }
      }
      boolean[] proceeds = new boolean[n];
      Set<Prim> free = new HashSet<>();
      for (boolean changed = true; changed; ) {
        changed = false;
        for (Prim prim : prims) {
          if (!free.contains(prim) && (prim.holders.isEmpty() || prim.holders.stream()
              .anyMatch(h -> h == UNKNOWN || !inGraph[h] || proceeds[h]))) {
            free.add(prim);
            changed = true;
          }
        }
        for (int c = 0; c < n; c++) {
          if (!proceeds[c] && inGraph[c] && waits.get(c).stream().anyMatch(free::contains)) {
            proceeds[c] = true;
            changed = true;
          }
        }
        for (int c = 0; c < n; c++) {
          if (proceeds[c] && !waits.get(c).isEmpty()) {
            for (int a : callersOf(c)) {
              changed |= !proceeds[a];
              proceeds[a] = true;
            }
          }
        }
      }
      Set<Integer> stuck = new HashSet<>();
      for (int c = 0; c < n; c++) {
        if (inGraph[c] && !proceeds[c]) {
          stuck.add(c);
        }
      }
      return stuck;
    }

    /** The calls {@code c} was made from, at most {@value #MAX_DEPTH} up, nearest first. */
    private List<Integer> callersOf(int c) {
      List<Integer> callers = new ArrayList<>();
      for (int a = parents.get(c); a >= 0 && callers.size() < MAX_DEPTH; a = parents.get(a)) {
        callers.add(a);
      }
      return callers;
    }

    /** Whether {@code a} waits for {@code b}: for what {@code b} holds, or through it. */
    private boolean waitsFor(int a, int b) {
      return waits.get(a).stream().anyMatch(prim -> prim.holders.contains(b))
          || !waits.get(b).isEmpty() && callersOf(b).contains(a);
    }

    private void checkReport(StallReport report) {
      Set<Integer> expected = oracle();
      Map<Long, Integer> byId = new HashMap<>();
      for (int c = 0; c < calls.size(); c++) {
        byId.put(calls.get(c).id(), c);
      }
      Supplier<String> context = () -> describe() + "\nexpected stuck: " + names(expected)
          + "\nreported: " + report.deadlocks().stream().map(d -> "cycle "
              + names(ids(d.cycle(), byId)) + " tail " + names(ids(d.tail(), byId)) + " +"
              + d.tailOmitted()).collect(Collectors.joining("; "));
      List<Integer> listed = new ArrayList<>();
      int counted = 0;
      boolean capped = false;
      for (Deadlock deadlock : report.deadlocks()) {
        List<Integer> cycle = ids(deadlock.cycle(), byId);
        assertThat(cycle).as(context).isNotEmpty().doesNotContainNull();
        for (int i = 0; i < cycle.size(); i++) {
          int from = cycle.get(i);
          int to = cycle.get((i + 1) % cycle.size());
          assertThat(waitsFor(from, to)).as(() -> context.get() + "\nCall" + from
              + " does not wait for Call" + to + " on a cycle").isTrue();
        }
        assertThat(deadlock.tail()).as(context).hasSizeLessThanOrEqualTo(Deadlock.TAIL_LISTED);
        assertThat(deadlock.tailOmitted()).as(context).isNotNegative();
        if (deadlock.tailOmitted() > 0) {
          assertThat(deadlock.tail()).as(context).hasSize(Deadlock.TAIL_LISTED);
          capped = true;
        }
        List<Integer> tail = ids(deadlock.tail(), byId);
        assertThat(tail).as(context).doesNotContainNull();
        listed.addAll(cycle);
        listed.addAll(tail);
        counted += cycle.size() + tail.size() + deadlock.tailOmitted();
        List<StuckCall> members = new ArrayList<>(deadlock.cycle());
        members.addAll(deadlock.tail());
        members.forEach(stuck -> checkListed(stuck, byId.get(stuck.id()), context));
      }
      assertThat(listed).as(context).doesNotHaveDuplicates();
      if (capped) {
        assertThat(expected).as(context).containsAll(listed);
      } else {
        assertThat(new HashSet<>(listed)).as(context).isEqualTo(expected);
      }
      assertThat(counted).as(() -> context.get() + "\ncalls counted").isEqualTo(expected.size());
      int known = waits.stream().mapToInt(List::size).sum();
      assertThat(report.pendingWaits()).as(context).isEqualTo(known + unknownWaitsFor.size());
      assertThat(report.waitsOfUnknownCalls()).as(context).isEqualTo(unknownWaitsFor.size());
      assertThat(view.pendingWaits()).as(context).hasSize(known + unknownWaitsFor.size());
      assertThat(report.reentries()).as(context).containsExactlyInAnyOrderElementsOf(reentries);
    }

    /** A listed call names its caller and its own waits, and holds only what it holds. */
    private void checkListed(StuckCall stuck, int c, Supplier<String> context) {
      Supplier<String> about = () -> context.get() + "\nlisted as " + stuck;
      int caller = parents.get(c);
      assertThat(stuck.site()).as(about).isEqualTo(calls.get(c).site());
      assertThat(stuck.caller()).as(about)
          .isEqualTo(caller < 0 ? null : calls.get(caller).site());
      assertThat(stuck.waits()).extracting(StuckCall.Waiting::name).as(about)
          .containsExactlyInAnyOrderElementsOf(waits.get(c).stream().map(p -> p.name).toList());
      Set<String> held = prims.stream().filter(p -> p.holders.contains(c)).map(p -> p.name)
          .collect(Collectors.toSet());
      assertThat(stuck.holds()).extracting(StuckCall.Holding::name).as(about)
          .allSatisfy(name -> assertThat(held).contains(name));
    }

    private static List<Integer> ids(List<StuckCall> stuck, Map<Long, Integer> byId) {
      return stuck.stream().map(call -> byId.get(call.id())).toList();
    }

    private static String names(Iterable<Integer> indexes) {
      List<String> names = new ArrayList<>();
      indexes.forEach(c -> names.add("Call" + c));
      return names.toString();
    }

    /** The trial's seed and shape: primitives, and each call with its holds and waits. */
    private String describe() {
      StringBuilder out = new StringBuilder("trial seed ").append(seed)
          .append(" (-Dbaton.fuzz.seed=").append(seed).append(" runs it first)\nprimitives: ")
          .append(prims);
      for (int c = 0; c < calls.size(); c++) {
        int call = c;
        List<Prim> held = prims.stream().filter(p -> p.holders.contains(call)).toList();
        if (held.isEmpty() && waits.get(c).isEmpty() && !active.contains(c)) {
          continue;
        }
        out.append("\nCall").append(c);
        if (parents.get(c) >= 0) {
          out.append(" made from Call").append(parents.get(c));
        }
        out.append(" holds ").append(held).append(" waits for ").append(waits.get(c));
      }
      for (int c = 0; c < calls.size(); c++) {
        if (!active.contains(c) && parents.get(c) >= 0 && active.contains(parents.get(c))) {
          int bottom = c;
          while (bottom + 1 < calls.size() && parents.get(bottom + 1) == bottom) {
            bottom++;
          }
          out.append("\ndeep chain Call").append(parents.get(c)).append(" -> Call").append(c)
              .append(" .. Call").append(bottom);
        }
      }
      return out.append("\nholds of no known call: ").append(unknownHolds)
          .append("\nwaits of no known call: ").append(unknownWaitsFor).toString();
    }

    /** Withdraws every wait, then lets every hold go, once. */
    private void letGo() {
      pending.forEach(wait -> wait.cancel(false));
      permits.forEach(Permit::release);
      permits.clear();
      promises.forEach(EventSetters.Promise::close);
      promises.clear();
    }

    private void checkNothingLeft() {
      Supplier<String> context = () -> describe() + "\nafter letting go";
      assertThat(pending).as(context).allMatch(CompletableFuture::isCancelled);
      assertThat(prims).as(context).allSatisfy(prim -> {
        assertThat(prim.waiters()).as(prim.toString()).isZero();
        if (prim.isLock()) {
          assertThat(prim.lock.isLocked()).as(prim.toString()).isFalse();
        } else if (prim.semaphore != null) {
          assertThat(prim.semaphore.availablePermits()).as(prim.toString())
              .isEqualTo(prim.permits);
        } else {
          assertThat(((SetterTracking) prim.event).setters().promises().count())
              .as(prim.toString()).isZero();
        }
      });
      StallReport after = view.check();
      assertThat(after.deadlocks()).as(context).isEmpty();
      assertThat(after.pendingWaits()).as(context).isZero();
      assertThat(view.pendingWaits()).as(context).isEmpty();
    }
  }
}
