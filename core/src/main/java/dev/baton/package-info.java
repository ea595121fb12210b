/**
 * Python asyncio's synchronization primitives for the JVM: {@link dev.baton.AsyncLock},
 * {@link dev.baton.AsyncSemaphore}, {@link dev.baton.AsyncEvent}, {@link dev.baton.AsyncCondition},
 * {@link dev.baton.AsyncQueue} and {@link dev.baton.AsyncBarrier}.
 *
 * <p>The guarantees below are defined once here; each primitive's documentation uses these words
 * with exactly this meaning.
 *
 * <dl>
 * <dt><b>Non-blocking</b></dt>
 * <dd>Every wait returns a {@link java.util.concurrent.CompletableFuture} at once. No method of a
 * primitive sleeps, or parks or spins its caller until a permit, item or event is there; a waiter
 * costs a few dozen bytes of heap and no thread. A call that completes at once with nothing to
 * hand back (a put with room, an await on an event already set, a join of a finished queue)
 * returns a completed future shared by all such calls, which nothing can change. Queueing and
 * granting run in a short section under the primitive's own lock, which a thread may briefly
 * spin or park on when two meet there.</dd>
 *
 * <dt><b>Fair, FIFO</b></dt>
 * <dd>Waiters are granted in the order they started waiting. A {@code tryAcquire}, {@code offer}
 * or {@code poll} never barges past a queued waiter: it succeeds only when the primitive would
 * grant it even if it had queued.</dd>
 *
 * <dt><b>Granted on the caller's thread</b></dt>
 * <dd>An operation that grants waiters (a release, {@code set}, a signal, a put or take,
 * {@code offer}, {@code poll}, {@code taskDone}, a shutdown, a barrier arrival, {@code reset},
 * {@code abort}) completes their futures on the calling thread before its outermost call returns.
 * Callbacks of those futures that grant again are queued behind the current grants rather than
 * run recursively, so a chain of any length uses constant stack.
 * So a callback must not block waiting for a grant made on its own thread (with {@code join()},
 * say): that grant is completed only after the callback returns. Compose instead.</dd>
 *
 * <dt><b>Prompt cancellation</b></dt>
 * <dd>Cancelling a returned future ({@code cancel(true)} or {@code cancel(false)}), completing it
 * yourself with {@code complete}, {@code completeExceptionally}, {@code orTimeout},
 * {@code completeOnTimeout} or {@code completeAsync}, or letting a timed wait expire, withdraws the
 * waiter before the future completes: counts such as {@code waiters()} already exclude it when the
 * outcome is observable, and a withdrawn waiter never holds a lock, a permit, a signal or an item,
 * nor stays reachable until its deadline. Once a grant is decided (the lock handed over, the
 * count lowered, the item taken, the flag raised), it is final, even in the instant before its
 * future completes, since others may have seen the primitive's state move on: such a call then
 * completes the future with the grant itself and returns {@code false}, as it does on a future
 * already completed. Release what you were granted. On a waiting future, {@code obtrudeValue}
 * and {@code obtrudeException}, which could overwrite a grant, throw
 * {@link java.lang.UnsupportedOperationException}; a future that completed at once is a plain
 * completed {@code CompletableFuture}, whose grant an obtrude would lose: do not obtrude it.
 * Cancel the future the primitive returned: cancelling a future derived from it
 * ({@code thenApply} and so on) does not reach the waiter.</dd>
 *
 * <dt><b>Timeouts</b></dt>
 * <dd>A timed wait that expires fails with {@link dev.baton.AcquireTimeoutException} through the
 * same path as a cancel; a grant decided first wins. A zero or negative timeout never throws: the
 * wait is granted at once if possible, otherwise it times out at once. All timeouts share one
 * daemon scheduler thread, which only withdraws the waiters that time out; their futures fail on
 * a small pool of daemon threads, where their callbacks run, so a slow callback delays no other
 * timeout. These threads are Baton's own: they inherit no thread-locals and no context class
 * loader from the caller that happens to start them.</dd>
 *
 * <dt><b>Memory consistency effects</b></dt>
 * <dd>Actions before a release, {@code set}, signal or put <i>happen-before</i> the completion of
 * the future it grants, and so before any callback of that future runs.</dd>
 * </dl>
 *
 * <p>Arguments are checked eagerly: a {@code null} throws {@link java.lang.NullPointerException}
 * and a non-positive count, capacity or number of parties throws
 * {@link java.lang.IllegalArgumentException} whose message names the argument.
 */
package dev.baton;
