package dev.baton.spring.aspect;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.publisher.Mono;

/**
 * The runs of a reactive method body that its caller subscribes to more than once: what each run
 * saw (such as whether a lock was held), in order; the first {@code failures} runs fail, later
 * ones answer through a {@link Probe}, so that a test can tell which runs overlapped.
 */
final class Attempts {

  private final int failures;
  private final Probe probe;
  private final AtomicInteger runs = new AtomicInteger();
  private final List<Object> seen = new CopyOnWriteArrayList<>();

  private Attempts(int failures, Probe probe) {
    this.failures = failures;
    this.probe = probe;
  }

  /** The first {@code failures} runs fail; later ones end as {@code probe}'s bodies do. */
  static Attempts failingFirst(int failures, Probe probe) {
    return new Attempts(failures, probe);
  }

  /** One run of the body, which saw {@code seenNow}. */
  Mono<String> run(Object seenNow) {
    seen.add(seenNow);
    int run = runs.incrementAndGet();
    if (run <= failures) {
      return Mono.error(new IllegalStateException("run " + run + " fails on purpose"));
    }
    return Mono.fromFuture(probe.body("run " + run));
  }

  /** What the runs saw, in the order they started. */
  List<Object> seen() {
    return List.copyOf(seen);
  }
}
