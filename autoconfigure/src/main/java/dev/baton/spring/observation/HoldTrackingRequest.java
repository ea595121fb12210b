package dev.baton.spring.observation;

/**
 * A bean of this type asks the auto-configured registry to keep the live holds of its locks and
 * permits ({@link HoldTracking#holds()}); the {@code baton} actuator endpoint declares one.
 * Without it holds are not tracked, which saves each grant two clock reads and a concurrent-set
 * update.
 */
public final class HoldTrackingRequest {}
