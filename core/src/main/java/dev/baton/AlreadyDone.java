package dev.baton;

import java.util.concurrent.CompletableFuture;

/**
 * The future of a call that completed at once with nothing to hand back, such as a put with room
 * or a wait for an event already set: one instance, shared by all of them, so that such a call
 * allocates nothing. Nothing can change it: being complete, it ignores {@code complete},
 * {@code completeExceptionally} and {@code cancel} (they return false), and it refuses the two
 * {@code obtrude} methods, the only ones that overwrite a result. Stages that depend on it are
 * new futures, as with any other.
 */
final class AlreadyDone extends CompletableFuture<Void> {

  /** The shared instance. */
  static final CompletableFuture<Void> FUTURE = new AlreadyDone();

  private AlreadyDone() {
    super.complete(null);
  }

  @Override
  public void obtrudeValue(Void value) {
    throw refused();
  }

  @Override
  public void obtrudeException(Throwable ex) {
    throw refused();
  }

  private static UnsupportedOperationException refused() {
    return new UnsupportedOperationException("this completed future is shared by every call that"
        + " completed at once, so it cannot be overwritten; obtrude a copy of your own (copy())");
  }
}
