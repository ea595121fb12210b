package dev.baton.spring.stall;

import dev.baton.spring.observation.Call;
import dev.baton.spring.observation.Hold;
import dev.baton.spring.observation.PendingWait;
import dev.baton.spring.observation.WaitSite;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
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
 * pending waits here, so a call making them counts as progressing. The reduction marks calls that
 * can proceed until nothing changes (a worklist, linear in waits and holds); what is left can
 * never proceed unless something outside Baton steps in.
 *
 * <p>Those left are reported as {@link Knot}s, one per cycle: following, from each call, a
 * way out that cannot proceed ends in a cycle; calls that lead into a cycle without being on it
 * are its tail. A wait whose call is unknown cannot be placed in the graph: it is only counted.
 *
 * <p>Not thread-safe; built and read by one thread. It reads live holds that keep changing, so a
 * result may mix two moments: {@link StallView} confirms a deadlock before calling it one.
 */
final class WaitForGraph {

  /** The most callers walked up from one waiting call. */
  private static final int MAX_DEPTH = 64;

  private final Map<Call, Node> nodes = new IdentityHashMap<>();
  /** The live holds seen, by call; each hold once. */
  private final Map<Call, List<HeldAt>> holds = new IdentityHashMap<>();
  private int unknownWaits;

  private WaitForGraph() {}

  /** The graph of {@code waits}, reduced. */
  static WaitForGraph of(Collection<PendingWait> waits) {
    WaitForGraph graph = new WaitForGraph();
    for (PendingWait wait : waits) {
      graph.add(wait);
    }
    graph.reduce();
    return graph;
  }

  /** How many waits had no known call. */
  int unknownWaits() {
    return unknownWaits;
  }

  /** The calls that can never proceed, grouped by cycle, each with its tail. */
  List<Knot> knots() {
    Map<Node, Integer> group = new IdentityHashMap<>();
    List<List<Node>> cycles = new ArrayList<>();
    List<List<Node>> tails = new ArrayList<>();
    for (Node start : nodes.values()) {
      if (start.proceeds || group.containsKey(start)) {
        continue;
      }
      Map<Node, Integer> path = new LinkedHashMap<>();
      Node n = start;
      while (!path.containsKey(n) && !group.containsKey(n)) {
        path.put(n, path.size());
        n = n.blocker();
      }
      List<Node> walked = new ArrayList<>(path.keySet());
      int index;
      if (group.containsKey(n)) {
        index = group.get(n);
      } else {
        index = cycles.size();
        int from = path.get(n);
        cycles.add(new ArrayList<>(walked.subList(from, walked.size())));
        tails.add(new ArrayList<>());
        walked = walked.subList(0, from);
      }
      for (Node tail : walked) {
        tails.get(index).add(tail);
      }
      for (Node member : path.keySet()) {
        group.put(member, index);
      }
    }
    List<Knot> found = new ArrayList<>(cycles.size());
    for (int i = 0; i < cycles.size(); i++) {
      found.add(new Knot(cycles.get(i), tails.get(i)));
    }
    return found;
  }

  /** The live holds of {@code node}'s call that the graph saw, with what they are holds of. */
  List<HeldAt> holdsOf(Node node) {
    return holds.getOrDefault(node.call, List.of());
  }

  /**
   * Calls that can never proceed: a cycle, each waiting for the next and the last for the first,
   * and a tail of calls waiting, directly or not, for one of them.
   */
  record Knot(List<Node> cycle, List<Node> tail) {}

  /** A live hold, and where: the primitive whose waits it holds up. */
  record HeldAt(WaitSite site, Hold hold) {}

  private void add(PendingWait wait) {
    Call call = wait.call();
    if (call == null) {
      unknownWaits++;
      return;
    }
    Node waiting = node(call);
    waiting.waits.add(wait);
    Call caller = call.parent();
    for (int depth = 0; caller != null && depth < MAX_DEPTH; depth++, caller = caller.parent()) {
      node(caller).waitingCallees.add(waiting);
    }
  }

  private Node node(Call call) {
    return nodes.computeIfAbsent(call, Node::new);
  }

  /** Marks every call that can proceed; those left unmarked can never proceed. */
  private void reduce() {
    Map<Node, List<Node>> dependents = new IdentityHashMap<>();
    for (Node n : nodes.values()) {
      for (PendingWait wait : n.waits) {
        n.holders.add(holdersOf(wait));
      }
    }
    for (Node n : nodes.values()) {
      for (List<Node> holders : n.holders) {
        for (Node holder : holders == null ? List.<Node>of() : holders) {
          dependents.computeIfAbsent(holder, h -> new ArrayList<>()).add(n);
        }
      }
      for (Node callee : n.waitingCallees) {
        dependents.computeIfAbsent(callee, c -> new ArrayList<>()).add(n);
      }
    }
    Deque<Node> proceeding = new ArrayDeque<>();
    for (Node n : nodes.values()) {
      if (n.canProceed()) {
        n.proceeds = true;
        proceeding.add(n);
      }
    }
    while (!proceeding.isEmpty()) {
      for (Node dependent : dependents.getOrDefault(proceeding.poll(), List.of())) {
        if (!dependent.proceeds && dependent.canProceed()) {
          dependent.proceeds = true;
          proceeding.add(dependent);
        }
      }
    }
  }

  /**
   * The holders of what {@code wait} waits for, as waiting nodes; null if one of them is sure to
   * proceed (an unknown call, or one not waiting) or there is none.
   */
  private List<Node> holdersOf(PendingWait wait) {
    Collection<Hold> live = wait.holders().unordered();
    List<Node> holders = new ArrayList<>(live.size());
    for (Hold hold : live) {
      if (hold.call() != null) {
        List<HeldAt> held = holds.computeIfAbsent(hold.call(), c -> new ArrayList<>(1));
        if (held.stream().noneMatch(h -> h.hold() == hold)) {
          held.add(new HeldAt(wait.site(), hold));
        }
      }
      Node holder = hold.call() == null ? null : nodes.get(hold.call());
      if (holders != null && holder != null) {
        holders.add(holder);
      } else {
        holders = null;
      }
    }
    return holders == null || holders.isEmpty() ? null : holders;
  }

  /** One call in the graph. */
  static final class Node {
    final Call call;
    /** Its own pending waits. */
    final List<PendingWait> waits = new ArrayList<>(1);
    /** Per own wait, in the same order, the holders' nodes; null for a wait that can proceed. */
    final List<List<Node>> holders = new ArrayList<>(1);
    /** Calls made from it, directly or not, that wait. */
    final List<Node> waitingCallees = new ArrayList<>(1);
    boolean proceeds;

    Node(Call call) {
      this.call = call;
    }

    boolean canProceed() {
      for (List<Node> byWait : holders) {
        if (byWait == null || byWait.stream().anyMatch(holder -> holder.proceeds)) {
          return true;
        }
      }
      return waitingCallees.stream().anyMatch(callee -> callee.proceeds);
    }

    /** A way out that cannot proceed: a holder of an own wait, else a waiting callee. */
    Node blocker() {
      for (List<Node> byWait : holders) {
        for (Node holder : byWait) {
          return holder;
        }
      }
      return waitingCallees.get(0);
    }
  }
}
