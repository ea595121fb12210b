package dev.baton.spring.observation;

import dev.baton.Permit;
import java.lang.ref.Reference;

/**
 * The permit a taker gets while the stall view is on: the {@link ObservedGrants.HeldPermit hold}'s
 * own, behind a front that, once the view has watched it ({@link Hold#watchTaker}), nothing of the
 * view reaches but a weak reference, so that the view learns from the collector that it was
 * dropped unreleased. Each release keeps the front reachable until the hold has ended, so that a
 * permit being released is never taken for one dropped.
 */
final class HandedPermit implements Permit {

  private final ObservedGrants.HeldPermit hold;

  HandedPermit(ObservedGrants.HeldPermit hold) {
    this.hold = hold;
  }

  /** The hold it stands for. */
  ObservedGrants.HeldPermit hold() {
    return hold;
  }

  @Override
  public void release() {
    try {
      hold.release();
    } finally {
      Reference.reachabilityFence(this);
    }
  }

  @Override
  public void close() {
    try {
      hold.close();
    } finally {
      Reference.reachabilityFence(this);
    }
  }

  @Override
  public boolean isReleased() {
    return hold.isReleased();
  }

  @Override
  public long token() {
    return hold.token();
  }

  @Override
  public String toString() {
    return hold.toString();
  }
}
