package dev.baton.spring.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.AcquireTimeoutException;
import dev.baton.Permit;
import dev.baton.spring.BatonAutoConfiguration;
import dev.baton.spring.PrimitiveRegistry;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.reactive.config.EnableWebFlux;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A WebFlux application: a timeout in a controller's {@code Mono} answers 503 as in MVC, unless
 * the application handles it or turns this off.
 */
@ExtendWith(OutputCaptureExtension.class)
class WebFluxTimeoutsTest {

  private final ReactiveWebApplicationContextRunner contextRunner =
      new ReactiveWebApplicationContextRunner()
          .withConfiguration(AutoConfigurations.of(BatonAutoConfiguration.class,
              BatonWebAutoConfiguration.class))
          .withUserConfiguration(App.class)
          .withPropertyValues("baton.semaphores.payments.permits=1");

  @Test
  void aTimeoutInAMonoAnswers503WithAProblemDetail() {
    contextRunner.run(context -> {
      Permit held = context.getBean(PrimitiveRegistry.class).semaphore("payments").acquire()
          .join();
      try {
        WebTestClient.bindToApplicationContext(context).build().get().uri("/pay").exchange()
            .expectStatus().isEqualTo(503)
            .expectHeader().valueEquals("Retry-After", "1")
            .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
            .expectBody().jsonPath("$.primitive").isEqualTo("semaphore")
            .jsonPath("$.name").isEqualTo("payments");
      } finally {
        held.release();
      }
    });
  }

  /** "thrown, a failed future, an error signal": each answers 503 naming it, and logs nothing. */
  @Test
  void aTimeoutThrownFailingAFutureOrSignalledByAFluxAnswers503AndLogsNothing(
      CapturedOutput output) {
    contextRunner.run(context -> {
      Permit held = context.getBean(PrimitiveRegistry.class).semaphore("payments").acquire()
          .join();
      try {
        for (String path : new String[] {"/pay", "/pay-now", "/pay-later", "/pay-each"}) {
          WebTestClient.bindToApplicationContext(context).build().get().uri(path).exchange()
              .expectStatus().isEqualTo(503)
              .expectHeader().valueEquals("Retry-After", "1")
              .expectBody().jsonPath("$.status").isEqualTo(503)
              .jsonPath("$.detail")
              .isEqualTo("timed out after PT0.02S waiting for semaphore 'payments'")
              .jsonPath("$.primitive").isEqualTo("semaphore")
              .jsonPath("$.name").isEqualTo("payments");
        }
      } finally {
        held.release();
      }
    });
    assertThat(output).doesNotContain("ERROR").doesNotContain("AcquireTimeoutException");
  }

  /** "baton.web.retry-after: the Retry-After of that answer, rounded up to seconds". */
  @ParameterizedTest
  @CsvSource({"0, 0", "PT0.000001S, 1", "1ms, 1", "1s, 1", "1001ms, 2", "PT1M, 60"})
  void theRetryAfterIsTheConfiguredDurationRoundedUpToSeconds(String retryAfter, String header) {
    contextRunner.withPropertyValues("baton.web.retry-after=" + retryAfter).run(context -> {
      Permit held = context.getBean(PrimitiveRegistry.class).semaphore("payments").acquire()
          .join();
      try {
        WebTestClient.bindToApplicationContext(context).build().get().uri("/pay").exchange()
            .expectStatus().isEqualTo(503)
            .expectHeader().valueEquals("Retry-After", header);
      } finally {
        held.release();
      }
    });
  }

  @Test
  void anExceptionHandlerInAnAdviceOfTheApplicationWins() {
    contextRunner.withUserConfiguration(Busy.class).run(context -> {
      Permit held = context.getBean(PrimitiveRegistry.class).semaphore("payments").acquire()
          .join();
      try {
        WebTestClient.bindToApplicationContext(context).build().get().uri("/pay").exchange()
            .expectStatus().isEqualTo(429);
      } finally {
        held.release();
      }
    });
  }

  @Test
  void turnedOffATimeoutIsAServerErrorAgain() {
    contextRunner.withPropertyValues("baton.web.enabled=false").run(context -> {
      Permit held = context.getBean(PrimitiveRegistry.class).semaphore("payments").acquire()
          .join();
      try {
        WebTestClient.bindToApplicationContext(context).build().get().uri("/pay").exchange()
            .expectStatus().isEqualTo(500);
      } finally {
        held.release();
      }
    });
  }

  /** An advice of the application's own for timeouts. */
  @RestControllerAdvice
  static class Busy {
    @ExceptionHandler(AcquireTimeoutException.class)
    ResponseEntity<String> busy(AcquireTimeoutException timeout) {
      return ResponseEntity.status(HttpStatus.TOO_MANY_REQUESTS).body("busy");
    }
  }

  @Configuration(proxyBeanMethods = false)
  @EnableWebFlux
  static class App {

    @Bean
    Payments payments(PrimitiveRegistry registry) {
      return new Payments(registry);
    }
  }

  @RestController
  static class Payments {
    private final PrimitiveRegistry registry;

    Payments(PrimitiveRegistry registry) {
      this.registry = registry;
    }

    @GetMapping("/pay-now")
    String payNow() {
      registry.semaphore("payments").acquire(Duration.ofMillis(20)).join().release();
      return "paid";
    }

    @GetMapping("/pay-later")
    CompletableFuture<String> payLater() {
      return registry.semaphore("payments").acquire(Duration.ofMillis(20))
          .thenApply(permit -> {
            permit.release();
            return "paid";
          });
    }

    @GetMapping("/pay-each")
    Flux<String> payEach() {
      return Mono.fromFuture(() -> registry.semaphore("payments").acquire(Duration.ofMillis(20)))
          .flatMapMany(permit -> {
            permit.release();
            return Flux.just("paid", "twice");
          });
    }

    @GetMapping("/pay")
    Mono<String> pay() {
      return Mono.fromFuture(() -> registry.semaphore("payments").acquire(Duration.ofMillis(20)))
          .map(permit -> {
            permit.release();
            return "paid";
          });
    }
  }
}
