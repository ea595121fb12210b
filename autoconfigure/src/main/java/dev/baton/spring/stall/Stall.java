package dev.baton.spring.stall;

/**
 * A lock or permit held, or a wait for one pending, for longer than its threshold
 * ({@code baton.stalls.held-too-long}, {@code baton.stalls.waited-too-long}, or the primitive's
 * own under {@code baton.stalls.primitives.NAME}). A wait for an event is a stall only while no
 * running call is to set it (none runs a method annotated {@code @SetsEvent} for it). Waits for
 * queues and barriers are not stalls here: a taker idle on an empty queue is normal.
 *
 * @param kind {@code held} or {@code waited}
 * @param primitive the kind of primitive
 * @param name its name; a per-key lock's family, never its key
 * @param site {@code Type.method} of the call holding or waiting, or null when unknown
 * @param millis how long it has lasted
 * @param thresholdMillis the threshold it passed
 */
public record Stall(String kind, String primitive, String name, String site, long millis,
    long thresholdMillis) {

  /**
   * One line, as in {@code "lock 'ledger' held for 31 s by LedgerService.post (threshold 30 s)"}
   * or {@code "OrderService.place waiting 31 s for lock 'ledger' (threshold 30 s)"}.
   */
  public String describe() {
    String who = site == null ? "a call Baton does not know" : site;
    String what = primitive + " '" + name + "'";
    String lasted = Durations.read(millis);
    return ("held".equals(kind) ? what + " held for " + lasted + " by " + who
        : who + " waiting " + lasted + " for " + what)
        + " (threshold " + Durations.read(thresholdMillis) + ")";
  }
}
