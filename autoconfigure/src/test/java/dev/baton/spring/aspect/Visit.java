package dev.baton.spring.aspect;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.slf4j.MDC;

/**
 * One call of {@link WaitedCallContextFuzzTest}: its body checks that it sees the context of the
 * caller named {@code caller} (MDC request {@code caller + "-request"}, tenant
 * {@code caller + "-tenant"}), notes a problem otherwise, and returns a result completed with the
 * caller's name by {@code finish}, which runs the completion at once or later on another thread.
 */
final class Visit {

  private final String caller;
  private final Consumer<Runnable> finish;
  private final List<String> problems;

  Visit(String caller, Consumer<Runnable> finish, List<String> problems) {
    this.caller = caller;
    this.finish = finish;
    this.problems = problems;
  }

  String caller() {
    return caller;
  }

  /** The method body. */
  CompletableFuture<String> body() {
    expectContextOf(caller, caller + "'s body", problems);
    CompletableFuture<String> result = new CompletableFuture<>();
    finish.accept(() -> result.complete(caller));
    return result;
  }

  /** Notes a problem unless the current thread's context is {@code owner}'s. */
  static void expectContextOf(String owner, String where, List<String> problems) {
    String request = MDC.get(Sightings.REQUEST);
    String tenant = Sightings.TENANT.get();
    if (!(owner + "-request").equals(request) || !(owner + "-tenant").equals(tenant)) {
      problems.add(where + " on " + Thread.currentThread().getName() + " saw request " + request
          + " and tenant " + tenant + ", not " + owner + "'s");
    }
  }
}
