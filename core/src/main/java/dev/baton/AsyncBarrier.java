package dev.baton;

import java.util.concurrent.CompletableFuture;

/**
 * A reusable barrier for a fixed number of parties: Python's {@code asyncio.Barrier}.
 *
 * <p>Each {@link #await()} waits until {@link #parties()} awaits are pending, then all of them
 * complete together, each with a distinct arrival index {@code 0..parties-1} in arrival order
 * (the last to arrive gets {@code parties - 1}), and the barrier starts the next cycle at once:
 * arrivals after the trip belong to the next cycle. A cancelled await stops counting, and the
 * indices of a cycle remain distinct. Once the trip is decided, every party of it gets its index:
 * a cancel that reaches a party's future on its way returns {@code false}, since the trip has
 * already released the others.
 *
 * <p>{@link #abort()} breaks the barrier: current and later awaits fail with
 * {@link BrokenBarrierException} until {@link #reset()}, which fails the current waiters as well
 * and re-arms the barrier.
 *
 * <p>Guarantees, in the words defined in the {@linkplain dev.baton package documentation}:
 * non-blocking; granted on the caller's thread (the arriving party completes the whole cycle);
 * prompt cancellation; memory consistency effects (actions of every party before its await
 * happen-before every completion of that cycle).
 */
public interface AsyncBarrier {

  /**
   * Creates a barrier for {@code parties} parties.
   *
   * @throws IllegalArgumentException if {@code parties} is not positive
   */
  static AsyncBarrier create(int parties) {
    return new DefaultAsyncBarrier(parties);
  }

  /** Arrives and waits for the rest of the cycle; completes with this party's arrival index. */
  CompletableFuture<Integer> await();

  /** Fails the current waiters with {@link BrokenBarrierException} and re-arms the barrier. */
  void reset();

  /** Breaks the barrier until {@link #reset()}: current and later awaits fail. */
  void abort();

  boolean isBroken();

  int parties();

  /** The number of parties waiting in the current cycle. */
  int waiting();
}
