package dev.baton.sample;

import java.util.Map;
import java.util.regex.Pattern;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;

/**
 * Checks of the app's whole-number request parameters, {@code count} and {@code quantity}: one
 * out of its range answers 400 with {@code {"error": "quantity must be at least 1, was -5"}}, and
 * the request changes nothing. So does one that is not a whole number
 * ({@code "count must be a whole number, was abc"}), or too large for an {@code int}, which is
 * out of range too ({@code "count must be at most 1000, was 99999999999"}).
 */
@RestControllerAdvice
public class BadRequests {

  /**
   * The most calls one request may start at once ({@code count} of a burst or a rush): each one
   * started waits as an object on the heap, so a request with a count of a million would fill it.
   */
  public static final int MAX_COUNT = 1_000;

  private static final int MIN_COUNT = 0;

  /** The least {@code quantity} of an order, a reservation or a restock. */
  private static final int MIN_QUANTITY = 1;

  private static final Pattern WHOLE_NUMBER = Pattern.compile("[+-]?[0-9]+");

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
    return atLeast(MIN_COUNT, "count", count);
  }

  /**
   * {@code quantity}, the request parameter of that name, if it is at least 1.
   *
   * @throws Refused otherwise, answered 400
   */
  public static int quantity(int quantity) {
    return atLeast(MIN_QUANTITY, "quantity", quantity);
  }

  private static int atLeast(int min, String name, int value) {
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

  /**
   * A {@code count} or {@code quantity} that Spring could not read as an {@code int}: a whole
   * number too large for one is out of range, as {@link #count} and {@link #quantity} say it.
   */
  @ExceptionHandler(MethodArgumentTypeMismatchException.class)
  @ResponseStatus(HttpStatus.BAD_REQUEST)
  Map<String, String> notAnInt(MethodArgumentTypeMismatchException e) {
    String name = e.getName();
    String value = String.valueOf(e.getValue());
    boolean count = name.equals("count");
    String error;
    if (!WHOLE_NUMBER.matcher(value).matches()) {
      error = name + " must be a whole number";
    } else if (value.startsWith("-")) {
      error = name + " must be at least " + (count ? MIN_COUNT : MIN_QUANTITY);
    } else {
      error = name + " must be at most " + (count ? MAX_COUNT : Integer.MAX_VALUE);
    }
    return Map.of("error", error + ", was " + value);
  }

  /** A request parameter out of its range. */
  public static final class Refused extends IllegalArgumentException {

    /** @param message what was wrong, naming the parameter */
    public Refused(String message) {
      super(message);
    }
  }
}
