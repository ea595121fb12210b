package dev.baton.spring.observation;

/**
 * The pending waits of one stall view: a concurrent set of {@link PendingWait}s in which listing
 * or removing a wait allocates nothing, spread over stripes so that threads listing waits at once
 * rarely meet. Its walks are weakly consistent (they see each wait listed throughout them exactly
 * once, and may or may not see one listed or removed meanwhile); its size is exact when nothing
 * changes; {@link #toArray()} copies the references without reading any wait. A wait may be in
 * one such set at a time. See {@link StripedSlots} and {@link LiveSlots} for the design.
 */
public final class LiveWaits extends StripedSlots<PendingWait> {

  /** An empty set, with as many stripes as threads may need. */
  public LiveWaits() {
    super(MANY);
  }
}
