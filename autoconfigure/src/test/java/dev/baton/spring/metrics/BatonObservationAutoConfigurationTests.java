package dev.baton.spring.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.baton.AsyncBarrier;
import dev.baton.AsyncQueue;
import dev.baton.Permit;
import dev.baton.spring.BatonAutoConfiguration;
import dev.baton.spring.PrimitiveRegistry;
import io.micrometer.common.KeyValue;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

class BatonObservationAutoConfigurationTests {

  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(BatonAutoConfiguration.class,
          BatonObservationAutoConfiguration.class));

  @Test
  void eachWaitIsAnObservationWithItsSiteAndOutcome() {
    runner.withUserConfiguration(RecordingObservations.class).run(context -> {
      PrimitiveRegistry registry = context.getBean(PrimitiveRegistry.class);
      Permit holder = registry.lock("ledger").acquire().join();
      CompletableFuture<Permit> waiting = registry.lock("ledger").acquire();
      waiting.cancel(true);
      holder.release();

      List<Observation.Context> stopped = context.getBean(RecordingObservations.class).stopped;
      assertThat(stopped).hasSize(2).allSatisfy(observed -> {
        assertThat(observed.getName()).isEqualTo(BatonObservations.NAME);
        assertThat(observed.getContextualName()).isEqualTo("wait for lock ledger");
        assertThat(observed.getLowCardinalityKeyValues()).contains(
            KeyValue.of("primitive", "lock"), KeyValue.of("name", "ledger"));
      });
      assertThat(stopped).extracting(observed -> observed.getLowCardinalityKeyValue("outcome"))
          .containsExactly(KeyValue.of("outcome", "acquired"), KeyValue.of("outcome", "cancelled"));
    });
  }

  /** A per-key family's wait is observed under the family's name, never the key. */
  @Test
  void aTimedOutWaitOfAPerKeyFamilyIsObservedUnderItsNameWithOutcomeTimeout() {
    runner.withUserConfiguration(RecordingObservations.class).run(context -> {
      PrimitiveRegistry registry = context.getBean(PrimitiveRegistry.class);
      String key = "alice@example.com";
      Permit holder = registry.lock("accounts", key).acquire().join();
      assertThat(registry.lock("accounts", key).acquire(Duration.ofMillis(10)))
          .failsWithin(Duration.ofSeconds(5));
      holder.release();

      List<Observation.Context> stopped = context.getBean(RecordingObservations.class).stopped;
      assertThat(stopped).hasSize(2).allSatisfy(observed -> {
        assertThat(observed.getContextualName()).isEqualTo("wait for lock accounts");
        assertThat(observed.getLowCardinalityKeyValues()).contains(
            KeyValue.of("primitive", "lock"), KeyValue.of("name", "accounts"));
        assertThat(observed.getAllKeyValues().stream().map(KeyValue::getValue))
            .noneMatch(value -> value.contains("alice"));
      });
      assertThat(stopped).extracting(observed -> observed.getLowCardinalityKeyValue("outcome"))
          .containsExactly(KeyValue.of("outcome", "acquired"), KeyValue.of("outcome", "timeout"));
    });
  }

  /**
   * "Waits show as spans inside the request that waited": a wait's observation has for parent
   * the observation current where the wait began, though it ends elsewhere, outside it.
   */
  @Test
  void aWaitIsObservedInsideTheObservationCurrentWhereItBegan() {
    runner.withUserConfiguration(RecordingObservations.class).run(context -> {
      PrimitiveRegistry registry = context.getBean(PrimitiveRegistry.class);
      Permit holder = registry.lock("ledger").acquire().join();
      Observation request =
          Observation.start("request", context.getBean(ObservationRegistry.class));
      CompletableFuture<Permit> waiting;
      try (Observation.Scope scope = request.openScope()) {
        waiting = registry.lock("ledger").acquire();
      }
      holder.release();
      waiting.join().release();
      request.stop();

      assertThat(context.getBean(RecordingObservations.class).stopped)
          .filteredOn(observed -> observed.getName().equals(BatonObservations.NAME))
          .extracting(Observation.ContextView::getParentObservation)
          .containsExactly(null, request);
    });
  }

  /**
   * A wait the primitive fails (a take from a queue shut down, a wait at a broken barrier) is
   * stopped as an observation too, with outcome failed: no span is left open.
   */
  @Test
  void aWaitThePrimitiveFailsIsStoppedWithOutcomeFailedUnderItsKind() {
    runner.withUserConfiguration(RecordingObservations.class).run(context -> {
      PrimitiveRegistry registry = context.getBean(PrimitiveRegistry.class);
      AsyncQueue<String> queue = registry.queue("jobs");
      CompletableFuture<String> take = queue.take();
      AsyncBarrier barrier = registry.barrier("start", 2);
      CompletableFuture<Integer> arrival = barrier.await();

      queue.shutdownNow();
      barrier.abort();

      assertThat(take).isCompletedExceptionally();
      assertThat(arrival).isCompletedExceptionally();
      List<Observation.Context> stopped = context.getBean(RecordingObservations.class).stopped;
      assertThat(stopped).extracting(Observation.ContextView::getContextualName,
              observed -> observed.getLowCardinalityKeyValue("primitive"),
              observed -> observed.getLowCardinalityKeyValue("outcome"))
          .containsExactlyInAnyOrder(
              tuple("wait for queue jobs", KeyValue.of("primitive", "queue"),
                  KeyValue.of("outcome", "failed")),
              tuple("wait for barrier start", KeyValue.of("primitive", "barrier"),
                  KeyValue.of("outcome", "failed")));
    });
  }

  /** An application's own BatonObservations bean makes Baton's back off: each wait once. */
  @Test
  void runWithAnObservationsBeanOfTheApplicationShouldBackOff() {
    runner.withUserConfiguration(RecordingObservations.class, OwnObservations.class)
        .run(context -> {
          assertThat(context).hasSingleBean(BatonObservations.class);
          assertThat(context.getBean(BatonObservations.class))
              .isSameAs(context.getBean(OwnObservations.class).own);
          context.getBean(PrimitiveRegistry.class).lock("ledger").acquire().join().release();
          assertThat(context.getBean(RecordingObservations.class).stopped).hasSize(1);
        });
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnObservations {
    BatonObservations own;

    @Bean
    BatonObservations ownObservations(ObservationRegistry observations) {
      own = new BatonObservations(observations);
      return own;
    }
  }

  @Test
  void offWithoutAnObservationRegistryOrWhenSwitchedOff() {
    runner.run(context -> assertThat(context).doesNotHaveBean(BatonObservations.class));
    runner.withUserConfiguration(RecordingObservations.class)
        .withPropertyValues("baton.metrics.observations=false")
        .run(context -> assertThat(context).doesNotHaveBean(BatonObservations.class));
  }

  @Configuration(proxyBeanMethods = false)
  static class RecordingObservations {
    final List<Observation.Context> stopped = new CopyOnWriteArrayList<>();

    @Bean
    ObservationRegistry observationRegistry() {
      ObservationRegistry registry = ObservationRegistry.create();
      registry.observationConfig().observationHandler(new ObservationHandler<>() {
        @Override
        public boolean supportsContext(Observation.Context context) {
          return true;
        }

        @Override
        public void onStop(Observation.Context context) {
          stopped.add(context);
        }
      });
      return registry;
    }
  }
}
