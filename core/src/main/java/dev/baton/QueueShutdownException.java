package dev.baton;

/**
 * The queue was shut down: a put or {@code offer} after {@link AsyncQueue#shutdown()}, a take or
 * {@code poll} once a shut-down queue is empty, or any wait cut short by
 * {@link AsyncQueue#shutdownNow()}. The counterpart of asyncio's {@code QueueShutDown}.
 */
public class QueueShutdownException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public QueueShutdownException(String message) {
    super(message);
  }
}
