package dev.baton.spring.aspect;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.spring.observation.Call;
import dev.baton.spring.observation.CurrentCall;
import io.micrometer.context.ContextRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A caller's context, put in place around a body that runs on another thread: exactly the
 * caller's values, none of the running thread's, and the running thread's own back afterwards.
 * Without Spring or an observation, and with one registered ThreadLocal that is null where unset,
 * so that a caller or a running thread may have no values at all.
 */
class CallerContextTest {

  private static final String KEY = "baton.test.caller-context";
  private static final ThreadLocal<String> LOCAL = new ThreadLocal<>();

  @BeforeAll
  static void register() {
    ContextRegistry.getInstance().registerThreadLocalAccessor(KEY, LOCAL);
  }

  @AfterAll
  static void unregister() {
    ContextRegistry.getInstance().removeThreadLocalAccessor(KEY);
  }

  /**
   * The context captured on a thread whose only value is a call of its own, put in
   * {@code caller[0]}.
   */
  private static CallerContext capturedByACallAlone(Call[] caller) {
    return onThreadWith(null, () -> {
      try (CurrentCall.Scope call = CurrentCall.open("Caller.call")) {
        caller[0] = call.call();
        return CallerContext.capture();
      }
    });
  }

  /** What a body saw of the caller-context test value and the current call, then what was back. */
  private record Seen(String bodyValue, Call bodyCall, String afterValue, Call afterCall) {}

  @Test
  void aCallerWhoseOnlyValueIsItsCallKeepsTheCallBatonsGrantPutInPlace() {
    CurrentCall.propagate();
    try {
      Call[] caller = new Call[1];
      CallerContext context = capturedByACallAlone(caller);

      Seen seen = onThreadWith("releaser", () -> {
        try (CurrentCall.Scope granting = CurrentCall.in(caller[0])) {
          Seen[] body = new Seen[1];
          context.run(() -> body[0] = new Seen(LOCAL.get(), CurrentCall.get(), null, null));
          return new Seen(body[0].bodyValue(), body[0].bodyCall(), LOCAL.get(),
              CurrentCall.get());
        }
      });

      assertThat(seen).isEqualTo(new Seen(null, caller[0], "releaser", caller[0]));
    } finally {
      CurrentCall.stopPropagating();
    }
  }

  @Test
  void aCallerWhoseOnlyValueIsItsCallPutsItInPlaceOfAnotherCallForTheBodyOnly() {
    CurrentCall.propagate();
    try {
      Call[] caller = new Call[1];
      CallerContext context = capturedByACallAlone(caller);

      Call[] releaser = new Call[1];
      Seen seen = onThreadWith(null, () -> {
        try (CurrentCall.Scope own = CurrentCall.open("Releaser.call")) {
          releaser[0] = own.call();
          Seen[] body = new Seen[1];
          context.run(() -> body[0] = new Seen(LOCAL.get(), CurrentCall.get(), null, null));
          return new Seen(body[0].bodyValue(), body[0].bodyCall(), LOCAL.get(),
              CurrentCall.get());
        }
      });

      assertThat(seen).isEqualTo(new Seen(null, caller[0], null, releaser[0]));
    } finally {
      CurrentCall.stopPropagating();
    }
  }

  @Test
  void aCallerWithoutValuesClearsTheRunningThreadsForTheBodyOnly() {
    CallerContext bare = onThreadWith(null, CallerContext::capture);

    List<String> seen = onThreadWith("releaser", () -> {
      List<String> result = new ArrayList<>();
      bare.run(() -> result.add(LOCAL.get()));
      result.add(LOCAL.get());
      return result;
    });

    assertThat(seen).containsExactly(null, "releaser");
  }

  @Test
  void aCallersValuesReplaceTheRunningThreadsForTheBodyOnly() {
    CallerContext caller = onThreadWith("caller", CallerContext::capture);

    List<String> seen = onThreadWith("releaser", () -> {
      List<String> result = new ArrayList<>();
      caller.run(() -> result.add(LOCAL.get()));
      result.add(LOCAL.get());
      return result;
    });

    assertThat(seen).containsExactly("caller", "releaser");
  }

  @Test
  void aCallerWithoutValuesOnAThreadWithoutValuesLeavesItWithout() {
    CallerContext bare = onThreadWith(null, CallerContext::capture);

    List<String> seen = onThreadWith(null, () -> {
      List<String> result = new ArrayList<>();
      bare.run(() -> result.add(LOCAL.get()));
      result.add(LOCAL.get());
      return result;
    });

    assertThat(seen).containsExactly(null, null);
  }

  /** Runs {@code action} on a new thread whose {@link #LOCAL} is {@code value} meanwhile. */
  private static <T> T onThreadWith(String value, Supplier<T> action) {
    CompletableFuture<T> result = new CompletableFuture<>();
    new Thread(() -> {
      LOCAL.set(value);
      try {
        result.complete(action.get());
      } catch (Throwable t) {
        result.completeExceptionally(t);
      } finally {
        LOCAL.remove();
      }
    }).start();
    return Waits.joined(result);
  }
}
