package dev.baton.spring.stall;

import java.util.List;
import java.util.stream.Collectors;

/**
 * One call of a {@link Deadlock}: its site, what it holds and what it waits for. Names
 * primitives by kind and name; a per-key lock by its family, never its key.
 *
 * @param site {@code Type.method} of the call
 * @param id tells calls of one site apart
 * @param caller the site of the call it was made from, or null
 * @param ageMillis how long ago the call started
 * @param holds the locks and permits it holds, and the events it is to set, that calls of the
 *     deadlock wait for
 * @param waits what it waits for itself; empty when it waits through a call made from it
 */
public record StuckCall(String site, long id, String caller, long ageMillis,
    List<Holding> holds, List<Waiting> waits) {

  public StuckCall {
    holds = List.copyOf(holds);
    waits = List.copyOf(waits);
  }

  /**
   * A lock or permit held, or an event the call is to set (it runs a method annotated
   * {@code @SetsEvent} for it): the primitive's kind and name, and for how long.
   */
  public record Holding(String primitive, String name, long heldMillis) {}

  /**
   * A pending wait: for which primitive, for how long, and whether it ends by itself.
   *
   * @param timed whether it has a timeout; an untimed wait lasts until granted or withdrawn
   */
  public record Waiting(String primitive, String name, long waitedMillis, boolean timed) {}

  String describe() {
    StringBuilder out = new StringBuilder(site);
    String held = holds.stream().filter(h -> !"event".equals(h.primitive()))
        .map(h -> h.primitive() + " '" + h.name() + "'").collect(Collectors.joining(", "));
    String toSet = holds.stream().filter(h -> "event".equals(h.primitive()))
        .map(h -> "event '" + h.name() + "'").collect(Collectors.joining(", "));
    if (!held.isEmpty()) {
      out.append(" holds ").append(held);
    }
    if (!toSet.isEmpty()) {
      out.append(held.isEmpty() ? " is to set " : ", is to set ").append(toSet);
    }
    out.append(holds.isEmpty() ? " " : " and ");
    out.append(waits.isEmpty() ? "waits for a call made from it" : "waits for " + waits.stream()
        .map(w -> w.primitive() + " '" + w.name() + "'").collect(Collectors.joining(", ")));
    return out.toString();
  }
}
