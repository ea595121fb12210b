package dev.baton.spring.web;

import dev.baton.AcquireTimeoutException;
import java.time.Duration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * Answers an {@link AcquireTimeoutException} that escapes a controller (Spring MVC or WebFlux,
 * thrown or as a failed future or error signal) with {@code 503 Service Unavailable}: the
 * service is saturated, not broken, so clients may retry. The body is a {@link ProblemDetail}
 * whose {@code detail} is the exception's message and whose {@code primitive} and {@code name}
 * properties say which primitive timed out (a per-key lock names its family, never a key); the
 * {@code Retry-After} header gives whole seconds. Nothing is logged: a timeout under load is not
 * an error of the application.
 *
 * <p>Ordered last, so that an {@code @ExceptionHandler} of the application, in a controller or in
 * an advice of its own, handles the exception instead.
 */
@RestControllerAdvice
@Order(Ordered.LOWEST_PRECEDENCE)
public final class AcquireTimeoutProblems {

  private final String retryAfterSeconds;

  /** @param retryAfter what the {@code Retry-After} header advises, rounded up to seconds */
  public AcquireTimeoutProblems(Duration retryAfter) {
    this.retryAfterSeconds =
        Long.toString(retryAfter.getSeconds() + (retryAfter.getNano() > 0 ? 1 : 0));
  }

  @ExceptionHandler(AcquireTimeoutException.class)
  ResponseEntity<ProblemDetail> timedOut(AcquireTimeoutException timeout) {
    ProblemDetail problem =
        ProblemDetail.forStatusAndDetail(HttpStatus.SERVICE_UNAVAILABLE, timeout.getMessage());
    problem.setTitle("Timed out waiting for " + timeout.primitive());
    problem.setProperty("primitive", timeout.primitive());
    if (timeout.name() != null) {
      problem.setProperty("name", timeout.name());
    }
    return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
        .header(HttpHeaders.RETRY_AFTER, retryAfterSeconds).body(problem);
  }
}
