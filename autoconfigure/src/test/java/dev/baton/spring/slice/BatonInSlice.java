package dev.baton.spring.slice;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.spring.PrimitiveRegistry;
import org.springframework.aop.support.AopUtils;
import org.springframework.context.ApplicationContext;

/** What a slice that loads Baton has: the registry of the {@code baton.*} primitives, advice. */
final class BatonInSlice {

  private BatonInSlice() {}

  /**
   * Asserts that {@code context} declares the one-permit semaphore {@code payments} and advises
   * {@code controller}.
   */
  static void assertLoaded(ApplicationContext context, PaymentsController controller) {
    assertThat(context.getBeanProvider(PrimitiveRegistry.class).getIfAvailable())
        .as("the slice's PrimitiveRegistry").isNotNull()
        .satisfies(registry -> assertThat(registry.semaphore("payments").maxPermits())
            .isEqualTo(1));
    assertThat(AopUtils.isAopProxy(controller)).as("the controller is advised").isTrue();
  }
}
