package dev.baton.sample.orders;

import dev.baton.sample.InstanceName;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.springframework.stereotype.Component;

/**
 * What became of the orders this instance's workers settled, wherever they were placed: a count
 * per {@link Outcome}, how many another instance had placed, and the latest few, each with the
 * name of the instance that settled it. Thread-safe.
 */
@Component
public class OrderLedger {

  private static final int RECENT = 10;

  private final InstanceName instance;

  /** Guarded by this. */
  private final Map<Outcome, Integer> counts = new EnumMap<>(Outcome.class);

  /** Guarded by this; at most the sum of {@link #counts}. */
  private int placedElsewhere;

  /** Guarded by this; at most {@link #RECENT} entries, newest first. */
  private final Deque<Entry> recent = new ArrayDeque<>();

  OrderLedger(InstanceName instance) {
    this.instance = instance;
  }

  /** Records that {@code order} ended with {@code outcome}, settled by this instance. */
  public void record(Order order, Outcome outcome) {
    String here = instance.name();
    synchronized (this) {
      counts.merge(outcome, 1, Integer::sum);
      if (!Objects.equals(order.placedBy(), here)) {
        placedElsewhere++;
      }
      recent.addFirst(new Entry(order, outcome, here));
      if (recent.size() > RECENT) {
        recent.removeLast();
      }
    }
  }

  /** How many orders have ended here, in any way. */
  public synchronized int settled() {
    return counts.values().stream().mapToInt(Integer::intValue).sum();
  }

  /** The counts per outcome and the latest orders, newest first. */
  public synchronized Summary summary() {
    return new Summary(settled(), placedElsewhere, Map.copyOf(counts), List.copyOf(recent));
  }

  /**
   * One settled order.
   *
   * @param order the order, with the instance that placed it
   * @param outcome how it ended
   * @param settledBy the instance whose worker fulfilled it: this one
   */
  public record Entry(Order order, Outcome outcome, String settledBy) {}

  /**
   * A snapshot of the ledger.
   *
   * @param settled orders that have ended here
   * @param placedElsewhere of those, how many another instance had placed
   * @param outcomes how many ended each way
   * @param recent the latest orders, newest first
   */
  public record Summary(int settled, int placedElsewhere, Map<Outcome, Integer> outcomes,
      List<Entry> recent) {}
}
