package dev.baton.spring;

import java.util.Locale;

/** What the shutdown fuzzes accept from a call that failed because its application closed. */
public final class ClosingFailures {

  private ClosingFailures() {}

  /**
   * Whether {@code failure}, or one of its causes, says the application, a backend or a primitive
   * closed ("shutting down", "closed").
   */
  public static boolean saysClosed(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      String message = String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT);
      if (message.contains("shutting down") || message.contains("closed")) {
        return true;
      }
    }
    return false;
  }
}
