package dev.baton.spring.stall;

import dev.baton.spring.BatonProperties;
import dev.baton.spring.observation.Call;
import dev.baton.spring.observation.CurrentCall;
import dev.baton.spring.observation.Hold;
import dev.baton.spring.observation.LiveHolds;
import dev.baton.spring.observation.LiveWaits;
import dev.baton.spring.observation.PendingWait;
import dev.baton.spring.observation.WaitSite;
import dev.baton.spring.observation.WaitWatch;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.beans.factory.DisposableBean;

/**
 * The stall view of a registry's locks and semaphores: every wait left pending, with the
 * {@link Call} that waits, from which it finds who waits for whom.
 *
 * <ul>
 *   <li>The order in which calls take locks is learned per lock class ({@link Inversions}); the
 *       first order that closes a cycle is an {@link Inversion}, logged once, listed in
 *       {@link #check()}'s report, and refused in strict mode.
 *   <li>A call (or one it was made from) that waits for a lock it holds is named at once, since
 *       Baton's locks are not re-entrant: logged once per site and lock, listed in
 *       {@link #check()}'s report, and refused in strict mode.
 *   <li>A timed-out wait says what held it up ({@link Blockers}): its holders, and what they
 *       wait for in turn.
 *   <li>A hold or pending wait that lasts past its threshold is a {@link Stall} ({@link
 *       StallScan}): logged once (rate-limited) and listed by {@link #stalls()}, which the
 *       watchdog runs at every tick.
 *   <li>A permit dropped unreleased is a {@link LeakedPermit} ({@link LeakedPermits}), found
 *       once the collector has cleared it: logged (rate-limited), counted and listed by
 *       {@link #leakedPermits()}, which the watchdog runs at every tick too.
 *   <li>{@link #check()} (the watchdog's, every {@code confirm-after}, and the endpoint's) reduces
 *       the wait-for graph ({@link WaitForGraph}) and reports the calls that can never proceed.
 *       A deadlock is confirmed once its cycle's waits and holds have lasted {@code confirm-after};
 *       then it is logged once and, in strict mode, one of its waits fails with a
 *       {@link DeadlockException} naming the cycle.
 * </ul>
 *
 * <p>Nothing here holds a primitive's lock or blocks: the live waits are a concurrent set
 * ({@link LiveWaits}), read without stopping anyone, and checks run one at a time.
 */
public final class StallView implements WaitWatch, DisposableBean {

  private static final Log LOG = LogFactory.getLog(StallView.class);
  /** The most stall lines, and the most deadlock lines, logged a minute. */
  private static final int LINES_PER_MINUTE = 10;
  /** The views not yet destroyed, for {@link StallViewExtension}. */
  private static final Set<StallView> RUNNING = ConcurrentHashMap.newKeySet();
  /** The most findings of one kind, and pending waits, {@link #explain()} names one by one. */
  private static final int MAX_EXPLAINED = 20;
  /** The most re-entries kept for the report; later ones are logged (rate-limited) only. */
  private static final int MAX_REENTRIES = 100;

  private final boolean strict;
  private final long confirmAfterNanos;
  private final LiveWaits live = new LiveWaits();
  /** Whether other instances share the primitives (a Redis backend): their calls are unseen. */
  private final boolean shared;
  private final Blockers blockers;
  private final StallScan stalls;
  private final LeakedPermits leaks = new LeakedPermits(new RateLimitedLog(LOG, LINES_PER_MINUTE));
  private final Inversions inversions;
  private final RateLimitedLog deadlockLog = new RateLimitedLog(LOG, LINES_PER_MINUTE);
  /**
   * The re-entries past the {@value #MAX_REENTRIES} kept: nothing remembers which were logged, so
   * each is, at most {@value #LINES_PER_MINUTE} lines a minute.
   */
  private final RateLimitedLog unkeptReentryLog = new RateLimitedLog(LOG, LINES_PER_MINUTE);
  /** Deadlocks confirmed since start-up, each counted once. */
  private final LongAdder deadlocksConfirmed = new LongAdder();
  /** Re-entries seen since start-up, each wait counted. */
  private final LongAdder reentriesSeen = new LongAdder();
  /** Re-entries seen, by the waiting site and the lock's site; the first of each is kept. */
  private final Map<String, Reentry> reentries = new ConcurrentHashMap<>();
  /** Per suspected deadlock's waits and holds, when a check first saw it; guarded by this. */
  private Map<Set<Object>, Long> firstSeen = Map.of();
  /** Confirmed deadlocks already logged, by their waits and holds; guarded by this. */
  private Set<Set<Object>> logged = Set.of();

