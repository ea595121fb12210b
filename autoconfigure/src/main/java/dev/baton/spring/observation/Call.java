package dev.baton.spring.observation;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One logical call: an invocation of an annotated method (or code that opted in with
 * {@link CurrentCall#open}), from its start until its result completes, wherever its async
 * continuations run. It is known by its static site ({@code Type.method}, never its arguments)
 * and by the call it was made from. Holds and waits of a registry's locks and semaphores record
 * the call current when they start, so that the stall view can tell who waits for whom.
 *
 * <p>Calls are distinct by identity; nothing keeps a registry of them: a call lives as long as
 * something refers to it (a running body, a hold, a wait, a child call). All a call records after
 * its start are the locks it holds ({@link #locksHeld()}), which the stall view compares with the
 * lock it asks for next: kept in the call itself, so that a hold costs no map entry.
 *
 * <p>Implementation: {@code locks} is null (none), a {@link Hold} (the common case of one lock,
 * which costs no allocation) or a {@code Hold[]} of two or more, never changed once published.
 * Each change is one CAS loop: read, compute the new value, compare-and-set. The {@code id} is
 * drawn from a shared counter on first use only, so that starting a call touches no shared
 * cache line.
 */
public final class Call {

  private static final AtomicLong IDS = new AtomicLong();
  private static final VarHandle LOCKS;
  private static final VarHandle ID;

  static {
    try {
      LOCKS = MethodHandles.lookup().findVarHandle(Call.class, "locks", Object.class);
      ID = MethodHandles.lookup().findVarHandle(Call.class, "id", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** Given on the first {@link #id()}, which only reports ask for; 0 until then. */
  private volatile long id;
  private final String site;
  private final Call parent;
  /**
   * What the call is an invocation of, so that the inner advice of the same one joins it; for a
   * subscription's call, the copy of the invocation it runs ({@link CurrentCall#runs}). Written
   * only before the invocation proceeds, on the thread that then compares it.
   */
  private Object invocationKey;
  private final long startNanos = System.nanoTime();
  /** See {@link #hashCode()}; kept in room the call's layout leaves, at no cost in heap. */
  private final int hash = ThreadLocalRandom.current().nextInt();
  /** The lock holds of this call that are live: null, one {@link Hold}, or a {@code Hold[]}. */
  private volatile Object locks;

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

  /**
   * A number fixed for the call's life and spread evenly over the ints, as an identity hash is,
   * but kept in the call, so that its waits can keep part of it ({@link CallBits}) without a
   * read of the call's header. A call is still equal only to itself.
   */
  @Override
  public int hashCode() {
    return hash;
  }

  /** A number telling this call apart from others of the same site. */
  public long id() {
    long given = id;
    if (given != 0) {
      return given;
    }
    long next = IDS.incrementAndGet();
    long won = (long) ID.compareAndExchange(this, 0L, next);
    return won == 0 ? next : won;
  }

  /** {@code Type.method} of the call, never its arguments. */
  public String site() {
    return site;
  }

  /** The call this one was made from, or null. */
  public Call parent() {
    return parent;
  }

  /** {@link System#nanoTime()} when the call started: orders calls by when they began. */
  public long startNanos() {
    return startNanos;
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

  /**
   * The locks this call holds now (not those of the calls it was made from), in the order they
   * were granted: a snapshot, unchanged by later grants and releases. Semaphore permits are not
   * listed.
   */
  public List<Hold> locksHeld() {
    Object held = locks;
    if (held == null) {
      return List.of();
    }
    return held instanceof Hold one ? List.of(one) : List.of((Hold[]) held);
  }

  /** {@code hold}, of a lock, was granted to this call. */
  void holding(Hold hold) {
    Object held;
    Object next;
    do {
      held = locks;
      if (held == null) {
        next = hold;
      } else if (held instanceof Hold one) {
        next = new Hold[] {one, hold};
      } else {
        Hold[] several = (Hold[]) held;
        Hold[] more = Arrays.copyOf(several, several.length + 1);
        more[several.length] = hold;
        next = more;
      }
    } while (!LOCKS.compareAndSet(this, held, next));
  }

  /** {@code hold}, of a lock, ended; nothing happens if this call did not hold it. */
  void released(Hold hold) {
    Object held;
    Object next;
    do {
      held = locks;
      if (held == hold) {
        next = null;
      } else if (held instanceof Hold[] several) {
        next = without(several, hold);
        if (next == several) {
          return;
        }
      } else {
        return;
      }
    } while (!LOCKS.compareAndSet(this, held, next));
  }

  /** {@code several} without {@code hold}: a lone hold left is kept as itself. */
  private static Object without(Hold[] several, Hold hold) {
    int at = 0;
    while (at < several.length && several[at] != hold) {
      at++;
    }
    if (at == several.length) {
      return several;
    }
    if (several.length == 2) {
      return several[1 - at];
    }
    Hold[] fewer = new Hold[several.length - 1];
    System.arraycopy(several, 0, fewer, 0, at);
    System.arraycopy(several, at + 1, fewer, at, fewer.length - at);
    return fewer;
  }

  Object invocationKey() {
    return invocationKey;
  }

  void runs(Object invocationKey) {
    this.invocationKey = invocationKey;
  }

  @Override
  public String toString() {
    return site + "#" + id();
  }
}
