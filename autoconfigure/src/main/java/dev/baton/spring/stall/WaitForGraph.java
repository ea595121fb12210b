package dev.baton.spring.stall;

import dev.baton.spring.observation.Call;
import dev.baton.spring.observation.CallBits;
import dev.baton.spring.observation.Hold;
import dev.baton.spring.observation.LiveHolds;
import dev.baton.spring.observation.LiveWaits;
import dev.baton.spring.observation.PendingWait;
import dev.baton.spring.observation.WaitSite;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Who waits for whom, from the pending waits of one moment, reduced to the calls that can never
 * proceed.
 *
 * <p>The calls are each call with a pending wait of its own, and each call it was made from,
 * which is taken to wait for it (it started it and, as far as Baton can tell, awaits it). A call
 * can proceed when any of its ways out can: one of its own waits, or one of the calls made from
 * it that wait (at most {@value #MAX_DEPTH} calls up from each waiting call). A wait can proceed
 * when its primitive has no live hold (it is being handed over), or a hold whose call is unknown,
 * is not waiting, or can proceed: one progressing holder frees a semaphore's waiter. A wait for a
 * registry's event is one for its setters (calls running a method annotated {@code @SetsEvent}
 * for it), which are its holders here: with none it can proceed as far as Baton can tell. Waits
 * for queues, barriers and condition signals are not pending waits here, so a call making them
 * counts as progressing. With a shared backend, calls of other instances are not seen: a semaphore
 * or an event may have holders or setters among them, so a wait for one can proceed as far as
 * this instance can tell; a lock has one holder, which is known when it is a call of this
 * instance.
 *
 * <p>Since every step is "any of", the reduction is reachability. The live waits are copied
 * (references only) and read once, into flat arrays indexed in the order read (the wait, its
 * primitive, its call, and the call's hash and whether it was made from another, as the wait keeps
 * them: no call is read); each primitive's live holds are read once, when its first wait is ({@link
 * Primitive}). Only some calls get a {@link Node}: the calls made from another, their callers, and
 * the holders of what the waits are for (in the graph only if a wait reaches them). Every other
 * waiting call is a leaf: nothing waits for it, so it proceeds exactly when one of its waits'
 * primitives does; it is read from the arrays and gets a node only if a report lists it ({@link
 * LeafCalls}). A primitive with no hold, or a hold of an unknown call or of a call that is not
 * waiting, frees its waiters before the reduction starts; from those the reduction marks, through a
 * worklist, each primitive held by a node that can proceed and each caller of a waiting node that
 * can. Time and space are linear in waits, holds and callers; a leaf wait costs a few array slots
 * and bits, and no object.
 *
 * <p>Those left are reported as {@link Knot}s, one per cycle: following, from each call, a way
 * out that cannot proceed ends in a cycle; calls that lead into a cycle without being on it are
 * its tail, of which the first {@value Deadlock#TAIL_LISTED} found are listed and the rest
 * counted. Calls are walked from in the order they first appear in the waits read (a call before
 * its callers), so the tail lists the calls it would if every call had a node. A wait whose call
 * is unknown cannot be placed in the graph: it is only counted.
 *
 * <p>Not thread-safe; built and read by one thread. It reads live holds that keep changing, so a
 * result may mix two moments (each primitive's holds are read once, so it is consistent with
 * itself): {@link StallView} confirms a deadlock before calling it one.
 */
final class WaitForGraph {

  /** The most callers walked up from one waiting call. */
  private static final int MAX_DEPTH = 64;
  /** Waits read a chunk at a time: few enough that a chunk's waits stay in the L1 cache. */
  private static final int CHUNK = 256;

  /** Whether other instances share the primitives, and may hold them unseen. */
  private final boolean shared;
  /** What the waits are for, by the primitive's live holds; each read once. */
  private final Map<LiveHolds, Primitive> primitives = new IdentityHashMap<>();
  /** The calls with nodes, and the holders of what the waits are for (in the graph or not). */
  private final Map<Call, Node> nodes = new IdentityHashMap<>();
  /** The nodes in the graph, in the order the waits first reached them once sorted. */
  private final List<Node> all = new ArrayList<>();
  /** The waits read, with a known call; {@link #size} of them. */
  private PendingWait[] waits;
  /** Each wait's call. */
  private Call[] calls;
  /** What each wait is for. */
  private Primitive[] waitFor;
  /** Each wait's call's hash, as its wait keeps it ({@link CallBits}). */
  private int[] hashes;
  /** Whether each wait's call was made from another. */
  private boolean[] made;
  /** Each wait's call's node; null for a leaf wait. */
  private Node[] nodeOf;
  private int size;
  /** The calls that can never proceed, grouped; set once reduced. */
  private final List<Knot> knots = new ArrayList<>();
  private int unknownWaits;

  private WaitForGraph(boolean shared) {
    this.shared = shared;
  }

  /**
   * The graph of {@code waits}, reduced; {@code waits} may change while it is read. Each wait
   * read, with a known call or not, is handed to {@code alsoReading}, so that a caller that needs
   * every wait walks them once with the graph.
   *
   * @param shared whether other instances share the primitives (see the class comment)
   */
  static WaitForGraph of(LiveWaits waits, boolean shared,
      Consumer<? super PendingWait> alsoReading) {
    WaitForGraph graph = new WaitForGraph(shared);
    graph.read(waits, alsoReading);
    graph.place();
    graph.reduce();
    graph.group();
    return graph;
  }

  /** How many waits had no known call. */
  int unknownWaits() {
    return unknownWaits;
  }

  /** How many pending waits were read, with a known call or not. */
  int pendingWaits() {
    return size + unknownWaits;
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
  static final class Knot {
    private final List<Node> cycle;
    private final List<Node> tail = new ArrayList<>();
    private int tailSize;

    private Knot(List<Node> cycle) {
      this.cycle = cycle;
    }

    /** The calls of the cycle, each waiting for the next, from where the walk entered it. */
    List<Node> cycle() {
      return cycle;
    }

    /** The first {@value Deadlock#TAIL_LISTED} calls of the tail found. */
    List<Node> tail() {
      return tail;
    }

    /** How many calls the tail has, listed or not. */
    int tailSize() {
      return tailSize;
    }

    private boolean listsMore() {
      return tail.size() < Deadlock.TAIL_LISTED;
    }

    private void behind(Node node) {
      tailSize++;
      if (listsMore()) {
        tail.add(node);
      }
    }
  }

  /** A live hold, and of what: the primitive whose waits it holds up. */
  record HeldAt(Primitive primitive, Hold hold) {

    /** Where the primitive held is: its kind and name. */
    WaitSite site() {
      return primitive.site;
    }
  }

  /**
   * Reads each live wait once into the arrays, and each new primitive's holds. The waits are
   * copied first (references only, ended ones possibly among them), then read a chunk at a time:
   * each one's call, what it keeps of the call ({@link CallBits}: so no call is read) and its
   * holds in a loop of their own, where the reads of waits, independent of each other, overlap,
   * then the rest, ended waits passed by, while the chunk's waits are still in the processor's
   * cache.
   */
  private void read(LiveWaits live, Consumer<? super PendingWait> alsoReading) {
    Object[] listed = live.references();
    int capacity = Math.max(16, listed.length);
    waits = new PendingWait[capacity];
    calls = new Call[capacity];
    waitFor = new Primitive[capacity];
    hashes = new int[capacity];
    made = new boolean[capacity];
    Call[] callOf = new Call[CHUNK];
    int[] bitsOf = new int[CHUNK];
    LiveHolds[] holdsOf = new LiveHolds[CHUNK];
    LiveHolds lastHolds = null;
    Primitive last = null;
    for (int from = 0; from < listed.length; from += CHUNK) {
      int to = Math.min(listed.length, from + CHUNK);
      for (int i = from; i < to; i++) {
        PendingWait wait = (PendingWait) listed[i];
        callOf[i - from] = wait.call();
        bitsOf[i - from] = wait.callBits();
        holdsOf[i - from] = wait.holders();
      }
      for (int i = from; i < to; i++) {
        PendingWait wait = (PendingWait) listed[i];
        if (wait.ended()) {
          continue; // granted, failed or withdrawn since it was listed: not a wait now
        }
        alsoReading.accept(wait);
        Call call = callOf[i - from];
        if (call == null) {
          unknownWaits++;
          continue;
        }
        LiveHolds holds = holdsOf[i - from];
        if (holds != lastHolds) {
          last = primitive(wait.site(), holds);
          lastHolds = holds;
        }
        int bits = bitsOf[i - from];
        waits[size] = wait;
        calls[size] = call;
        waitFor[size] = last;
        hashes[size] = CallBits.hash(bits);
        made[size] = CallBits.made(bits);
        size++;
      }
    }
  }

  private Primitive primitive(WaitSite site, LiveHolds holds) {
    Primitive primitive = primitives.get(holds);
    if (primitive == null) {
      primitive = new Primitive(site, holds, nodes, shared && !site.isLock());
      primitives.put(holds, primitive);
    }
    return primitive;
  }

  /**
   * Gives nodes to the calls made from another and their callers, then to the other calls that
   * are among them or hold what a wait is for; the waits of every other call are leaf waits.
   */
  private void place() {
    nodeOf = new Node[size];
    for (int i = 0; i < size; i++) {
      if (made[i]) {
        waitOf(node(calls[i]), i);
      }
    }
    HashBits withNodes = new HashBits(nodes.size(), HashBits.SPARSE);
    nodes.keySet().forEach(call -> withNodes.add(CallBits.hash(call)));
    for (int i = 0; i < size; i++) {
      if (!made[i] && withNodes.mayContain(hashes[i])) {
        Node waiting = nodes.get(calls[i]);
        if (waiting != null) {
          waitOf(waiting, i);
        }
      }
    }
  }

  /** The wait at {@code index} is one of {@code waiting}'s own. */
  private void waitOf(Node waiting, int index) {
    nodeOf[index] = waiting;
    waiting.reached(Node.order(index, 0), all);
    Primitive waitedFor = waitFor[index];
    waitedFor.waiters.add(waiting);
    if (waiting.waitsFor == null) {
      waiting.waitsFor = waitedFor;
      Call caller = waiting.call.parent();
      waiting.waitsWithCallers = caller != null;
      for (int depth = 0; caller != null && depth < MAX_DEPTH; depth++, caller = caller.parent()) {
        Node calling = node(caller);
        calling.reached(Node.order(index, depth + 1), all);
        if (calling.waitingCallee == null) {
          calling.waitingCallee = waiting;
        }
      }
    }
    waiting.waitsAlso(waits[index]);
  }

  private Node node(Call call) {
    Node node = nodes.get(call);
    if (node == null) {
      node = new Node(call);
      nodes.put(call, node);
    }
    return node;
  }

  /** Marks every node and primitive that can proceed; those left unmarked can never proceed. */
  private void reduce() {
    List<Primitive> free = new ArrayList<>();
    for (Primitive primitive : primitives.values()) {
      if (primitive.settleHolders()) {
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
   * The calls left stuck, grouped: from each, in the order the waits first reached it, follow
   * its way out that cannot proceed until a call already grouped or one already on the walk,
   * which closes a new cycle. A stuck leaf call's way out is the first holder of its first
   * wait's primitive.
   */
  private void group() {
    all.sort(Comparator.comparingLong(node -> node.order));
    LeafCalls leaves = null;
    List<Node> path = new ArrayList<>();
    int next = 0;
    for (int i = 0; i < size; i++) {
      while (next < all.size() && all.get(next).order < Node.order(i + 1, 0)) {
        walk(all.get(next++), path, -1, null);
      }
      if (nodeOf[i] != null || waitFor[i].proceeds) {
        continue;
      }
      if (leaves == null) {
        leaves = new LeafCalls(waits, calls, hashes, size, index -> nodeOf[index] == null,
            index -> waitFor[index].proceeds);
      }
      if (leaves.startsStuckCall(i)) {
        walk(waitFor[i].holders.get(0), path, i, leaves);
      }
    }
  }

  /**
   * Groups the stuck calls on the walk from {@code start}, reusing {@code path}; with a stuck
   * leaf call (the index of its first wait, else -1) that waits for {@code start}, the walk is
   * from that call, which has no node unless listed.
   */
  private void walk(Node start, List<Node> path, int leaf, LeafCalls leaves) {
    Node n = start;
    while (!n.proceeds && n.knot == null && !n.onPath) {
      n.onPath = true;
      path.add(n);
      n = n.blocker();
    }
    Knot knot = n.knot;
    if (path.isEmpty() && leaf < 0) {
      return;
    }
    int tailEnd = path.size();
    if (knot == null) {
      tailEnd = path.indexOf(n);
      knot = new Knot(new ArrayList<>(path.subList(tailEnd, path.size())));
      knots.add(knot);
    }
    if (leaf >= 0 && knot.listsMore()) {
      knot.behind(new Node(calls[leaf], leaves.waitsOfCall(leaf)));
    } else if (leaf >= 0) {
      knot.tailSize++;
    }
    for (int i = 0; i < tailEnd; i++) {
      knot.behind(path.get(i));
    }
    for (Node member : path) {
      member.knot = knot;
      member.onPath = false;
    }
    path.clear();
  }

  /**
   * What waits of the graph are for: one primitive's live holds, read once, when its first wait
   * is. Its waits can proceed ({@link #proceeds}) when it has no hold, a hold whose call is
   * unknown or not waiting, or a holder that can proceed; until then {@link #holders} are all
   * nodes of the graph.
   */
  static final class Primitive {
    private final WaitSite site;
    /** Its live holds as read, all of known calls; null if one's call was unknown. */
    private final List<Hold> held;
    /** The nodes of the calls waiting for it, a call once per wait; leaf waits are not here. */
    private final List<Node> waiters = new ArrayList<>();
    /**
     * The nodes of its holders, a call once per hold, as read; only read while it does not
     * proceed, when all of them are in the graph.
     */
    private final List<Node> holders = new ArrayList<>(1);
    private boolean proceeds;

    /**
     * Reads its holds, and gives each holder's call a node, in the graph only if it waits; or,
     * if {@code heldUnseen} (others may hold it where it is not seen), reads none, as for a hold
     * of an unknown call.
     */
    Primitive(WaitSite site, LiveHolds holds, Map<Call, Node> nodes, boolean heldUnseen) {
      this.site = site;
      if (heldUnseen) {
        this.held = null;
        return;
      }
      List<Hold> read = new ArrayList<>(1);
      for (Hold hold : holds.unordered()) {
        if (hold.call() == null) {
          read = null;
          break;
        }
        read.add(hold);
        holders.add(nodes.computeIfAbsent(hold.call(), Node::new));
      }
      this.held = read;
    }

    /**
     * Gives each holder node its hold, once every waiting call has its node; true if a wait for
     * it can proceed whatever the graph's calls do.
     */
    private boolean settleHolders() {
      if (held == null || held.isEmpty()) {
        return true;
      }
      for (Node holder : holders) {
        if (!holder.inGraph) {
          return true;
        }
      }
      for (int i = 0; i < held.size(); i++) {
        holders.get(i).held(new HeldAt(this, held.get(i)));
      }
      return false;
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

  /**
   * One call in the graph: a waiting call that is no leaf, or a caller of one; or, made only to
   * be listed in a report, a stuck leaf call. A holder's call gets one when its primitive is
   * read, and is in the graph only once a wait reaches it.
   */
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
    /** Whether a wait reached it: it waits, or a call made from it does. */
    private boolean inGraph;
    /** Where the waits first reached it: {@link #order}, the lowest of the orders reaching it. */
    private long order;
    private boolean proceeds;
    /** Whether the walk of {@link #group()} now passes it. */
    private boolean onPath;
    /** Its knot once grouped; null while it proceeds or is not yet grouped. */
    private Knot knot;

    Node(Call call) {
      this.call = call;
    }

    /** A stuck leaf call with {@code waits}, its own, for a report. */
    Node(Call call, List<PendingWait> waits) {
      this.call = call;
      this.wait = waits.get(0);
      this.laterWaits = waits.subList(1, waits.size());
    }

    /**
     * Where the wait at {@code index} reaches a node {@code depth} calls up from its own: orders
     * nodes as they were first met reading the waits, each call before its callers.
     */
    static long order(int index, int depth) {
      return (long) index * (MAX_DEPTH + 1) + depth;
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

    /** A wait reached it at {@code at}; joins {@code all} the first time. */
    private void reached(long at, List<Node> all) {
      if (!inGraph) {
        inGraph = true;
        order = at;
        all.add(this);
      } else if (at < order) {
        order = at;
      }
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
