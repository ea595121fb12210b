package dev.baton.spring.aspect;

import java.util.concurrent.CompletionStage;

/**
 * A method's publisher whose cancel does not stop it at once: the work it stands for ends some
 * time after the cancel (a Kotlin {@code Flow}'s collection), or not because of it (a Kotlin
 * {@code Deferred}). The gate is exited only once it has ended ({@link ReactiveGates}), so that
 * the next caller never runs beside it.
 */
interface Stopping {

  /**
   * Completes once the publisher's work has ended, or at once if it never started (it then never
   * will).
   */
  CompletionStage<Void> stopped();
}
