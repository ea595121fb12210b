package dev.baton.spring.observation;

import java.util.function.Supplier;

/**
 * Calls for tests that place holds and waits by hand: a call started at a site, as an annotated
 * method would start it, and an action run as a given call.
 */
public final class TestCalls {

  private TestCalls() {}

  /** A call at {@code site}, made from the current call (none outside one). */
  public static Call call(String site) {
    try (CurrentCall.Scope scope = CurrentCall.open(site)) {
      return scope.call();
    }
  }

  /** A call at {@code site}, made from {@code caller} (none if null). */
  public static Call call(String site, Call caller) {
    try (CurrentCall.Scope in = CurrentCall.in(caller)) {
      return call(site);
    }
  }

  /** What {@code action} returns, run as {@code call}. */
  public static <T> T as(Call call, Supplier<T> action) {
    try (CurrentCall.Scope in = CurrentCall.in(call)) {
      return action.get();
    }
  }
}
