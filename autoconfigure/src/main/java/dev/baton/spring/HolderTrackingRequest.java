package dev.baton.spring;

/**
 * A bean of this type asks the auto-configured {@link LocalPrimitiveRegistry} to track who holds
 * its locks and permits ({@link HolderTracking#holders()}); the {@code baton} actuator endpoint
 * declares one. Without it holders are not tracked, which saves each grant two clock reads and a
 * concurrent-set update.
 */
public final class HolderTrackingRequest {}
