package dev.baton.spring.observation;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One logical call: an invocation of an annotated method (or code that opted in with
 * {@link CurrentCall#open}), from its start until its result completes, wherever its async
 * continuations run. It is known by its static site ({@code Type.method}, never its arguments)
 * and by the call it was made from. Holds and waits of a registry's locks and semaphores record
 * the call current when they start, so that the stall view can tell who waits for whom.
 *
 * <p>Calls are distinct by identity and immutable; nothing keeps a registry of them: a call lives
 * as long as something refers to it (a running body, a hold, a wait, a child call).
 */
public final class Call {

  private static final AtomicLong IDS = new AtomicLong();

  private final long id = IDS.incrementAndGet();
  private final String site;
  private final Call parent;
  /** What the call is an invocation of, so that the inner advice of the same one joins it. */
  private final Object invocationKey;
  private final long startNanos = System.nanoTime();

  /**
   * @param site {@code Type.method} of the annotated method, or a name the code chose
   * @param parent the call this one was made from, or null
   * @param invocationKey identifies the invocation, so that several aspects around it share
   *     one call (see {@link CurrentCall#enter})
   */
  Call(String site, Call parent, Object invocationKey) {
    this.site = site;
    this.parent = parent;
    this.invocationKey = invocationKey;
  }

  /** A number telling this call apart from others of the same site. */
  public long id() {
    return id;
  }

  /** {@code Type.method} of the call, never its arguments. */
  public String site() {
    return site;
  }

  /** The call this one was made from, or null. */
  public Call parent() {
    return parent;
  }

  /** How long ago the call started. */
  public Duration age() {
    return Duration.ofNanos(System.nanoTime() - startNanos);
  }

  /** Whether this call is {@code other} or was made, directly or not, from it. */
  public boolean isWithin(Call other) {
    for (Call c = this; c != null; c = c.parent) {
      if (c == other) {
        return true;
      }
    }
    return false;
  }

  Object invocationKey() {
    return invocationKey;
  }

  @Override
  public String toString() {
    return site + "#" + id;
  }
}
