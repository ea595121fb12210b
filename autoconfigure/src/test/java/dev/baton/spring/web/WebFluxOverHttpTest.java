package dev.baton.spring.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.AsyncSemaphore;
import dev.baton.Permit;
import dev.baton.annotation.Limited;
import dev.baton.spring.PrimitiveRegistry;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * {@code @Limited} in a real WebFlux application on Reactor Netty, called over real HTTP (raw
 * sockets where a client must go away at a chosen moment), one server for the class: a client
 * that leaves while waiting or while its stream runs lets go, a timeout answers 503 with a
 * {@code ProblemDetail}, a streaming body produced by an annotated service holds its permit while
 * it streams, and a synchronous annotated method fails at once on the event loop instead of
 * stalling it.
 */
@SpringBootTest(classes = WebFluxOverHttpTest.App.class,
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {"spring.main.web-application-type=reactive",
        "baton.semaphores.slots.permits=1"})
@Timeout(60)
class WebFluxOverHttpTest {

  @LocalServerPort
  int port;

  @Autowired
  PrimitiveRegistry registry;

  /** Which calls started, by id. */
  static final Map<String, CompletableFuture<Void>> STARTED = new ConcurrentHashMap<>();
  /** How each stream ended, by id: its doFinally signal. */
  static final Map<String, CompletableFuture<String>> ENDED = new ConcurrentHashMap<>();
  /** How many times the synchronous method ran. */
  static final AtomicInteger REPORTS = new AtomicInteger();
  /** When each /tidy call ran, terminated and ran its doFinally, in order. */
  static final List<String> TIDY = new CopyOnWriteArrayList<>();
  /** What each /tidy call completes with, by id. */
  static final Map<String, CompletableFuture<String>> FINISH = new ConcurrentHashMap<>();

  static CompletableFuture<Void> started(String id) {
    return STARTED.computeIfAbsent(id, any -> new CompletableFuture<>());
  }

  static CompletableFuture<String> ended(String id) {
    return ENDED.computeIfAbsent(id, any -> new CompletableFuture<>());
  }

  /** After each test, nothing is held or waited for. */
  @AfterEach
  void nothingHeld() {
    eventually().until(() -> semaphore().availablePermits() == 1 && semaphore().waiters() == 0);
    STARTED.clear();
    ENDED.clear();
    FINISH.clear();
  }

  AsyncSemaphore semaphore() {
    return registry.semaphore("slots");
  }