  /**
   * The view of primitives of this JVM ({@code baton.backend=local}).
   *
   * @param settings {@code baton.stalls}: in strict mode a re-entry, an inversion or a confirmed
   *     deadlock fails the request or wait; how long a deadlock must stay the same to be
   *     confirmed; when a hold or wait is a stall
   */
  public StallView(BatonProperties.Stalls settings) {
    this(settings, BatonProperties.Backend.LOCAL);
  }

  /**
   * The view of this instance's calls on the primitives of {@code backend}. With a backend whose
   * primitives other instances share, their calls' holds and waits are not seen: a deadlock
   * across instances is not found (its waits are stalls once they last), a wait for a semaphore
   * or an event is never taken for part of a deadlock (calls of other instances may hold a
   * permit or set it), and a timeout's explanation says when no call of this instance held the
   * wait up.
   *
   * @param settings as for {@link #StallView(BatonProperties.Stalls)}
   * @param backend {@code baton.backend}
   */
  public StallView(BatonProperties.Stalls settings, BatonProperties.Backend backend) {
    this.shared = backend != BatonProperties.Backend.LOCAL;
    this.blockers = new Blockers(live, shared);
    this.strict = settings.level() == BatonProperties.Stalls.Level.STRICT;
    this.inversions = new Inversions(LOG, strict);
    this.confirmAfterNanos = settings.confirmAfter().toNanos();
    this.stalls = new StallScan(settings, LOG, LINES_PER_MINUTE, leaks::watch);
    synchronized (RUNNING) {
      CurrentCall.propagate();
      RUNNING.add(this);
    }
  }

  /** The stall views of the applications running in this JVM. */
  static Set<StallView> running() {
    return Set.copyOf(RUNNING);
  }

  /**
   * Learns the order of the locks {@code call} (and the calls it was made from) holds before the
   * one it asks for; the first time an order closes a cycle, logs the inversion once. In strict
   * mode it refuses the request, and each later one in that order, and never learns the order.
   */
  @Override
  public RuntimeException requesting(Call call, WaitSite site, LiveHolds holds,
      Object orderedKey) {
    Inversion inversion = inversions.requesting(call, site, holds, orderedKey);
    return strict && inversion != null
        ? new DeadlockException(Inversions.message(inversion, orderedKey)) : null;
  }

  /** Lists the live holds of {@code hold} for the stall scan and the leak watch. */
  @Override
  public void held(Hold hold) {
    stalls.held(hold);
  }

  @Override
  public void released(Hold hold) {
    stalls.released(hold);
  }

  /**
   * Keeps {@code wait} among the live ones and, for a lock, looks for a re-entry: a hold of this
   * lock among the locks its call, or a call it was made from, holds. Walks the callers' own
   * holds, not the lock's, so that a waiter holding nothing costs no walk.
   */
  @Override
  public RuntimeException pending(PendingWait wait) {
    live.add(wait);
    if (!wait.site().isLock()) {
      return null;
    }
    LiveHolds holders = wait.holders();
    for (Call holder = wait.call(); holder != null; holder = holder.parent()) {
      List<Hold> locks = holder.locksHeld();
      for (int i = 0; i < locks.size(); i++) { // indexed: no iterator on the waiting path
        if (holders.contains(locks.get(i))) {
          return reentered(wait, holder);
        }
      }
    }
    return null;
  }

  @Override
  public void settled(PendingWait wait) {
    live.remove(wait);
    stalls.settled(wait);
  }

  @Override
  public boolean shared() {
    return shared;
  }

  @Override
  public String blockers(PendingWait wait, Duration timeout) {
    return blockers.ofTimedOut(wait, wait.sinceNanos() + timeout.toNanos());
  }

