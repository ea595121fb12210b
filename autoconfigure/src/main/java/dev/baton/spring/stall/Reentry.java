package dev.baton.spring.stall;

/**
 * A call that waited for a lock that it, or a call it was made from, already held: it cannot be
 * granted while that hold lasts, since Baton's locks are not re-entrant.
 *
 * @param site {@code Type.method} of the waiting call
 * @param holder {@code Type.method} of the call holding the lock: the same call, or its caller
 * @param primitive the kind of primitive, {@code lock}
 * @param name the lock's name; a per-key lock's family, never its key
 */
public record Reentry(String site, String holder, String primitive, String name) {}
