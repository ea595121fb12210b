package dev.baton.spring.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.AsyncSemaphore;
import dev.baton.annotation.Limited;
import dev.baton.spring.Http;
import dev.baton.spring.PrimitiveRegistry;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledForJreRange;
import org.junit.jupiter.api.condition.JRE;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * A Spring MVC application on a real port with {@code spring.threads.virtual.enabled=true}: a
 * blocking {@code @Limited} method waits by blocking its caller, and each waiting request parks
 * only its virtual thread: 200 wait at once on two carrier threads.
 *
 * <p>Virtual threads need Java 21, and the sources are compiled for 17, so this runs in a second
 * surefire execution on the Temurin 25 JDK (the {@code java25} profile of this module's pom).
 */
@EnabledForJreRange(min = JRE.JAVA_21)
@Timeout(120)
class VirtualThreadsTest {

  private static final int REQUESTS = 200;
  private static final int PERMITS = 5;

  @Test
  void twoHundredConcurrentBlockingCallsOnFivePermitsAllAnswerFromVirtualThreads() {
    // Set by the java25 execution: every virtual thread runs on one of two carrier threads, so
    // 200 requests can wait at once only if a waiting request holds none.
    assertThat(System.getProperty("jdk.virtualThreadScheduler.maxPoolSize"))
        .as("carrier threads, limited by the java25 execution in autoconfigure/pom.xml")
        .isEqualTo("2");
    try (ConfigurableApplicationContext app = new SpringApplicationBuilder(App.class)
        .properties("spring.main.banner-mode=off", "server.port=0",
            "spring.threads.virtual.enabled=true")
        .run()) {
      Counts counts = app.getBean(Counts.class);
      AsyncSemaphore semaphore =
          app.getBean(PrimitiveRegistry.class).semaphore("payments", PERMITS);

      List<CompletableFuture<HttpResponse<String>>> responses = IntStream.range(0, REQUESTS)
          .mapToObj(i -> Http.getAsync(app, "/pay")).collect(Collectors.toList());
      try {
        // Every request is in flight at once: five inside the method, the rest blocked waiting
        // for a permit, each on its own request thread.
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(10))
            .untilAsserted(() -> assertThat(semaphore.waiters())
                .as("requests waiting for a permit, with %s inside", counts.inside)
                .isEqualTo(REQUESTS - PERMITS));
        assertThat(counts.inside).hasValue(PERMITS);
      } finally {
        counts.open.countDown();
      }

      for (CompletableFuture<HttpResponse<String>> response : responses) {
        HttpResponse<String> answer = response.orTimeout(60, TimeUnit.SECONDS).join();
        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.body()).isEqualTo("paid on a virtual thread");
      }
      assertThat(counts.calls).hasValue(REQUESTS);
      assertThat(counts.most).as("most calls inside the method at once").hasValue(PERMITS);
      assertThat(semaphore.availablePermits()).isEqualTo(PERMITS);
    }
  }

  /** {@code Thread.isVirtual()}, which a class compiled for Java 17 cannot call directly. */
  static boolean isVirtual(Thread thread) {
    try {
      return (Boolean) Thread.class.getMethod("isVirtual").invoke(thread);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("Thread.isVirtual() needs Java 21", e);
    }
  }

  @SpringBootConfiguration(proxyBeanMethods = false)
  @EnableAutoConfiguration
  static class App {

    @Bean
    Counts counts() {
      return new Counts();
    }

    @Bean
    Payments payments(Counts counts) {
      return new Payments(counts);
    }

    @RestController
    static class Checkout {
      private final Payments payments;

      Checkout(Payments payments) {
        this.payments = payments;
      }

      @GetMapping("/pay")
      String pay() throws InterruptedException {
        String thread = isVirtual(Thread.currentThread()) ? "a virtual" : "a platform";
        return payments.charge() + " on " + thread + " thread";
      }
    }
  }

  /** What the calls of {@link Payments#charge()} saw, kept outside the proxied bean. */
  static final class Counts {
    final AtomicInteger inside = new AtomicInteger();
    final AtomicInteger most = new AtomicInteger();
    final AtomicInteger calls = new AtomicInteger();
    final CountDownLatch open = new CountDownLatch(1);
  }

  /** A blocking call held inside until the test opens it. */
  public static class Payments {
    private final Counts counts;

    Payments(Counts counts) {
      this.counts = counts;
    }

    @Limited(value = "payments", permits = PERMITS, timeout = "60s")
    public String charge() throws InterruptedException {
      counts.most.accumulateAndGet(counts.inside.incrementAndGet(), Math::max);
      try {
        counts.open.await();
        counts.calls.incrementAndGet();
        return "paid";
      } finally {
        counts.inside.decrementAndGet();
      }
    }
  }
}
