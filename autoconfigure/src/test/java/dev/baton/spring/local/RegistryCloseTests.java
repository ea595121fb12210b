package dev.baton.spring.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.AsyncEvent;
import dev.baton.spring.TestProperties;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/** The registry's close, as the application shuts down, seen primitive by primitive. */
class RegistryCloseTests {

  private static final Duration WITHIN = Duration.ofSeconds(5);

  private final DefaultPrimitiveRegistry registry =
      new DefaultPrimitiveRegistry(TestProperties.defaults(), List.of(), false);

  /**
   * A wait for an event asked for once the registry closed fails at once with an
   * {@link IllegalStateException} saying so, with or without a timeout, even if the event is set.
   */
  @Test
  void aWaitForAnEventAskedAfterTheCloseIsRefusedEvenIfTheEventIsSet() {
    AsyncEvent ready = registry.event("ready");
    AsyncEvent loaded = registry.event("loaded");
    ready.set();

    registry.close();

    List<CompletableFuture<Void>> waits = List.of(ready.await(), ready.await(WITHIN),
        loaded.await(), loaded.await(WITHIN));
    assertThat(waits).allSatisfy(wait -> assertThat(wait).failsWithin(Duration.ZERO)
        .withThrowableOfType(ExecutionException.class)
        .havingCause().isInstanceOf(IllegalStateException.class)
        .withMessageContaining("takes no new wait: the application is shutting down"));
  }
}
