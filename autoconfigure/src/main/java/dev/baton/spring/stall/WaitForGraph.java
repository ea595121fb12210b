package dev.baton.spring.stall;

import dev.baton.spring.observation.Call;
import dev.baton.spring.observation.Hold;
import dev.baton.spring.observation.LiveHolds;
import dev.baton.spring.observation.PendingWait;
import dev.baton.spring.observation.WaitSite;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Who waits for whom, from the pending waits of one moment, reduced to the calls that can never
 * proceed.
 *
 * <p>The nodes are calls: each call with a pending wait of its own, and each call it was made
 * from, which is taken to wait for it (it started it and, as far as Baton can tell, awaits it).
 * A call can proceed when any of its ways out can: one of its own waits, or one of the calls made
 * from it that wait. A wait can proceed when its primitive has no live hold (it is being handed
 * over), or a hold whose call is unknown, is not waiting, or can proceed: one progressing holder
 * frees a semaphore's waiter. A wait for a registry's event is one for its setters (calls running
 * a method annotated {@code @SetsEvent} for it), which are its holders here: with none it can
 * proceed as far as Baton can tell. Waits for queues, barriers and condition signals are not
 * pending waits here, so a call making them counts as progressing.
 *
 * <p>Since every step is "any of", the reduction is reachability: each primitive's live holds are
 * read once per graph ({@link Primitive}); one with no hold, or a hold of an unknown call or of
 * a call that is not waiting, frees its waiters before the reduction starts, and from those the
 * reduction marks, through a worklist, each primitive held by a call that can proceed and each
 * caller of a waiting call that can. Time and space are linear in waits, holds and callers
 * (at most {@value #MAX_DEPTH} per waiting call); what is left can never proceed unless something
 * outside Baton steps in.
 *
 * <p>Those left are reported as {@link Knot}s, one per cycle: following, from each call, a
 * way out that cannot proceed ends in a cycle; calls that lead into a cycle without being on it
 * are its tail. A wait whose call is unknown cannot be placed in the graph: it is only counted.
 *
 * <p>Not thread-safe; built and read by one thread. It reads live holds that keep changing, so a
 * result may mix two moments (each primitive's holds are read once, so it is consistent with
 * itself): {@link StallView} confirms a deadlock before calling it one.
 */
final class WaitForGraph {

  /** The most callers walked up from one waiting call. */
  private static final int MAX_DEPTH = 64;

  /** Each call's node: the calls that wait and the calls they were made from. */
  private final Map<Call, Node> nodes;
  /** The same nodes in the order they were made, which is the order they lie in memory. */
  private final List<Node> all;
  /** What the waits are for, by the primitive's live holds; each read once. */
  private final Map<LiveHolds, Primitive> primitives = new IdentityHashMap<>();
  /** The calls that can never proceed, grouped; set once reduced. */
  private List<Knot> knots;
  private int unknownWaits;

  private WaitForGraph(int waits) {
    nodes = new IdentityHashMap<>(waits);
    all = new ArrayList<>(waits);
  }

  /** The graph of {@code waits}, reduced; {@code waits} may change while it is read. */
  static WaitForGraph of(Collection<PendingWait> waits) {
    WaitForGraph graph = new WaitForGraph(waits.size());
    for (PendingWait wait : waits) {
      graph.add(wait);
    }
    graph.reduce();
    graph.knots = graph.group();
    return graph;
  }

  /** How many waits had no known call. */
  int unknownWaits() {
    return unknownWaits;
  }

  /** The calls that can never proceed, grouped by cycle, each with its tail. */
  List<Knot> knots() {
    return knots;
  }

  /**
   * The live holds of {@code node}'s call that keep waits of the graph from proceeding, with
   * what they are holds of.
   */
  List<HeldAt> holdsOf(Node node) {
    List<HeldAt> stuck = new ArrayList<>(node.holds.size());
    for (HeldAt held : node.holds) {
      if (!held.primitive().proceeds) {
        stuck.add(held);
      }
    }
    return stuck;
  }

  /**
   * Calls that can never proceed: a cycle, each waiting for the next and the last for the first,
   * and a tail of calls waiting, directly or not, for one of them.
   */
  record Knot(List<Node> cycle, List<Node> tail) {}

  /** A live hold, and of what: the primitive whose waits it holds up. */
  record HeldAt(Primitive primitive, Hold hold) {

    /** Where the primitive held is: its kind and name. */
    WaitSite site() {
      return primitive.site;
    }
  }

  private void add(PendingWait wait) {
    Call call = wait.call();
    if (call == null) {
      unknownWaits++;
      return;
    }
    Node waiting = node(call);
    Primitive waitedFor = primitives.get(wait.holders());
    if (waitedFor == null) {
      waitedFor = new Primitive(wait.site(), wait.holders());
      primitives.put(wait.holders(), waitedFor);
    }
    waitedFor.waiters.add(waiting);
    if (waiting.waitsFor == null) {
      waiting.waitsFor = waitedFor;
      Call caller = call.parent();
      waiting.waitsWithCallers = caller != null;
      for (int depth = 0; caller != null && depth < MAX_DEPTH; depth++, caller = caller.parent()) {
        Node calling = node(caller);
        if (calling.waitingCallee == null) {
          calling.waitingCallee = waiting;
        }
      }
    }
    waiting.waitsAlso(wait);
  }

  private Node node(Call call) {
    Node node = nodes.get(call);
    if (node == null) {
      node = new Node(call);
      nodes.put(call, node);
      all.add(node);
    }
    return node;
  }

  /** Marks every call that can proceed; those left unmarked can never proceed. */
  private void reduce() {
    List<Primitive> free = new ArrayList<>();
    for (Primitive primitive : primitives.values()) {
      if (primitive.readHolders(nodes)) {
        free.add(primitive);
      }
    }
    Deque<Node> proceeding = new ArrayDeque<>();
    for (Primitive primitive : free) {
      primitive.free(proceeding);
    }
    while (!proceeding.isEmpty()) {
      Node node = proceeding.poll();
      for (HeldAt held : node.holds) {
        held.primitive().free(proceeding);
      }
      if (node.waitsWithCallers) {
        Call caller = node.call.parent();
        for (int depth = 0; caller != null && depth < MAX_DEPTH;
            depth++, caller = caller.parent()) {
          nodes.get(caller).proceed(proceeding);
        }
      }
    }
  }

  /**
   * The calls left stuck, grouped: from each, follow its {@link Node#blocker()} until a call
   * already grouped or one already on the walk, which closes a new cycle.
   */
  private List<Knot> group() {
    List<Knot> found = new ArrayList<>();
    List<Node> path = new ArrayList<>();
    for (Node start : all) {
      Node n = start;
      while (!n.proceeds && n.knot == null && !n.onPath) {
        n.onPath = true;
        path.add(n);
        n = n.blocker();
      }
      if (path.isEmpty()) {
        continue;
      }
      Knot knot = n.knot;
      int tailEnd = path.size();
      if (knot == null) {
        tailEnd = path.indexOf(n);
        knot = new Knot(new ArrayList<>(path.subList(tailEnd, path.size())), new ArrayList<>());
        found.add(knot);
      }
      for (int i = 0; i < tailEnd; i++) {
        knot.tail().add(path.get(i));
      }
      for (Node member : path) {
        member.knot = knot;
        member.onPath = false;
      }
      path.clear();
    }
    return found;
  }

  /**
   * What waits of the graph are for: one primitive's live holds, read once. Its waits can proceed
   * ({@link #proceeds}) when it has no hold, a hold whose call is unknown or not waiting, or a
   * holder that can proceed; until then {@link #holders} are all nodes of the graph.
   */
  static final class Primitive {
    private final WaitSite site;
    private final LiveHolds holds;
    /** The nodes of the calls waiting for it, a call once per wait. */
    private final List<Node> waiters = new ArrayList<>();
    /** The nodes of its holders, a call once per hold; only read while it does not proceed. */
    private final List<Node> holders = new ArrayList<>(1);
    private boolean proceeds;

    Primitive(WaitSite site, LiveHolds holds) {
      this.site = site;
      this.holds = holds;
    }

    /**
     * Reads its holds once and gives each holder node the hold; true if a wait for it can
     * proceed whatever the graph's calls do.
     */
    private boolean readHolders(Map<Call, Node> nodes) {
      List<Hold> held = new ArrayList<>(1);
      for (Hold hold : holds.unordered()) {
        Node holder = hold.call() == null ? null : nodes.get(hold.call());
        if (holder == null) {
          return true;
        }
        holders.add(holder);
        held.add(hold);
      }
      for (int i = 0; i < held.size(); i++) {
        holders.get(i).held(new HeldAt(this, held.get(i)));
      }
      return held.isEmpty();
    }

    /** Marks it as proceeding, and with it each waiter not yet marked. */
    private void free(Deque<Node> proceeding) {
      if (proceeds) {
        return;
      }
      proceeds = true;
      for (Node waiter : waiters) {
        waiter.proceed(proceeding);
      }
    }
  }

  /** One call in the graph. */
  static final class Node {
    final Call call;
    /** Its first own pending wait; null for a call that waits only through its callees. */
    private PendingWait wait;
    /** Its other own pending waits; empty and shared until it has two. */
    private List<PendingWait> laterWaits = List.of();
    /** What its first own wait is for; null for a call that waits only through its callees. */
    private Primitive waitsFor;
    /** Whether it has own waits and callers, which wait for it through them. */
    private boolean waitsWithCallers;
    /** A call made from it, directly or not, that waits; null if none. */
    private Node waitingCallee;
    /**
     * Its live holds of what the graph's waits are for, empty (and shared) unless all holders of
     * one of them wait.
     */
    private List<HeldAt> holds = List.of();
    private boolean proceeds;
    /** Whether the walk of {@link #group()} now passes it. */
    private boolean onPath;
    /** Its knot once grouped; null while it proceeds or is not yet grouped. */
    private Knot knot;

    Node(Call call) {
      this.call = call;
    }

    /** Its own pending waits; empty when it waits only through its callees. */
    List<PendingWait> waits() {
      if (wait == null) {
        return List.of();
      }
      List<PendingWait> waits = new ArrayList<>(1 + laterWaits.size());
      waits.add(wait);
      waits.addAll(laterWaits);
      return waits;
    }

    private void waitsAlso(PendingWait another) {
      if (wait == null) {
        wait = another;
        return;
      }
      if (laterWaits.isEmpty()) {
        laterWaits = new ArrayList<>(1);
      }
      laterWaits.add(another);
    }

    private void held(HeldAt held) {
      if (holds.isEmpty()) {
        holds = new ArrayList<>(1);
      }
      holds.add(held);
    }

    /** Marks it as proceeding, to be followed if it may free others. */
    private void proceed(Deque<Node> proceeding) {
      if (proceeds) {
        return;
      }
      proceeds = true;
      if (!holds.isEmpty() || waitsWithCallers) {
        proceeding.add(this);
      }
    }

    /**
     * A way out that cannot proceed, for a call that cannot: a holder of what its first own wait
     * is for (all of them are stuck), else a waiting callee (all of them are stuck).
     */
    private Node blocker() {
      return waitsFor != null ? waitsFor.holders.get(0) : waitingCallee;
    }
  }
}
