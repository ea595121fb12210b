package dev.baton.spring.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.baton.AsyncEvent;
import dev.baton.spring.PrimitiveRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * {@code baton.events.NAME.initially-set: true} on Redis: every instance that starts sets the
 * shared event, also after another instance cleared it.
 */
class RedisInitiallySetEventTest {

  private static final Duration PATIENCE = Duration.ofSeconds(10);

  private static final String[] PROPERTIES = {"spring.main.web-application-type=none",
      "baton.redis.lease=1s", "baton.semaphores.payments.permits=1",
      "baton.events.warm.initially-set=true"};

  @Test
  void anInstanceThatStartsSetsTheEventAgainAfterAnotherClearedIt() {
    try (TwoRedisInstances instances = new TwoRedisInstances(PROPERTIES)) {
      AsyncEvent ofOne = event(instances.one);
      AsyncEvent ofTwo = event(instances.two);
      assertThat(ofOne.isSet()).isTrue();
      assertThat(instances.server.cli("HGET", "{baton:event:warm}", "set")).isEqualTo("1");

      ofOne.clear();
      await().atMost(PATIENCE).pollDelay(Duration.ZERO).until(() -> !ofTwo.isSet());

      try (ConfigurableApplicationContext third = instances.instance(PROPERTIES)) {
        assertThat(event(third).isSet()).isTrue();
        await().atMost(PATIENCE).pollDelay(Duration.ZERO).until(ofOne::isSet);
        assertThat(ofTwo.isSet()).isTrue();
      }
    }
  }

  /**
   * Only the start sets the event: asking the registry for it again returns the same instance
   * and leaves it as the application left it, not set anew.
   */
  @Test
  void askingForTheEventAgainNeitherMakesAnotherNorSetsItAgain() {
    try (TwoRedisInstances instances = new TwoRedisInstances(PROPERTIES)) {
      PrimitiveRegistry registry = instances.one.getBean(PrimitiveRegistry.class);
      AsyncEvent warm = registry.event("warm");
      warm.clear();
      await().atMost(PATIENCE).pollDelay(Duration.ZERO)
          .until(() -> !"1".equals(instances.server.cli("HGET", "{baton:event:warm}", "set")));

      assertThat(registry.event("warm")).isSameAs(warm);
      // A round trip on the instance's connection, after anything the second ask sent.
      registry.semaphore("payments").acquire().join().release();

      assertThat(instances.server.cli("HGET", "{baton:event:warm}", "set")).isNotEqualTo("1");
      assertThat(event(instances.two).isSet()).isFalse();
    }
  }

  private static AsyncEvent event(ConfigurableApplicationContext instance) {
    return instance.getBean(PrimitiveRegistry.class).event("warm");
  }
}
