package dev.baton.spring.observation;

import dev.baton.AcquireTimeoutException;
import java.util.Locale;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;

/** How a wait on a registry's primitive ended, as reported to {@link WaitListener}s. */
public enum WaitOutcome {
  /** Granted: the lock, permit, item, signal or event it waited for. */
  ACQUIRED,
  /** Gave up after its timeout ({@link AcquireTimeoutException}). */
  TIMEOUT,
  /**
   * Withdrawn: by a cancel, such as a cancelled request or an interrupted caller, or by an outside
   * completion of its future ({@code complete}, {@code orTimeout}...).
   */
  CANCELLED,
  /** Failed otherwise: a shut-down queue or a broken barrier, for example. */
  FAILED;

  /** The outcome of a wait that completed with {@code failure}, or succeeded when it is null. */
  public static WaitOutcome of(Throwable failure) {
    Throwable cause = failure instanceof CompletionException && failure.getCause() != null
        ? failure.getCause() : failure;
    if (cause == null) {
      return ACQUIRED;
    }
    if (cause instanceof AcquireTimeoutException) {
      return TIMEOUT;
    }
    return cause instanceof CancellationException ? CANCELLED : FAILED;
  }

  /** The lower-case name, as used for the {@code outcome} tag. */
  public String tag() {
    return name().toLowerCase(Locale.ROOT);
  }
}
