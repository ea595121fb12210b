package dev.baton.spring.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.jayway.jsonpath.JsonPath;
import dev.baton.AcquireTimeoutException;
import dev.baton.Permit;
import dev.baton.spring.Http;
import dev.baton.spring.PrimitiveRegistry;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Import;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * A Spring MVC application on a real port: a timeout escaping a controller answers 503 with a
 * problem detail and Retry-After, unless the application handles it or turns this off.
 */
@ExtendWith(OutputCaptureExtension.class)
class TimeoutsAnswerServiceUnavailableTest {

  @Test
  void aTimeoutEscapingAControllerAnswers503NamingThePrimitiveAndLogsNoError(
      CapturedOutput output) {
    try (ConfigurableApplicationContext app = start("baton.web.retry-after=2500ms")) {
      Permit held = app.getBean(PrimitiveRegistry.class).semaphore("payments").acquire().join();
      try {
        for (String path : new String[] {"/async", "/sync"}) {
          HttpResponse<String> response = Http.get(app, path);
          assertThat(response.statusCode()).as(path).isEqualTo(503);
          assertThat(response.headers().firstValue("Retry-After")).hasValue("3");
          assertThat(response.headers().firstValue("Content-Type"))
              .hasValueSatisfying(type -> assertThat(type).startsWith("application/problem+json"));
          assertThat(JsonPath.<Integer>read(response.body(), "$.status")).isEqualTo(503);
          assertThat(JsonPath.<String>read(response.body(), "$.primitive"))
              .isEqualTo("semaphore");
          assertThat(JsonPath.<String>read(response.body(), "$.name")).isEqualTo("payments");
          assertThat(JsonPath.<String>read(response.body(), "$.detail"))
              .isEqualTo("timed out after PT0.02S waiting for semaphore 'payments'");
        }
      } finally {
        held.release();
      }
      assertThat(Http.get(app, "/async").statusCode()).isEqualTo(200);
    }
    assertThat(output).doesNotContain("ERROR").doesNotContain("AcquireTimeoutException");
  }

  /**
   * A per-key lock's timeout names its family, never the key, which may be user data (the
   * problem's {@code instance}, the request's own path, is the client's).
   */
  @Test
  void aTimeoutOfAPerKeyLockNamesItsFamilyAndNeverTheKey() {
    String key = "sku-SENTINEL-4711";
    try (ConfigurableApplicationContext app = start()) {
      Permit held = app.getBean(PrimitiveRegistry.class).lock("stock", key).acquire().join();
      try {
        HttpResponse<String> response = Http.get(app, "/stock/" + key);
        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(JsonPath.<String>read(response.body(), "$.primitive")).isEqualTo("lock");
        assertThat(JsonPath.<String>read(response.body(), "$.name")).isEqualTo("stock");
        assertThat(JsonPath.<String>read(response.body(), "$.detail"))
            .isEqualTo("timed out after PT0.02S waiting for lock 'stock'");
        assertThat(JsonPath.<String>read(response.body(), "$.title"))
            .doesNotContain("SENTINEL");
      } finally {
        held.release();
      }
    }
  }

  /**
   * Only an {@code AcquireTimeoutException} answers 503: any other failure escaping a controller
   * stays a server error, with no {@code Retry-After} inviting clients to try again.
   */
  @Test
  void anotherFailureEscapingAControllerStaysAServerErrorWithoutRetryAfter() {
    try (ConfigurableApplicationContext app = start()) {
      HttpResponse<String> response = Http.get(app, "/broken");

      assertThat(response.statusCode()).isEqualTo(500);
      assertThat(response.headers().firstValue("Retry-After")).isEmpty();
    }
  }

  @Test
  void anExceptionHandlerOfTheApplicationWins() {
    try (ConfigurableApplicationContext app = start()) {
      Permit held = app.getBean(PrimitiveRegistry.class).semaphore("payments").acquire().join();
      try {
        assertThat(Http.get(app, "/own").statusCode()).isEqualTo(429);
      } finally {
        held.release();
      }
    }
  }