  /**
   * Reduces the wait-for graph of the waits pending now, confirms what earlier checks saw too,
   * and logs (and in strict mode breaks) each deadlock the first time it is confirmed. The scan
   * for stalls reads the waits as the graph does: the live waits are walked once.
   */
  public synchronized StallReport check() {
    long now = System.nanoTime();
    StallScan.Pass stallsNow = stalls.pass();
    WaitForGraph graph = WaitForGraph.of(live, shared, stallsNow);
    Map<Set<Object>, Long> seen = new HashMap<>();
    Set<Set<Object>> stillLogged = new HashSet<>();
    List<Deadlock> deadlocks = new ArrayList<>();
    for (WaitForGraph.Knot knot : graph.knots()) {
      Set<Object> signature = signature(graph, knot);
      long since = firstSeen.getOrDefault(signature, now);
      seen.put(signature, since);
      boolean confirmed = now - since >= confirmAfterNanos && since != now;
      List<WaitForGraph.Node> tail = knot.tail();
      Deadlock deadlock = new Deadlock(confirmed, stuck(graph, fromEarliest(knot.cycle())),
          stuck(graph, tail), knot.tailSize() - tail.size());
      deadlocks.add(deadlock);
      if (confirmed && logged.contains(signature)) {
        stillLogged.add(signature);
      } else if (confirmed) {
        stillLogged.add(signature);
        int calls = knot.cycle().size();
        deadlockLog.warn("Baton: deadlock " + (calls == 1 ? "of a call with itself"
            : "among " + calls + " calls") + ", unchanged for "
            + Durations.read(Duration.ofNanos(now - since)) + ": " + deadlock.describe());
        deadlocksConfirmed.increment();
        if (strict) {
          breakCycle(knot, deadlock);
        }
      }
    }
    firstSeen = seen;
    logged = stillLogged;
    return new StallReport(strict ? "strict" : "basic", deadlocks, stallsNow.end(),
        List.copyOf(reentries.values()), inversions.kept(), leakedPermits(), graph.pendingWaits(),
        graph.unknownWaits());
  }

  /**
   * The holds and pending waits past their thresholds now; each is logged the first time it is
   * seen past it (at most {@value #LINES_PER_MINUTE} lines a minute). Also hands the permits of
   * the holds past half their {@code held-too-long} to the leak watch ({@link #leakedPermits()}).
   */
  public List<Stall> stalls() {
    return stalls.scan(live);
  }

  /**
   * The permits found dropped unreleased since start-up, the first 100; first takes those the
   * collector has cleared since the last look, logging each (at most {@value #LINES_PER_MINUTE}
   * lines a minute). A permit is watched for this from the first scan for stalls
   * ({@link #stalls()}, or a {@link #check()}) after its hold has lasted half its
   * {@code held-too-long}; the watchdog runs one of those, and this, at every tick.
   */
  public List<LeakedPermit> leakedPermits() {
    leaks.look();
    return leaks.kept();
  }

  /**
   * How many permits have been found dropped unreleased since start-up. This counter, like
   * {@link #inversionsFound()}, {@link #deadlocksConfirmed()} and {@link #reentriesSeen()}, counts
   * a finding once it is kept and logged: whoever reads the count sees its report.
   */
  public long leaksFound() {
    return leaks.found();
  }

  /** How many lock-order inversions have been found since start-up; each is found once. */
  public long inversionsFound() {
    return inversions.found();
  }

  /** How many deadlocks have been confirmed since start-up; one that lasts is counted once. */
  public long deadlocksConfirmed() {
    return deadlocksConfirmed.sum();
  }

  /** How many waits for a lock their call or its caller held have been seen since start-up. */
  public long reentriesSeen() {
    return reentriesSeen.sum();
  }

  /** The lock, semaphore and event waits pending now, in no particular order. */
  public List<PendingWait> pendingWaits() {
    return List.copyOf(live);
  }

