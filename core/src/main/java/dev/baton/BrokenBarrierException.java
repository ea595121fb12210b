package dev.baton;

/**
 * A barrier wait failed because the barrier was reset while the party waited, or is broken by
 * {@link AsyncBarrier#abort()}. Unchecked, unlike
 * {@link java.util.concurrent.BrokenBarrierException}.
 */
public class BrokenBarrierException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public BrokenBarrierException(String message) {
    super(message);
  }
}
