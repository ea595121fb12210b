package dev.baton.spring.stall;

import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;

/**
 * The {@code batonstalls} actuator endpoint: what the {@link StallView} sees now (deadlocks,
 * confirmed or suspected, re-entries, coverage), checked when read. Read-only; names calls by
 * site and primitives by kind and name, never keys or arguments.
 */
@Endpoint(id = "batonstalls")
public class StallsEndpoint {

  private final StallView view;

  public StallsEndpoint(StallView view) {
    this.view = view;
  }

  @ReadOperation
  public StallReport stalls() {
    return view.check();
  }
}
