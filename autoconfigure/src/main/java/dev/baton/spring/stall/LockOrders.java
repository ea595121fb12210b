package dev.baton.spring.stall;

import dev.baton.spring.observation.WaitSite;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The orders in which calls take locks, per lock class (a named lock, or a per-key family: one
 * {@link WaitSite}), learned as they run: a call holding A (or made from a call holding A) that
 * asks for B puts A before B. The first time a new order closes a cycle, found by reachability
 * and not only by the reverse pair, it is an {@link Inversion}, reported once; nesting two keys
 * of one family is one at once.
 *
 * <p>An order that closes a cycle is learned like any other, since the request goes on; made
 * {@code refusing} (strict mode, where such a request fails), it is kept apart instead, so that
 * each later request in that order is refused too and the orders that close cycles are only
 * those that happened.
 *
 * <p>Each pair is looked at once: a pair already known costs two map reads without locking. New
 * pairs are added one at a time, under this object's monitor, where the search for a cycle also
 * runs. At most {@value #MAX_CLASSES} lock classes are learned; later ones are not ordered.
 */
final class LockOrders {

  static final int MAX_CLASSES = 4096;

  /**
   * A request's order that closes a cycle: the inversion, and whether this request is the first
   * to close it (a refused order closes it again at each request).
   */
  record Closing(Inversion inversion, boolean first) {}

  private final boolean refusing;
  /** Per lock class, the classes taken after it, each with the site that first did. */
  private final Map<WaitSite, Map<WaitSite, String>> after = new ConcurrentHashMap<>();
  /** Refusing: per lock class, the classes refused after it, each with its inversion. */
  private final Map<WaitSite, Map<WaitSite, Inversion>> refused = new ConcurrentHashMap<>();

  LockOrders(boolean refusing) {
    this.refusing = refusing;
  }

  /**
   * Learns that the call at {@code site} asks for {@code then} while holding {@code first}.
   *
   * @return the cycle this order closes, the first time it is seen or, refusing, each time; else
   *     null
   */
  Closing learn(WaitSite first, WaitSite then, String site) {
    Map<WaitSite, String> known = after.get(first);
    if (known != null && known.containsKey(then)) {
      return null;
    }
    Inversion again = refusedBefore(first, then);
    if (again != null) {
      return new Closing(again, false);
    }
    synchronized (this) {
      again = refusedBefore(first, then);
      if (again != null) {
        return new Closing(again, false);
      }
      known = after.get(first);
      if (known == null) {
        if (after.size() >= MAX_CLASSES) {
          return null;
        }
        known = new ConcurrentHashMap<>();
        after.put(first, known);
      }
      if (known.containsKey(then)) {
        return null;
      }
      List<Inversion.Step> back = first.equals(then) ? List.of() : pathFrom(then, first);
      if (back == null) {
        known.put(then, site);
        return null;
      }
      List<Inversion.Step> steps = new ArrayList<>(back.size() + 1);
      steps.add(step(first, then, site));
      steps.addAll(back);
      Inversion inversion = new Inversion(steps);
      if (refusing) {
        refused.computeIfAbsent(first, k -> new ConcurrentHashMap<>()).put(then, inversion);
      } else {
        known.put(then, site);
      }
      return new Closing(inversion, true);
    }
  }

  /** The inversion for which a request in this order was refused before; null if none. */
  private Inversion refusedBefore(WaitSite first, WaitSite then) {
    Map<WaitSite, Inversion> inverted = refused.get(first);
    return inverted == null ? null : inverted.get(then);
  }

  /** The orders leading from {@code from} to {@code to}, shortest first found; null if none. */
  private List<Inversion.Step> pathFrom(WaitSite from, WaitSite to) {
    Map<WaitSite, WaitSite> reachedFrom = new HashMap<>();
    Deque<WaitSite> frontier = new ArrayDeque<>();
    frontier.add(from);
    reachedFrom.put(from, from);
    while (!frontier.isEmpty()) {
      WaitSite at = frontier.poll();
      for (WaitSite next : after.getOrDefault(at, Map.of()).keySet()) {
        if (reachedFrom.putIfAbsent(next, at) != null) {
          continue;
        }
        if (next.equals(to)) {
          return stepsTo(to, from, reachedFrom);
        }
        frontier.add(next);
      }
    }
    return null;
  }

  private List<Inversion.Step> stepsTo(WaitSite to, WaitSite from,
      Map<WaitSite, WaitSite> reachedFrom) {
    List<Inversion.Step> steps = new ArrayList<>();
    for (WaitSite at = to; !at.equals(from); at = reachedFrom.get(at)) {
      WaitSite before = reachedFrom.get(at);
      steps.add(0, step(before, at, after.get(before).get(at)));
    }
    return steps;
  }

  private static Inversion.Step step(WaitSite first, WaitSite then, String site) {
    return new Inversion.Step(name(first), name(then), site);
  }

  private static String name(WaitSite site) {
    return site.primitive() + " '" + site.name() + "'";
  }
}
