package dev.baton.spring.observation;

/**
 * A pending wait of no call, site or holds, for the tests of the sets that list waits: to them,
 * only a wait's identity and start count.
 */
final class BareWait extends PendingWait {

  BareWait() {
    super(null, false);
  }

  @Override
  public WaitSite site() {
    throw new UnsupportedOperationException("a bare wait has no site");
  }

  @Override
  public LiveHolds holders() {
    throw new UnsupportedOperationException("a bare wait has no holders");
  }
}
