package dev.baton.spring.stall;

/**
 * In strict mode ({@code baton.stalls.level=strict}, for tests), what a wait fails with when it
 * could never be granted: a re-entry into a lock the call holds, or a confirmed deadlock, named
 * in the message by sites and primitives, never keys. The wait is withdrawn first, as for a
 * timeout: it holds nothing and waits nowhere.
 */
public class DeadlockException extends IllegalStateException {

  private static final long serialVersionUID = 1L;

  public DeadlockException(String message) {
    super(message);
  }
}
