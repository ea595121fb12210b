package dev.baton.spring.endpoint;

import dev.baton.spring.endpoint.BatonEndpoint.Primitives;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.boot.actuate.endpoint.web.annotation.EndpointWebExtension;

/**
 * The {@code baton} endpoint over HTTP: {@code GET /actuator/baton/{name}} takes the rest of the
 * path as the name, since a name may hold slashes ({@code /actuator/baton/orders/eu} names
 * {@code orders/eu}; the server refuses an encoded {@code %2F} before it gets here). JMX keeps
 * {@link BatonEndpoint#primitive(String)}, which takes the name whole: a selector of path segments
 * there would be a name split at its commas.
 */
@EndpointWebExtension(endpoint = BatonEndpoint.class)
public final class BatonEndpointWebExtension {

  private final BatonEndpoint endpoint;

  public BatonEndpointWebExtension(BatonEndpoint endpoint) {
    this.endpoint = endpoint;
  }

  /** The primitives named by the path's remaining segments, joined by slashes; 404 if none. */
  @ReadOperation
  public WebEndpointResponse<Primitives> primitive(
      @Selector(match = Selector.Match.ALL_REMAINING) String... name) {
    return endpoint.primitive(String.join("/", name));
  }
}
