package dev.baton.spring.stall;

/**
 * A permit dropped unreleased: its taker let go of every reference to it while it was still held,
 * so nobody can release it any more. The lock stays held, or the semaphore stays one permit
 * short, until the application restarts. Found once the garbage collector has cleared the
 * permit, so some time after it was dropped.
 *
 * @param primitive the kind of primitive: {@code lock}, {@code semaphore} or {@code condition}
 * @param name its name; a per-key lock's family, never its key
 * @param site {@code Type.method} of the call that took it, or of the annotated method that did;
 *     null when unknown
 * @param heldMillis how long it had been held when it was found dropped
 */
public record LeakedPermit(String primitive, String name, String site, long heldMillis) {

  /**
   * One line, as in {@code "a permit of lock 'ledger' taken by LedgerService.post was dropped
   * unreleased (found 2.1 s after its grant): nothing can release it, so it stays held until
   * restart"}.
   */
  public String describe() {
    return "a permit of " + primitive + " '" + name + "' taken by "
        + (site == null ? "a call Baton does not know" : site)
        + " was dropped unreleased (found " + Durations.read(heldMillis)
        + " after its grant): nothing can release it, so it stays held until restart";
  }
}
