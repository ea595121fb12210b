package dev.baton.spring.slice;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.spring.PrimitiveRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.webflux.test.autoconfigure.WebFluxTest;
import org.springframework.context.ApplicationContext;

/**
 * README: a slice loads no Redis connection, so with {@code baton.backend=redis} it starts
 * without Baton (and without a Redis server), as it did before slices loaded Baton.
 */
@WebFluxTest(value = PaymentsController.class,
    properties = {"baton.backend=redis", "baton.semaphores.payments.permits=1"})
class RedisBackendSliceTest {

  @Autowired
  ApplicationContext context;

  @Autowired
  PaymentsController controller;

  @Test
  void theSliceStartsWithoutBaton() {
    assertThat(context.getBeanProvider(PrimitiveRegistry.class).getIfAvailable()).isNull();
    assertThat(AopUtils.isAopProxy(controller)).isFalse();
  }
}