  @Test
  void anExceptionHandlerInAnAdviceOfTheApplicationWinsToo() {
    try (ConfigurableApplicationContext app = new SpringApplicationBuilder(AdvisedApp.class)
        .properties("spring.main.banner-mode=off", "server.port=0",
            "baton.semaphores.payments.permits=1").run()) {
      Permit held = app.getBean(PrimitiveRegistry.class).semaphore("payments").acquire().join();
      try {
        assertThat(Http.get(app, "/async").statusCode()).isEqualTo(429);
      } finally {
        held.release();
      }
    }
  }

  @Test
  void turnedOffATimeoutIsAServerErrorAgain() {
    try (ConfigurableApplicationContext app = start("baton.web.enabled=false")) {
      Permit held = app.getBean(PrimitiveRegistry.class).semaphore("payments").acquire().join();
      try {
        assertThat(Http.get(app, "/async").statusCode()).isEqualTo(500);
      } finally {
        held.release();
      }
    }
  }

  private static ConfigurableApplicationContext start(String... properties) {
    return new SpringApplicationBuilder(App.class).properties("spring.main.banner-mode=off",
        "server.port=0", "baton.semaphores.payments.permits=1").properties(properties).run();
  }

  /** {@link App}'s payments, with a controller advice of the application's own for timeouts. */
  @SpringBootConfiguration(proxyBeanMethods = false)
  @EnableAutoConfiguration
  @Import(App.Payments.class)
  static class AdvisedApp {

    @RestControllerAdvice
    static class Busy {
      @ExceptionHandler(AcquireTimeoutException.class)
      ResponseEntity<String> busy(AcquireTimeoutException timeout) {
        return ResponseEntity.status(HttpStatus.TOO_MANY_REQUESTS).body("busy");
      }
    }
  }

  @SpringBootConfiguration(proxyBeanMethods = false)
  @EnableAutoConfiguration
  static class App {

    @RestController
    static class Payments {
      private static final Duration PATIENCE = Duration.ofMillis(20);
      private final PrimitiveRegistry registry;

      Payments(PrimitiveRegistry registry) {
        this.registry = registry;
      }

      @GetMapping("/async")
      CompletableFuture<String> async() {
        return registry.semaphore("payments").acquire(PATIENCE)
            .thenApply(permit -> {
              permit.release();
              return "paid";
            });
      }

      @GetMapping("/sync")
      String sync() {
        registry.semaphore("payments").acquire(PATIENCE).join().release();
        return "paid";
      }

      @GetMapping("/broken")
      String broken() {
        throw new IllegalStateException("not a timeout");
      }
    }

    @RestController
    static class Stock {
      private final PrimitiveRegistry registry;

      Stock(PrimitiveRegistry registry) {
        this.registry = registry;
      }

      @GetMapping("/stock/{sku}")
      CompletableFuture<String> reserve(@PathVariable String sku) {
        return registry.lock("stock", sku).acquire(Duration.ofMillis(20))
            .thenApply(permit -> {
              permit.release();
              return "reserved";
            });
      }
    }

    @RestController
    static class OwnHandling {
      private final PrimitiveRegistry registry;

      OwnHandling(PrimitiveRegistry registry) {
        this.registry = registry;
      }

      @GetMapping("/own")
      CompletableFuture<String> own() {
        return registry.semaphore("payments").acquire(Duration.ofMillis(20))
            .thenApply(permit -> {
              permit.release();
              return "paid";
            });
      }

      @ExceptionHandler(AcquireTimeoutException.class)
      ResponseEntity<String> busy(AcquireTimeoutException timeout) {
        return ResponseEntity.status(HttpStatus.TOO_MANY_REQUESTS).body("busy");
      }
    }
  }
}