  /** Whether a wait has been pending for the confirmation time: the watchdog's quick look. */
  boolean anyWaitOlderThanConfirmation() {
    long now = System.nanoTime();
    for (PendingWait wait : live) {
      if (now - wait.sinceNanos() >= confirmAfterNanos) {
        return true;
      }
    }
    return false;
  }

  /**
   * Lets go of the waits that ended since they were listed: a wait's end only marks it, and its
   * slot keeps it until its stripe next resizes or this runs (see {@link LiveWaits}).
   */
  void dropEndedWaits() {
    live.dropEnded();
  }

  /** Forgets what earlier checks saw: nothing waits long enough to be suspect. */
  synchronized void quiet() {
    firstSeen = Map.of();
    logged = Set.of();
  }

  @Override
  public void destroy() {
    // One step with a view starting meanwhile, so that the last view to go never stops the
    // propagation a new one has just asked for.
    synchronized (RUNNING) {
      RUNNING.remove(this);
      if (RUNNING.isEmpty()) {
        CurrentCall.stopPropagating();
      }
    }
  }

  /**
   * What this view sees now, for a person: each deadlock, inversion, re-entry and leaked permit
   * in one line, then the pending waits, the longest first, each with who holds it up; at most
   * {@value #MAX_EXPLAINED} deadlocks and waits, then how many more.
   */
  public String explain() {
    StallReport report = check();
    StringBuilder out = new StringBuilder("Baton stall view (").append(report.level())
        .append("):");
    List<Deadlock> deadlocks = report.deadlocks();
    deadlocks.stream().limit(MAX_EXPLAINED).forEach(deadlock -> out.append("\n  deadlock (")
        .append(deadlock.confirmed() ? "confirmed" : "suspected").append("): ")
        .append(deadlock.describe()));
    if (deadlocks.size() > MAX_EXPLAINED) {
      out.append("\n  and ").append(deadlocks.size() - MAX_EXPLAINED).append(" more deadlocks");
    }
    report.inversions().forEach(inversion -> out.append("\n  lock-order inversion: ")
        .append(inversion.describe()));
    report.reentries().forEach(reentry -> out.append("\n  re-entry: ").append(reentry.site())
        .append(" waits for ").append(reentry.primitive()).append(" '").append(reentry.name())
        .append("', held by ").append(reentry.holder()));
    report.leakedPermits().forEach(leak -> out.append("\n  leaked permit: ")
        .append(leak.describe()));
    // Each wait's start is read once, against one clock reading: a lock's wait granted meanwhile
    // goes on as its hold, whose start is its grant, and a sort whose keys move breaks its
    // contract (TimSort throws).
    long now = System.nanoTime();
    List<Aged> waits = new ArrayList<>();
    for (PendingWait wait : live) {
      waits.add(new Aged(wait, now - wait.sinceNanos()));
    }
    waits.sort(Comparator.comparingLong(Aged::waitedNanos).reversed());
    for (Aged aged : waits.subList(0, Math.min(waits.size(), MAX_EXPLAINED))) {
      PendingWait wait = aged.pending();
      String heldUpBy = blockers.of(wait);
      out.append("\n  ")
          .append(wait.call() == null ? "a call Baton does not know" : wait.call().site())
          .append(" waits for ").append(wait.site().primitive()).append(" '")
          .append(wait.site().name()).append("' for ")
          .append(Durations.read(Duration.ofNanos(aged.waitedNanos())))
          .append(heldUpBy == null ? "" : ": " + heldUpBy);
    }
    if (waits.size() > MAX_EXPLAINED) {
      out.append("\n  and ").append(waits.size() - MAX_EXPLAINED).append(" more pending waits");
    }
    if (waits.isEmpty()) {
      out.append("\n  no lock or semaphore wait is pending");
    }
    return out.toString();
  }

