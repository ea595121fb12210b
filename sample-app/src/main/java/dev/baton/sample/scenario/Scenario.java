package dev.baton.sample.scenario;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One of the article's examples, written with Baton: a few participants coordinating through
 * named primitives of the {@link dev.baton.spring.PrimitiveRegistry}, so the live page shows
 * them while the scenario runs. A run takes about a second and blocks no thread; the
 * {@code deadlock} scenario, not from the article, lasts until its timeout ends it (4 s).
 */
public interface Scenario {

  /** The name in {@code POST /scenarios/{name}}. */
  String name();

  /** One sentence saying what the run shows. */
  String description();

  /** Registry names of the primitives the scenario uses. */
  List<String> primitives();

  /**
   * Runs the scenario once, recording every participant's moves on {@code timeline}; the future
   * completes when every participant has finished.
   */
  CompletableFuture<Void> play(Timeline timeline);
}
