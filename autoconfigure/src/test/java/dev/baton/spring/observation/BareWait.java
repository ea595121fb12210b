package dev.baton.spring.observation;

import java.util.ArrayList;
import java.util.List;

/**
 * A pending wait of no call, site or holds, for the tests of the sets that list waits: to them,
 * only a wait's identity and start count.
 */
final class BareWait extends PlainWait {

  BareWait() {
    super(null, false);
  }

  /** {@code count} new bare waits, in a list the caller may change. */
  static List<PendingWait> many(int count) {
    List<PendingWait> waits = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      waits.add(new BareWait());
    }
    return waits;
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
