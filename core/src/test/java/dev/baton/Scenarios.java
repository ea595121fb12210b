package dev.baton;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jetbrains.kotlinx.lincheck.Actor;
import org.jetbrains.kotlinx.lincheck.execution.ExecutionScenario;

/**
 * Hand-written Lincheck scenarios for the races asyncio's tests pin down, so the model checker
 * explores them every run instead of waiting for the random generator to produce them.
 *
 * <p>An actor is written {@code "name"} or {@code "name:arg"} (one int argument), for example
 * {@code scenario(T.class, init("acquire", "acquire"), parallel(thread("release"),
 * thread("cancelAcquire")), post("isLocked"))}.
 */
final class Scenarios {

  private Scenarios() {}

  static ExecutionScenario scenario(Class<?> test, List<String> init, List<List<String>> parallel,
      List<String> post) {
    List<List<Actor>> threads = new ArrayList<>();
    for (List<String> t : parallel) {
      threads.add(actors(test, t));
    }
    return new ExecutionScenario(actors(test, init), threads, actors(test, post), null);
  }

  static List<String> init(String... actors) {
    return Arrays.asList(actors);
  }

  static List<String> post(String... actors) {
    return Arrays.asList(actors);
  }

  static List<String> thread(String... actors) {
    return Arrays.asList(actors);
  }

  @SafeVarargs
  static List<List<String>> parallel(List<String>... threads) {
    return Arrays.asList(threads);
  }

  private static List<Actor> actors(Class<?> test, List<String> specs) {
    List<Actor> actors = new ArrayList<>();
    for (String spec : specs) {
      String[] parts = spec.split(":");
      List<Object> args = new ArrayList<>();
      for (int i = 1; i < parts.length; i++) {
        args.add(Integer.parseInt(parts[i]));
      }
      actors.add(new Actor(method(test, parts[0], args.size()), args));
    }
    return actors;
  }

  private static Method method(Class<?> test, String name, int arity) {
    for (Class<?> c = test; c != null; c = c.getSuperclass()) {
      for (Method m : c.getDeclaredMethods()) {
        if (m.getName().equals(name) && m.getParameterCount() == arity) {
          return m;
        }
      }
    }
    throw new IllegalArgumentException("no operation " + name + "/" + arity + " in " + test);
  }
}
