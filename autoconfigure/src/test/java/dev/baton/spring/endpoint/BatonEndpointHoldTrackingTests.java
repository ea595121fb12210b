package dev.baton.spring.endpoint;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.Permit;
import dev.baton.spring.BatonAutoConfiguration;
import dev.baton.spring.PrimitiveRegistry;
import dev.baton.spring.observation.HoldTracking;
import dev.baton.spring.observation.HoldTrackingRequest;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * Holds are tracked only while the {@code baton} endpoint is available, exposed over HTTP or JMX,
 * or when the application declares a {@link HoldTrackingRequest} of its own.
 */
class BatonEndpointHoldTrackingTests {

  private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(BatonAutoConfiguration.class,
          BatonEndpointAutoConfiguration.class));

  @Test
  void withoutTheEndpointNoHoldIsTracked() {
    contextRunner.run(context -> {
      assertThat(context).hasNotFailed().doesNotHaveBean(BatonEndpoint.class)
          .doesNotHaveBean(HoldTrackingRequest.class);
      assertThat(holdsWhileHeld(context)).isZero();
    });
  }

  @Test
  void exposedOverHttpTheEndpointHasHoldsTracked() {
    contextRunner.withPropertyValues("management.endpoints.web.exposure.include=baton")
        .run(context -> {
          assertThat(context).hasSingleBean(BatonEndpoint.class);
          assertThat(holdsWhileHeld(context)).isEqualTo(1);
        });
  }

  @Test
  void exposedOverJmxTheEndpointHasHoldsTracked() {
    contextRunner.withPropertyValues("spring.jmx.enabled=true",
        "management.endpoints.jmx.exposure.include=baton").run(context -> {
          assertThat(context).hasSingleBean(BatonEndpoint.class);
          assertThat(holdsWhileHeld(context)).isEqualTo(1);
        });
  }

  @Test
  void aHoldTrackingRequestOfTheApplicationTracksHoldsWithoutTheEndpoint() {
    contextRunner.withBean(HoldTrackingRequest.class).run(context -> {
      assertThat(context).doesNotHaveBean(BatonEndpoint.class);
      assertThat(holdsWhileHeld(context)).isEqualTo(1);
    });
  }

  /** How many holds a registry lock's {@link HoldTracking#holds()} reads while it is held. */
  private static int holdsWhileHeld(AssertableApplicationContext context) {
    HoldTracking lock = (HoldTracking) context.getBean(PrimitiveRegistry.class).lock("ledger");
    Permit held = context.getBean(PrimitiveRegistry.class).lock("ledger").acquire().join();
    try {
      return lock.holds().count();
    } finally {
      held.release();
    }
  }
}
