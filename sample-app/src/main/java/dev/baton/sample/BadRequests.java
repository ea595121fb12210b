package dev.baton.sample;

import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * Checks of request parameters: one out of its range answers 400 with
 * {@code {"error": "quantity must be at least 1, was -5"}}, and the request changes nothing.
 */
@RestControllerAdvice
public class BadRequests {

  /**
   * The most calls one request may start at once ({@code count} of a burst or a rush): each one
   * started waits as an object on the heap, so a request with a count of a million would fill it.
   */
  public static final int MAX_COUNT = 1_000;

  /**
   * {@code count}, the request parameter of that name, if it is between 0 and
   * {@link #MAX_COUNT}.
   *
   * @throws Refused otherwise, answered 400
   */
  public static int count(int count) {
    if (count > MAX_COUNT) {
      throw new Refused("count must be at most " + MAX_COUNT + ", was " + count);
    }
    return atLeast(0, "count", count);
  }

  /**
   * {@code value}, the request parameter {@code name}, if it is at least {@code min}.
   *
   * @throws Refused otherwise, answered 400
   */
  public static int atLeast(int min, String name, int value) {
    if (value < min) {
      throw new Refused(name + " must be at least " + min + ", was " + value);
    }
    return value;
  }

  @ExceptionHandler(Refused.class)
  @ResponseStatus(HttpStatus.BAD_REQUEST)
  Map<String, String> refused(Refused e) {
    return Map.of("error", e.getMessage());
  }

  /** A request parameter out of its range. */
  public static final class Refused extends IllegalArgumentException {

    /** @param message what was wrong, naming the parameter */
    public Refused(String message) {
      super(message);
    }
  }
}