  static ConditionFactory eventually() {
    return Awaitility.await().atMost(Duration.ofSeconds(10)).pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(5));
  }

  Socket request(String path, String accept) throws IOException {
    Socket socket = new Socket("localhost", port);
    OutputStream out = socket.getOutputStream();
    out.write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nAccept: " + accept + "\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII));
    out.flush();
    return socket;
  }

  CompletableFuture<HttpResponse<String>> get(String path, String accept) {
    return HttpClient.newHttpClient().sendAsync(
        HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
            .header("Accept", accept).timeout(Duration.ofSeconds(20)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** Reads the event stream of {@code socket} up to its fourth event. */
  static void readFourEvents(Socket socket) throws IOException {
    BufferedReader lines = new BufferedReader(
        new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
    StringBuilder read = new StringBuilder();
    String line;
    do {
      line = lines.readLine();
      read.append(line).append('\n');
    } while (line != null && !line.contains("tick 3"));
    assertThat(line).as("read: %s", read).contains("tick 3");
  }

  @Test
  void aClientThatLeavesWhileWaitingWithdrawsItsWaitAndIsNeverGranted() throws Exception {
    Permit held = semaphore().acquire().join();
    try (Socket leaving = request("/mono?id=w", "*/*")) {
      eventually().until(() -> semaphore().waiters() == 1);
    }
    eventually().until(() -> semaphore().waiters() == 0);
    held.release();
    eventually().until(() -> semaphore().availablePermits() == 1);
    assertThat(started("w")).isNotDone();
  }

  @Test
  void anEventStreamHoldsItsPermitWhileItStreamsAndLetsGoWhenTheClientLeaves()
      throws Exception {
    try (Socket leaving = request("/sse?id=s", "text/event-stream")) {
      readFourEvents(leaving);
      assertThat(semaphore().availablePermits()).as("permits while it streams").isZero();
    }
    assertThat(ended("s").get(10, TimeUnit.SECONDS)).isEqualTo("cancel");
  }

  /**
   * A body with headers of its own, Mono<ResponseEntity<Flux<T>>>, from a controller that is not
   * annotated, around a Flux from an annotated service: the permit is held while WebFlux writes
   * the body, after the controller's Mono has completed.
   */
  @Test
  void aStreamingBodyFromAnAnnotatedServiceHoldsItsPermitWhileItStreams() throws Exception {
    try (Socket streaming = request("/download?id=d", "text/event-stream")) {
      readFourEvents(streaming);
      assertThat(ended("d")).isNotDone();
      assertThat(semaphore().availablePermits()).as("permits while it streams").isZero();
    }
    assertThat(ended("d").get(10, TimeUnit.SECONDS)).isEqualTo("cancel");
  }

  /** The same for a functional endpoint, whose handler is not annotated. */
  @Test
  void aFunctionalEndpointsBodyFromAnAnnotatedServiceHoldsItsPermitWhileItStreams()
      throws Exception {
    try (Socket streaming = request("/fn-stream?id=fn", "text/event-stream")) {
      readFourEvents(streaming);
      assertThat(ended("fn")).isNotDone();
      assertThat(semaphore().availablePermits()).as("permits while it streams").isZero();
    }
    assertThat(ended("fn").get(10, TimeUnit.SECONDS)).isEqualTo("cancel");
  }

  @Test
  void aTimeoutOfAMonoAnswers503WithAProblemDetail() throws Exception {
    Permit held = semaphore().acquire().join();
    try {
      HttpResponse<String> response =
          get("/quick", "application/json").get(20, TimeUnit.SECONDS);
      assertThat(response.statusCode()).isEqualTo(503);
      assertThat(response.headers().firstValue("Retry-After")).hasValue("1");
      assertThat(response.headers().firstValue("Content-Type"))
          .hasValue("application/problem+json");
      assertThat(response.body()).contains("\"name\":\"slots\"", "\"primitive\":\"semaphore\"",
          "timed out after PT0.1S waiting for semaphore 'slots'");
    } finally {
      held.release();
    }
  }

  /**
   * A synchronous @Limited controller method runs on the Netty event loop: it fails at once
   * rather than wait there, and the event loops stay free to answer other requests.
   */
  @Test
  void aSynchronousCallOnTheEventLoopFailsAtOnceAndLeavesTheServerResponsive()
      throws Exception {
    Permit held = semaphore().acquire().join();
    try {
      List<CompletableFuture<HttpResponse<String>>> refused = IntStream.range(0, 8)
          .mapToObj(i -> get("/report", "text/plain")).toList();
      for (CompletableFuture<HttpResponse<String>> report : refused) {
        HttpResponse<String> response = report.get(10, TimeUnit.SECONDS);
        assertThat(response.statusCode()).isEqualTo(500);
        assertThat(response.body()).contains(Slots.class.getName() + ".report()",
            "non-blocking", "on thread ");
      }
      assertThat(REPORTS).hasValue(0);
      long start = System.nanoTime();
      assertThat(get("/ping", "text/plain").get(10, TimeUnit.SECONDS).body()).isEqualTo("pong");
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
    } finally {
      held.release();
    }
  }

  /**
   * Reactor Netty does not report a client that leaves in the middle of an upload while its
   * request waits: the call runs once granted, fails to read the body, and lets go.
   */
  @Test
  void anUploadWhoseClientLeftWhileWaitingRunsOnceGrantedAndLetsGo() throws Exception {
    Permit held = semaphore().acquire().join();
    try (Socket leaving = new Socket("localhost", port)) {
      OutputStream out = leaving.getOutputStream();
      out.write(("POST /upload?id=u HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/plain"
          + "\r\nContent-Length: 1000000\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.write(new byte[200_000]);
      out.flush();
      eventually().until(() -> semaphore().waiters() == 1);
    }
    held.release();
    started("u").get(10, TimeUnit.SECONDS);
    eventually().until(() -> semaphore().availablePermits() == 1);
  }

  /**
   * Clean-up in the method's Mono's {@code doOnTerminate} runs before the next waiter's call
   * starts, so it is still under the permit; {@code doFinally} runs after the end has reached
   * Baton, which has let go by then (README: clean up in {@code doOnTerminate} or
   * {@code using}, not in {@code doFinally}).
   */
  @Test
  void cleanUpInDoOnTerminateRunsBeforeTheNextCallStarts() throws Exception {
    TIDY.clear();
    CompletableFuture<HttpResponse<String>> first = get("/tidy?id=first", "text/plain");
    started("first").get(10, TimeUnit.SECONDS);
    CompletableFuture<HttpResponse<String>> second = get("/tidy?id=second", "text/plain");
    eventually().until(() -> semaphore().waiters() == 1);
    finish("first").complete("first");
    started("second").get(10, TimeUnit.SECONDS);
    finish("second").complete("second");
    assertThat(first.get(10, TimeUnit.SECONDS).body()).isEqualTo("first");
    assertThat(second.get(10, TimeUnit.SECONDS).body()).isEqualTo("second");
    eventually().until(() -> TIDY.size() == 6);
    assertThat(TIDY.indexOf("first terminates")).isLessThan(TIDY.indexOf("second runs"));
    assertThat(TIDY).contains("first finally", "second finally");
  }

  static CompletableFuture<String> finish(String id) {
    return FINISH.computeIfAbsent(id, any -> new CompletableFuture<>());
  }

  @SpringBootConfiguration(proxyBeanMethods = false)
  @EnableAutoConfiguration
  @Import({Slots.class, Ticks.class})
  static class App {

    @Bean
    RouterFunction<ServerResponse> routes(Ticks ticks) {
      return RouterFunctions.route().GET("/fn-stream", request -> ServerResponse.ok()
          .contentType(MediaType.TEXT_EVENT_STREAM)
          .body(ticks.ticks(request.queryParam("id").orElseThrow()), String.class)).build();
    }
  }

  /** A stream of ticks every 20 ms that tells {@link #ended} how it ended. */
  static Flux<String> ticking(String id) {
    return Flux.interval(Duration.ofMillis(20)).onBackpressureBuffer().map(i -> "tick " + i)
        .doFinally(signal -> ended(id).complete(signal.toString().toLowerCase()));
  }

  /** A service under the annotation, whose stream a controller or handler wraps. */
  static class Ticks {
    @Limited("slots")
    public Flux<String> ticks(String id) {
      return ticking(id);
    }
  }

  @RestController
  static class Slots {
    @Autowired
    Ticks ticks;

    @Limited("slots")
    @GetMapping("/mono")
    public Mono<String> mono(@RequestParam String id) {
      started(id).complete(null);
      return Mono.never();
    }

    @Limited("slots")
    @GetMapping(path = "/sse", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    public Flux<String> sse(@RequestParam String id) {
      return ticking(id);
    }

    @GetMapping(path = "/download", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    public Mono<ResponseEntity<Flux<String>>> download(@RequestParam String id) {
      return Mono.just(ResponseEntity.ok().header("X-Download", id).body(ticks.ticks(id)));
    }

    @Limited(value = "slots", timeout = "100ms")
    @GetMapping("/quick")
    public Mono<String> quick() {
      return Mono.just("quick");
    }

    @Limited(value = "slots", timeout = "3s")
    @GetMapping(path = "/report", produces = MediaType.TEXT_PLAIN_VALUE)
    public String report() {
      REPORTS.incrementAndGet();
      return "report";
    }

    @Limited("slots")
    @PostMapping(path = "/upload", consumes = MediaType.TEXT_PLAIN_VALUE)
    public Mono<String> upload(@RequestParam String id, @RequestBody Mono<String> body) {
      started(id).complete(null);
      return body;
    }

    @Limited("slots")
    @GetMapping(path = "/tidy", produces = MediaType.TEXT_PLAIN_VALUE)
    public Mono<String> tidy(@RequestParam String id) {
      TIDY.add(id + " runs");
      started(id).complete(null);
      return Mono.fromFuture(finish(id)).doOnTerminate(() -> TIDY.add(id + " terminates"))
          .doFinally(signal -> TIDY.add(id + " finally"));
    }

    @GetMapping(path = "/ping", produces = MediaType.TEXT_PLAIN_VALUE)
    public String ping() {
      return "pong";
    }

    /** Shows the refusal of a synchronous call on the event loop, with its thread. */
    @ExceptionHandler(IllegalStateException.class)
    public ResponseEntity<String> refused(IllegalStateException refusal) {
      return ResponseEntity.internalServerError().contentType(MediaType.TEXT_PLAIN)
          .body(refusal.getMessage());
    }
  }
}