  private RuntimeException reentered(PendingWait wait, Call holder) {
    Call call = wait.call();
    WaitSite site = wait.site();
    String who = holder == call ? "which it already holds"
        : "which its caller " + holder.site() + " holds";
    String message = "re-entry: " + call.site() + " waits for " + site.primitive() + " '"
        + site.name() + "', " + who + "; Baton's locks are not re-entrant, so it can never be"
        + " granted while that hold lasts";
    Reentry reentry = new Reentry(call.site(), holder.site(), site.primitive(), site.name());
    String key = call.site() + "|" + holder.site() + "|" + site.primitive() + "|" + site.name();
    boolean kept = reentries.containsKey(key); // a kept one was logged when first seen
    if (!kept && reentries.size() >= MAX_REENTRIES) {
      unkeptReentryLog.warn("Baton: " + message);
    } else if (!kept && reentries.putIfAbsent(key, reentry) == null) {
      LOG.warn("Baton: " + message);
    }
    reentriesSeen.increment();
    return strict ? new DeadlockException(message) : null;
  }

  private void breakCycle(WaitForGraph.Knot knot, Deadlock deadlock) {
    String message = "deadlock: " + deadlock.describe() + "; this wait fails to break it";
    for (WaitForGraph.Node node : knot.cycle()) {
      for (PendingWait wait : node.waits()) {
        if (wait.fail(new DeadlockException(message))) {
          return;
        }
      }
    }
  }

  /**
   * {@code cycle} from the call that started first, so that every report of one deadlock lists
   * it in the same order (the graph may enter a cycle anywhere).
   */
  private static List<WaitForGraph.Node> fromEarliest(List<WaitForGraph.Node> cycle) {
    int first = 0;
    for (int i = 1; i < cycle.size(); i++) {
      if (cycle.get(i).call.startNanos() - cycle.get(first).call.startNanos() < 0) {
        first = i;
      }
    }
    List<WaitForGraph.Node> rotated = new ArrayList<>(cycle);
    Collections.rotate(rotated, -first);
    return rotated;
  }

  /**
   * The waits and holds of {@code knot}'s cycle: the same again later means the cycle did not
   * move. Its tail is left out: a call behind a cycle can neither keep it stuck nor free it. A
   * hold is told apart from a wait ({@link Held}): a lock's wait, once granted, is its hold.
   */
  private static Set<Object> signature(WaitForGraph graph, WaitForGraph.Knot knot) {
    Set<Object> signature = new HashSet<>();
    for (WaitForGraph.Node node : knot.cycle()) {
      signature.addAll(node.waits());
      graph.holdsOf(node).forEach(held -> signature.add(new Held(held.hold())));
    }
    return signature;
  }

  /** A pending wait, and how long it had waited when {@link #explain()} read it. */
  private record Aged(PendingWait pending, long waitedNanos) {
  }

  /** A hold in a {@link #signature}, equal to another for the same hold only. */
  private record Held(Hold hold) {
  }

  /**
   * The calls of {@code nodes} as a report lists them, their ages read against one clock reading;
   * plain loops, as a report of many deadlocks lists thousands of calls.
   */
  private static List<StuckCall> stuck(WaitForGraph graph, List<WaitForGraph.Node> nodes) {
    long now = System.nanoTime();
    List<StuckCall> calls = new ArrayList<>(nodes.size());
    for (WaitForGraph.Node node : nodes) {
      Call call = node.call;
      List<WaitForGraph.HeldAt> held = graph.holdsOf(node);
      StuckCall.Holding[] holds = new StuckCall.Holding[held.size()];
      for (int i = 0; i < holds.length; i++) {
        WaitSite site = held.get(i).site();
        holds[i] = new StuckCall.Holding(site.primitive(), site.name(),
            millisSince(held.get(i).hold().sinceNanos(), now));
      }
      List<PendingWait> pending = node.waits();
      StuckCall.Waiting[] waits = new StuckCall.Waiting[pending.size()];
      for (int i = 0; i < waits.length; i++) {
        PendingWait wait = pending.get(i);
        waits[i] = new StuckCall.Waiting(wait.site().primitive(), wait.site().name(),
            millisSince(wait.sinceNanos(), now), wait.timed());
      }
      calls.add(new StuckCall(call.site(), call.id(),
          call.parent() == null ? null : call.parent().site(),
          millisSince(call.startNanos(), now), List.of(holds), List.of(waits)));
    }
    return calls;
  }

  private static long millisSince(long sinceNanos, long now) {
    return TimeUnit.NANOSECONDS.toMillis(now - sinceNanos);
  }
}
