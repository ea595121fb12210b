package dev.baton.sample.scenario;

import io.micrometer.context.ContextSnapshotFactory;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;

/**
 * Where the deadlock scenario's calls continue after an async step: the common pool, in the
 * context current where the continuation is scheduled, so the call made there is known as made
 * from the annotated call that scheduled it (Baton's stall view reads its current call from
 * Micrometer's context-propagation).
 *
 * <p>The snapshot is taken here, in the annotated method's body. An executor wrapped once with
 * {@code ContextExecutorService} would take it when the stage the continuation depends on
 * completes, on whichever thread completes it, and miss the call.
 */
final class Continuations {

  private static final ContextSnapshotFactory SNAPSHOTS = ContextSnapshotFactory.builder().build();

  private Continuations() {}

  /** The common pool, running tasks in the context current now. */
  static Executor inThisContext() {
    return SNAPSHOTS.captureAll().wrapExecutor(ForkJoinPool.commonPool());
  }
}
