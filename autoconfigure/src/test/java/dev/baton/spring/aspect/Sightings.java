package dev.baton.spring.aspect;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.aspectj.lang.JoinPoint;
import org.slf4j.MDC;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * What a method body saw of its thread's context, each time it ran: the MDC's {@code request}
 * value, a plain {@link ThreadLocal} ({@link #TENANT}), the current trace span, the transaction
 * bound to the thread and the thread itself; and whether advice inside Baton's saw this call's
 * join point.
 */
final class Sightings {

  /** The MDC key the tests set. */
  static final String REQUEST = "request";
  /** A ThreadLocal of the application's own, opted in with a {@code ThreadLocalAccessor}. */
  static final ThreadLocal<String> TENANT = new ThreadLocal<>();

  /** One look at the context. */
  record Sighting(String where, String request, String tenant, String spanId, String transaction,
      String thread) {}

  private final Tracer tracer;
  private final List<Sighting> seen = new CopyOnWriteArrayList<>();
  private final List<Boolean> joinPoints = new CopyOnWriteArrayList<>();

  Sightings(Tracer tracer) {
    this.tracer = tracer;
  }

  /** Notes what the current thread's context holds now, as seen from {@code where}. */
  String look(String where) {
    seen.add(now(where));
    return where;
  }

  /** What the current thread's context holds now. */
  Sighting now(String where) {
    Span span = tracer.currentSpan();
    return new Sighting(where, MDC.get(REQUEST), TENANT.get(),
        span == null ? null : span.context().spanId(),
        TransactionSynchronizationManager.getCurrentTransactionName(),
        Thread.currentThread().getName());
  }

  /** Notes whether an inner aspect's join point is the call that carries these sightings. */
  void joinPoint(JoinPoint joinPoint) {
    joinPoints.add(joinPoint.getArgs().length > 0 && joinPoint.getArgs()[0] == this);
  }

  List<Sighting> seen() {
    return List.copyOf(seen);
  }

  /** The one sighting noted so far. */
  Sighting only() {
    assertThat(seen).as("sightings").hasSize(1);
    return seen.get(0);
  }

  List<Boolean> joinPoints() {
    return List.copyOf(joinPoints);
  }
}
