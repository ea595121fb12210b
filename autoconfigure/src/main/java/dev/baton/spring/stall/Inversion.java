package dev.baton.spring.stall;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Locks taken in orders that close a cycle: each {@link Step} is a call that took one lock while
 * holding another, and the last step's second lock is the first step's first. Two calls taking
 * them in those orders at the same time would deadlock, whether or not any has yet. A per-key
 * family is one lock here, by its name; nesting two keys of one family is a cycle of one step.
 *
 * @param steps the orders seen, each first seen at its site, closing a cycle
 */
public record Inversion(List<Step> steps) {

  public Inversion {
    steps = List.copyOf(steps);
  }

  /**
   * A call at {@code site} asked for {@code then} while it, or a call it was made from, held
   * {@code first}; both as {@code "lock 'ledger'"}, never keys.
   */
  public record Step(String first, String then, String site) {}

  /**
   * The orders in one line, as in {@code "OrderService.place takes lock 'inventory', then lock
   * 'ledger'; LedgerService.transfer takes lock 'ledger', then lock 'inventory'"}.
   */
  public String describe() {
    return steps.stream().map(step -> step.site() + " takes " + step.first() + ", then "
        + step.then()).collect(Collectors.joining("; "));
  }
}
