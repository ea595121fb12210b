package dev.baton.spring.endpoint;

import dev.baton.spring.BatonProperties;
import dev.baton.spring.NamedPrimitive;
import dev.baton.spring.PrimitiveRegistry;
import dev.baton.spring.PrimitiveSource;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.concurrent.ConcurrentSkipListSet;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;

/**
 * The read-only actuator endpoint {@code baton}: the backend ({@code local} or {@code redis}, with
 * the state of its connection when it has one) and every primitive of the registry with its kind,
 * state, waiters, scope and, for locks and semaphores, the age of the oldest hold and the method
 * that took it. {@code GET /actuator/baton} lists all, sorted by name and kind;
 * {@code GET /actuator/baton/{name}} those named {@code name} (a lock and an event may share a
 * name; over HTTP, a slash in it is part of the path: {@link BatonEndpointWebExtension}), or 404.
 * Like every actuator endpoint it is reachable over HTTP only once exposed
 * ({@code management.endpoints.web.exposure.include}).
 */
@Endpoint(id = "baton")
public final class BatonEndpoint {

  private static final Comparator<NamedPrimitive> ORDER =
      Comparator.comparing(NamedPrimitive::name).thenComparing(NamedPrimitive::kind);

  /**
   * Every primitive announced, once per kind and name (the registry may announce one twice, and
   * the same kind and name is always the same instance), kept in listing order.
   */
  private final NavigableSet<NamedPrimitive> primitives = new ConcurrentSkipListSet<>(ORDER);
  /** Where the registry's locks, semaphores and events come from. */
  private final PrimitiveSource source;
  private final boolean showKeys;

  /**
   * @param source the backend of {@code registry}'s locks, semaphores and events
   * @param showKeys whether per-key lock families list their keys, which often carry user data
   */
  public BatonEndpoint(PrimitiveRegistry registry, PrimitiveSource source, boolean showKeys) {
    this.source = source;
    this.showKeys = showKeys;
    registry.onPrimitive(primitives::add);
  }

  /** Every primitive. */
  @ReadOperation
  public Primitives primitives() {
    return view(List.copyOf(primitives));
  }

  /** The primitives named {@code name}; 404 when there is none. */
  @ReadOperation
  public WebEndpointResponse<Primitives> primitive(@Selector String name) {
    List<NamedPrimitive> named =
        primitives.stream().filter(p -> p.name().equals(name)).toList();
    return named.isEmpty() ? new WebEndpointResponse<>(WebEndpointResponse.STATUS_NOT_FOUND)
        : new WebEndpointResponse<>(view(named));
  }

  private Primitives view(List<NamedPrimitive> named) {
    boolean shared = source.backend() != BatonProperties.Backend.LOCAL;
    Map<String, Object> status = source.status();
    return new Primitives(source.backend().name().toLowerCase(),
        status.isEmpty() ? null : status,
        named.stream().map(p -> PrimitiveViews.of(p, showKeys, shared)).toList());
  }

  /**
   * The endpoint's response.
   *
   * @param backend where locks, semaphores and events live: {@code local} or {@code redis}
   * @param redis with {@code baton.backend=redis}, the backend's state (see
   *     {@code RedisPrimitives.status()}); else {@code null}
   * @param primitives one JSON object per primitive
   */
  public record Primitives(String backend, Map<String, Object> redis,
      List<Map<String, Object>> primitives) {}
}
