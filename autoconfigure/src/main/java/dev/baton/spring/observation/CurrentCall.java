package dev.baton.spring.observation;

import io.micrometer.context.ContextRegistry;

/**
 * The {@link Call} the running thread works for. Baton's aspects set it around an annotated
 * invocation when the stall view is on; it travels wherever Micrometer's context-propagation
 * carries ThreadLocals (Baton's own waited calls, Reactor with automatic context propagation,
 * executors wrapped with {@code ContextExecutorService}) once {@link #propagate} has registered
 * it, and Baton's grants put the waiter's call in place while they complete its future on the
 * releaser's thread. Code that coordinates without annotations opts in with {@link #open}.
 */
public final class CurrentCall {

  /** The key of the ThreadLocal in Micrometer's {@link ContextRegistry}. */
  public static final String KEY = "baton.call";

  private static final ThreadLocal<Call> CURRENT = new ThreadLocal<>();
  /**
   * The invocation key of a subscription's call ({@link #subscription}) until the copy of the
   * invocation it runs is known ({@link #runs}); a call opened with {@link #open} has none.
   */
  private static final Object SUBSCRIBED = new Object();

  private CurrentCall() {}

  /** The running thread's call, or null when it works for no known call. */
  public static Call get() {
    return CURRENT.get();
  }

  /**
   * The running thread's call if an aspect started it for an invocation ({@link #enter}, or a
   * {@link #subscription}), else null: a call opened with {@link #open}, or none. With the stall
   * view off the aspects start no calls, so this is null around their invocations.
   */
  public static Call invocation() {
    Call current = CURRENT.get();
    return current != null && current.invocationKey() != null ? current : null;
  }

  /** Makes the current call travel with Micrometer's context-propagation; idempotent. */
  public static void propagate() {
    ContextRegistry.getInstance().registerThreadLocalAccessor(KEY, CURRENT::get, CURRENT::set,
        CURRENT::remove);
  }

  /** Stops the current call travelling with context-propagation. */
  public static void stopPropagating() {
    ContextRegistry.getInstance().removeThreadLocalAccessor(KEY);
  }

  /**
   * Starts a call at {@code site}, made from the current one, and makes it current until the
   * scope is closed. For code that coordinates with the registry's primitives directly.
   */
  public static Scope open(String site) {
    return in(new Call(site, CURRENT.get(), null));
  }

  /**
   * Starts a call at {@code site}, made from {@code caller} (null for none) rather than from the
   * current call, and makes it current until the scope is closed: for work that runs after the
   * code that scheduled it returned. (Each subscription to the {@code Mono} an annotated method
   * returned is such a call, made from where the method was invoked: {@link #subscription}.)
   */
  public static Scope open(String site, Call caller) {
    return in(new Call(site, caller, null));
  }

  /**
   * Starts the call of one subscription to what an invocation at {@code site} returned, made from
   * {@code caller} (null for none), and makes it current until the scope is closed: as
   * {@link #open(String, Call)}, and the inner advice of the copy of the invocation it runs joins
   * it ({@link #runs}).
   */
  public static Scope subscription(String site, Call caller) {
    return in(new Call(site, caller, SUBSCRIBED));
  }

  /**
   * The call of the invocation {@code invocationKey} at {@code site}, current until the scope is
   * closed: the current call if it is already that invocation's (an outer Baton aspect around the
   * same method started it), else a new call made from the current one.
   */
  public static Scope enter(String site, Object invocationKey) {
    Call current = CURRENT.get();
    Call call = current != null && current.invocationKey() == invocationKey ? current
        : new Call(site, current, invocationKey);
    // One Scope allocation site, not one per branch: C2 scalar-replaces a single one.
    CURRENT.set(call);
    return new Scope(call, current);
  }

  /**
   * The current call, if it is a {@link #subscription}'s that stands for no invocation yet, is
   * about to run {@code invocationKey}, a copy of its method's invocation: the inner advice of
   * that copy then joins it ({@link #enter}) rather than starting a call made from it. Nothing
   * changes for a call that already stands for an invocation, for one opened with {@link #open}
   * (which the aspects never take for theirs), or when no call is current.
   */
  public static void runs(Object invocationKey) {
    Call current = CURRENT.get();
    if (current != null && current.invocationKey() == SUBSCRIBED) {
      current.runs(invocationKey);
    }
  }

  /** Makes {@code call} (null for none) current until the scope is closed. */
  public static Scope in(Call call) {
    Call previous = CURRENT.get();
    CURRENT.set(call);
    return new Scope(call, previous);
  }

  /**
   * Makes {@code call} (null for none) current and returns the call it replaced, to be swapped
   * back: {@link #in} without the {@link Scope} object, for a path that allocates nothing.
   */
  static Call swap(Call call) {
    Call previous = CURRENT.get();
    CURRENT.set(call);
    return previous;
  }

  /** The time a call is current on one thread; closing it brings the previous call back. */
  public static final class Scope implements AutoCloseable {
    private final Call call;
    private final Call previous;

    private Scope(Call call, Call previous) {
      this.call = call;
      this.previous = previous;
    }

    /** The call made current. */
    public Call call() {
      return call;
    }

    /**
     * Brings the previous call back. None is set as null rather than removed: removing the
     * thread's entry would make the next call on the thread allocate a new one and rehash the
     * thread's map, once per annotated call.
     */
    @Override
    public void close() {
      CURRENT.set(previous);
    }
  }
}
