package dev.baton.sample;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.json.JsonMapper;

/**
 * Real clients, misbehaving, against the running sample app. A seeded plan of a few hundred HTTP
 * requests to every endpoint (product reads, catalog reloads, payment bursts, stock reservations,
 * rushes and restocks, orders, every scenario, overlapping runs of one scenario, the actuator
 * endpoints the live page reads), started at random moments over a few seconds, some with bad
 * input (quantities and counts out of range or not numbers, counts in the billions, odd or
 * oversized SKUs, wrong methods), many abandoned by their client: cancelled mid-request, given a
 * client timeout of a few milliseconds, or sent over a raw socket that is reset after a while,
 * some before the request is even complete. Now and then a deadlock scenario runs, and a rush on
 * one SKU long enough that the reservations queued behind it time out. Spring MVC goes on with a
 * request whose client has left, so every call the app started must still end and let go of what
 * it took.
 *
 * <p>Checked while it runs: every answer that arrives is one its request may get (a {@code 5xx}
 * only as a {@code 503} problem naming the primitive that timed out), a payment burst never has
 * more than the three permits' charges in flight, stock levels never go negative, the lock and
 * semaphore scenarios keep their exclusion, and health stays UP. Then, once the app is quiet:
 * the {@code baton} endpoint shows no holder and no waiter on any primitive (but the order
 * workers' two idle takes), no per-key lock left, nothing queued or unfinished and the catalog
 * loaded; the stall view no stuck call, stall, re-entry or leaked permit, and no pending wait;
 * the Baton gauges read the same, every semaphore with all its permits; every order the app
 * accepted is settled; and normal requests are served as before.
 *
 * <p>The seed is in the failure message ({@code -Dbaton.fuzz.seed} replays the plan; timing
 * varies); {@code -Dbaton.stress} multiplies the requests and the time they are spread over.
 */
@TestPropertySource(properties = {"sample.instance=http-fuzz", "baton.endpoint.show-keys=true"})
@DirtiesContext
@Timeout(180)
class HttpTrafficFuzzTest extends RunningSampleAppTest {

  private static final int STRESS = Math.max(1, Integer.getInteger("baton.stress", 1));
  private static final Long REPLAY_SEED = Long.getLong("baton.fuzz.seed");
  private static final int REQUESTS = 200 * STRESS;
  private static final int WINDOW_MILLIS = 4_000 * STRESS;
  /** How long a request its client waits for may take to be answered. */
  private static final Duration PATIENCE = Duration.ofSeconds(30);
  /** The order workers, each with a take pending on {@code orders} while idle. */
  private static final int ORDER_WORKERS = 2;
  private static final List<String> SKUS = List.of("tea", "coffee", "cocoa", "mate");
  private static final List<String> ODD_SKUS = List.of("nothing", "t%C3%A9", "a%20b", "TEA",
      "tea%3Bx", "%2F", "x".repeat(300), "y".repeat(9_000));
  private static final List<String> SCENARIOS =
      List.of("event", "lock", "semaphore", "condition", "combined", "queue");
  /** The locks the deadlock scenario takes in opposite orders, as the stall view names them. */
  private static final Set<String> DEADLOCK_LOCKS = Set.of("lock 'inventory'", "lock 'ledger'");
  private static final Set<Integer> OK = Set.of(200);
  private static final Set<Integer> OK_OR_TIMED_OUT = Set.of(200, 503);
  private static final Set<Integer> REFUSED = Set.of(400);
  private static final Set<Integer> NOT_FOUND = Set.of(404);
  private static final Set<Integer> ODD = Set.of(400, 404);
  private static final Set<Integer> ODD_OR_TIMED_OUT = Set.of(400, 404, 503);
  /** An order of an odd SKU is queued (and fails later), unless its URL is too long. */
  private static final Set<Integer> ODD_ORDER = Set.of(200, 400);

  @LocalServerPort
  private int port;

  private final JsonMapper json = JsonMapper.builder().build();
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();
  private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(4);
  private final List<String> problems = new CopyOnWriteArrayList<>();

  @AfterEach
  void stopScheduler() {
    scheduler.shutdownNow();
  }

  @Test
  void abandonedAndBadRequestsLeaveTheAppQuietAndServing() {
    long seed = REPLAY_SEED != null ? REPLAY_SEED : ThreadLocalRandom.current().nextLong();
    try {
      run(seed);
    } catch (Throwable t) {
      throw new AssertionError("seed " + seed + " (replay: -Dtest=" + getClass().getSimpleName()
          + " -Dbaton.fuzz.seed=" + seed + "): " + t, t);
    }
  }

  private void run(long seed) throws Exception {
    List<Request> plan = plan(new Random(seed));
    CompletableFuture<?>[] ended = plan.stream().map(this::start)
        .toArray(CompletableFuture[]::new);
    CompletableFuture.allOf(ended)
        .get(WINDOW_MILLIS + PATIENCE.toMillis() + 10_000, TimeUnit.MILLISECONDS);
    assertThat(problems).as("answers while the requests ran").isEmpty();

    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
        .untilAsserted(this::assertQuiet);

    assertStillServing();
  }

  // ---------------------------------------------------------------------------------------------
  // The plan

  /** How a request's client behaves. */
  enum Abort {
    /** Waits for the answer. */
    NONE,
    /** Cancels the request's future after {@link Request#abortMillis}. */
    CANCEL,
    /** Gives the request a client timeout of {@link Request#abortMillis}. */
    CLIENT_TIMEOUT,
    /** Sends the whole request on a raw socket and resets it after the delay. */
    RESET,
    /** Sends the request line and part of the headers, then resets the socket. */
    HEAD_ONLY,
    /** Sends the headers and part of the body they announce, then resets the socket. */
    SHORT_BODY
  }

  /**
   * One request of the plan.
   *
   * @param atMillis when it starts, from the start of the run
   * @param target what it asks for, and the answers it may get
   * @param abort how its client behaves
   * @param abortMillis when its client gives up, for the aborts that do
   */
  record Request(int atMillis, Target target, Abort abort, int abortMillis) {}

  /**
   * What a request asks for.
   *
   * @param method the HTTP method
   * @param path the path and query, encoded
   * @param answers the statuses it may be answered with
   * @param check what a {@code 200} answer's body must satisfy
   */
  record Target(String method, String path, Set<Integer> answers, Consumer<String> check) {

    Target(String method, String path, Set<Integer> answers) {
      this(method, path, answers, body -> { });
    }

    @Override
    public String toString() {
      return method + " " + (path.length() > 80 ? path.substring(0, 80) + "..." : path);
    }
  }

  private List<Request> plan(Random random) {
    List<Request> plan = new ArrayList<>();
    for (int i = 0; i < REQUESTS; i++) {
      plan.add(request(random, target(random)));
    }
    for (int i = 0; i < STRESS; i++) {
      if (random.nextBoolean()) {
        plan.add(request(random, new Target("POST", "/scenarios/deadlock", OK_OR_TIMED_OUT)));
      }
      if (random.nextBoolean()) {
        int count = 120 + random.nextInt(70);
        plan.add(request(random, rush(SKUS.get(random.nextInt(SKUS.size())), count)));
      }
    }
    return plan;
  }

  private Request request(Random random, Target target) {
    int roll = random.nextInt(100);
    Abort abort = roll < 50 ? Abort.NONE : roll < 65 ? Abort.CANCEL
        : roll < 78 ? Abort.CLIENT_TIMEOUT : roll < 90 ? Abort.RESET
        : roll < 95 ? Abort.HEAD_ONLY : Abort.SHORT_BODY;
    int abortMillis = random.nextInt(4) == 0 ? random.nextInt(5) : random.nextInt(600);
    return new Request(random.nextInt(WINDOW_MILLIS), target, abort, abortMillis);
  }

  private Target target(Random random) {
    int roll = random.nextInt(100);
    String sku = random.nextInt(6) == 0
        ? ODD_SKUS.get(random.nextInt(ODD_SKUS.size()))
        : SKUS.get(random.nextInt(SKUS.size()));
    boolean known = SKUS.contains(sku);
    if (roll < 10) {
      return new Target("GET", "/catalog/products/" + sku,
          known ? OK_OR_TIMED_OUT : ODD_OR_TIMED_OUT,
          body -> assertThat(json.readValue(body, Product.class).sku()).isEqualTo(sku));
    }
    if (roll < 12) {
      return new Target("POST", "/catalog/reload", OK);
    }
    if (roll < 20) {
      int count = random.nextInt(6) - 1;
      return new Target("POST", "/payments/burst/" + count, count < 0 ? REFUSED : OK_OR_TIMED_OUT,
          body -> {
            Burst burst = json.readValue(body, Burst.class);
            assertThat(burst.charged()).isEqualTo(count);
            assertThat(burst.mostInFlight()).as("charges in flight").isBetween(0, 3);
          });
    }
    if (roll < 25) {
      return new Target("GET", "/stock", OK, body -> json.readValue(body, Levels.class)
          .forEach((name, level) -> assertThat(level).as(name).isNotNegative()));
    }
    if (roll < 40) {
      String quantity = List.of("-1", "0", "1", "1", "2", "3", "abc", "99999999999")
          .get(random.nextInt(8));
      boolean valid = !quantity.startsWith("-") && !quantity.equals("0")
          && quantity.chars().allMatch(Character::isDigit) && quantity.length() < 10;
      return new Target("POST", "/stock/" + sku + "/reservations?quantity=" + quantity,
          !valid ? REFUSED : known ? OK_OR_TIMED_OUT : ODD_OR_TIMED_OUT,
          body -> assertThat(json.readValue(body, Reservation.class).remaining()).isNotNegative());
    }
    if (roll < 46) {
      int count = random.nextInt(10) - 1;
      return known ? rush(sku, count)
          : new Target("POST", "/stock/" + sku + "/rush/" + count, ODD);
    }
    if (roll < 50) {
      String quantity = List.of("-1", "0", "1", "3", "5", "2147483647", "x").get(random.nextInt(7));
      boolean valid = !quantity.startsWith("-") && !quantity.equals("0") && !quantity.equals("x");
      return new Target("POST", "/stock/" + sku + "/restock?quantity=" + quantity,
          !valid ? REFUSED : known ? Set.of(200, 400, 503) : ODD_OR_TIMED_OUT,
          body -> json.readValue(body, Levels.class)
              .forEach((name, level) -> assertThat(level).as(name).isPositive()));
    }
    if (roll < 58) {
      int quantity = random.nextInt(4);
      String query = random.nextInt(10) == 0
          ? "quantity=1" : "sku=" + sku + "&quantity=" + quantity;
      boolean valid = query.contains("sku=") && quantity > 0;
      return new Target("POST", "/orders?" + query, !valid ? REFUSED : known ? OK : ODD_ORDER);
    }
    if (roll < 62) {
      int count = random.nextInt(6) - 1;
      return new Target("POST", "/orders/burst/" + count + "?sku=" + sku,
          count < 0 ? REFUSED : known ? OK : ODD_ORDER);
    }
    if (roll < 65) {
      return new Target("GET", "/orders", OK);
    }
    if (roll < 74) {
      return scenario(random.nextInt(12) == 0 ? "nope" : SCENARIOS.get(random.nextInt(6)));
    }
    if (roll < 86) {
      String path = List.of("/actuator/baton", "/actuator/batonstalls", "/actuator/prometheus",
          "/actuator/health", "/actuator/baton/payments", "/scenarios", "/")
          .get(random.nextInt(7));
      return new Target("GET", path, OK);
    }
    if (roll < 88) {
      // A per-key family joins the registry at its first key's use, not at start-up.
      return new Target("GET", "/actuator/baton/stock", Set.of(200, 404));
    }
    return List.of(
        new Target("GET", "/payments/burst/3", Set.of(405)),
        new Target("DELETE", "/orders", Set.of(405)),
        new Target("POST", "/payments/burst/abc", REFUSED),
        new Target("POST", "/payments/burst/99999999999", REFUSED),
        new Target("POST", "/stock/tea/rush/x", REFUSED),
        new Target("POST", "/orders/burst/2", REFUSED),
        new Target("GET", "/nothing/here", NOT_FOUND),
        new Target("POST", "/scenarios/", Set.of(404, 405)),
        new Target("POST", "/payments/burst/" + Integer.MAX_VALUE, REFUSED),
        new Target("POST", "/stock/tea/rush/" + (BadRequests.MAX_COUNT + 1), REFUSED),
        new Target("POST", "/orders/burst/100000?sku=tea", REFUSED))
        .get(random.nextInt(11));
  }

  private Target rush(String sku, int count) {
    return new Target("POST", "/stock/" + sku + "/rush/" + count,
        count < 0 ? REFUSED : OK_OR_TIMED_OUT, body -> {
          Rush rush = json.readValue(body, Rush.class);
          assertThat(rush.accepted()).isBetween(0, count);
          assertThat(rush.remaining()).isNotNegative();
        });
  }

  private Target scenario(String name) {
    Consumer<String> check = switch (name) {
      case "lock" -> body -> assertExclusive(body, "demo-lock", 1);
      case "semaphore" -> body -> assertExclusive(body, "demo-semaphore", 2);
      default -> body -> assertThat(json.readValue(body, Run.class).scenario()).isEqualTo(name);
    };
    return new Target("POST", "/scenarios/" + name,
        SCENARIOS.contains(name) ? OK_OR_TIMED_OUT : NOT_FOUND, check);
  }

  /** Never more than {@code permits} workers of the run hold {@code primitive}; all let go. */
  private void assertExclusive(String body, String primitive, int permits) {
    int holding = 0;
    for (Event event : json.readValue(body, Run.class).events()) {
      if (event.on().equals(primitive) && event.action().equals("acquired")) {
        holding++;
      } else if (event.on().equals(primitive) && event.action().equals("released")) {
        holding--;
      }
      assertThat(holding).as("holders of %s after %s", primitive, event).isBetween(0, permits);
    }
    assertThat(holding).as("holders of %s at the end", primitive).isZero();
  }

  // ---------------------------------------------------------------------------------------------
  // Sending

  /** Starts {@code request} at its moment; the future completes once its client is done. */
  private CompletableFuture<Void> start(Request request) {
    CompletableFuture<Void> ended = new CompletableFuture<>();
    scheduler.schedule(() -> {
      try {
        switch (request.abort()) {
          case NONE, CANCEL, CLIENT_TIMEOUT -> send(request, ended);
          case RESET, HEAD_ONLY, SHORT_BODY -> sendRaw(request, ended);
        }
      } catch (IOException | RuntimeException e) {
        problems.add(request + " could not be sent: " + e);
        ended.complete(null);
      }
    }, request.atMillis(), TimeUnit.MILLISECONDS);
    return ended;
  }

  private void send(Request request, CompletableFuture<Void> ended) {
    Target target = request.target();
    Duration timeout = request.abort() == Abort.CLIENT_TIMEOUT
        ? Duration.ofMillis(request.abortMillis() + 1) : PATIENCE;
    HttpRequest httpRequest = HttpRequest.newBuilder(URI.create(base() + target.path()))
        .method(target.method(), HttpRequest.BodyPublishers.noBody()).timeout(timeout).build();
    CompletableFuture<HttpResponse<String>> sent =
        http.sendAsync(httpRequest, HttpResponse.BodyHandlers.ofString());
    if (request.abort() == Abort.CANCEL) {
      scheduler.schedule(() -> sent.cancel(true), request.abortMillis(), TimeUnit.MILLISECONDS);
    }
    sent.whenComplete((response, failure) -> {
      try {
        if (response != null) {
          checkAnswer(request, response);
        } else if (request.abort() == Abort.NONE || !abandoned(failure)) {
          problems.add(request + " failed: " + failure);
        }
      } catch (RuntimeException e) {
        problems.add(request + " answered " + response.body() + ": " + e);
      } finally {
        ended.complete(null);
      }
    });
  }

  /** Writes the request, or part of it, on a socket of its own and resets it after the delay. */
  private void sendRaw(Request request, CompletableFuture<Void> ended) throws IOException {
    Target target = request.target();
    String head = target.method() + " " + target.path() + " HTTP/1.1\r\nHost: localhost\r\n";
    String sent = switch (request.abort()) {
      case HEAD_ONLY -> head + "Accept: app";
      case SHORT_BODY -> head + "Content-Type: text/plain\r\nContent-Length: 64\r\n\r\nsome";
      default -> head + "Content-Length: 0\r\n\r\n";
    };
    Socket socket = new Socket();
    try {
      socket.connect(new InetSocketAddress("localhost", port), 5_000);
      socket.getOutputStream().write(sent.getBytes(ISO_8859_1));
      socket.getOutputStream().flush();
    } catch (IOException e) {
      socket.close();
      throw e;
    }
    scheduler.schedule(() -> {
      try {
        socket.setSoLinger(true, 0);
        socket.close();
      } catch (IOException e) {
        problems.add(request + ": could not reset its socket: " + e);
      }
      ended.complete(null);
    }, request.abortMillis(), TimeUnit.MILLISECONDS);
  }

  private static boolean abandoned(Throwable failure) {
    Throwable cause = failure instanceof CompletionException && failure.getCause() != null
        ? failure.getCause() : failure;
    return cause instanceof CancellationException || cause instanceof IOException;
  }

  private void checkAnswer(Request request, HttpResponse<String> response) {
    int status = response.statusCode();
    String body = response.body();
    if (!request.target().answers().contains(status)) {
      problems.add(request + " answered " + status + ": " + body);
    } else if (status == 503) {
      Problem problem = json.readValue(body, Problem.class);
      if (problem.primitive() == null || problem.name() == null) {
        problems.add(request + " answered 503 naming no primitive: " + body);
      }
    } else if (status == 200) {
      try {
        request.target().check().accept(body);
      } catch (AssertionError e) {
        problems.add(request + " answered " + body + ": " + e.getMessage());
      }
    }
  }

  private String base() {
    return "http://localhost:" + port;
  }

  // ---------------------------------------------------------------------------------------------
  // Quiet and still serving

  private void assertQuiet() {
    for (Primitive primitive : client.getJson("/actuator/baton", Primitives.class).primitives()) {
      assertQuiet(primitive);
    }
    Stalls stalls = client.getJson("/actuator/batonstalls", Stalls.class);
    assertThat(stalls.deadlocks()).as("stuck calls").isEmpty();
    assertThat(stalls.stalls()).as("stalls").isEmpty();
    assertThat(stalls.reentries()).as("re-entries").isEmpty();
    assertThat(stalls.inversions()).as("lock-order inversions, the deadlock scenario's only")
        .flatExtracting(Inversion::steps)
        .allSatisfy(step -> assertThat(List.of(step.first(), step.then()))
            .allMatch(DEADLOCK_LOCKS::contains));
    assertThat(stalls.leakedPermits()).as("leaked permits").isEmpty();
    assertThat(stalls.pendingWaits()).as("pending waits").isZero();
    assertThat(stalls.waitsOfUnknownCalls()).as("waits of unknown calls").isZero();
    HttpResponse<String> health = client.get("/actuator/health");
    assertThat(health.statusCode()).as(health.body()).isEqualTo(200);
    assertThat(json.readValue(health.body(), Health.class).status()).isEqualTo("UP");
    assertGaugesQuiet(client.get("/actuator/prometheus").body());
    OrderStatus orders = client.getJson("/orders", OrderStatus.class);
    assertThat(orders.ledger().settled()).as("orders settled of those placed, " + orders)
        .isEqualTo(orders.placed());
    assertThat(orders.queued()).as("orders queued").isZero();
    assertThat(orders.unfinished()).as("orders unfinished").isZero();
    json.readValue(client.get("/stock").body(), Levels.class)
        .forEach((sku, level) -> assertThat(level).as("level of " + sku).isNotNegative());
  }

  private static void assertQuiet(Primitive primitive) {
    String what = primitive.toString();
    boolean orders = primitive.name().equals("orders");
    assertThat(primitive.waiters()).as("waiters of " + what).isEqualTo(orders ? ORDER_WORKERS : 0);
    assertThat(primitive.oldestHolder()).as("oldest holder of " + what).isNull();
    if (primitive.holders() != null) {
      assertThat(primitive.holders()).as("holders of " + what).isZero();
    }
    switch (primitive.kind()) {
      case "lock", "condition" -> assertThat(primitive.state()).as(what).isEqualTo("free");
      case "semaphore" -> assertThat(primitive.permits().available()).as("permits of " + what)
          .isEqualTo(primitive.permits().max());
      case "lock-family" -> {
        assertThat(primitive.activeKeys()).as("active keys of " + what).isZero();
        assertThat(primitive.keys()).as("keys of " + what).isEmpty();
      }
      case "queue" -> {
        assertThat(primitive.size()).as("size of " + what).isZero();
        assertThat(primitive.unfinished()).as("unfinished of " + what).isZero();
        assertThat(primitive.putters()).as("putters of " + what).isZero();
        assertThat(primitive.takers()).as("takers of " + what)
            .isEqualTo(orders ? ORDER_WORKERS : 0);
      }
      case "event" -> {
        if (primitive.name().equals("catalog-loaded")) {
          assertThat(primitive.state()).as("the catalog, loaded").isEqualTo("set");
        }
      }
      default -> { }
    }
    if (primitive.lockWaiters() != null) {
      assertThat(primitive.lockWaiters()).as("lock waiters of " + what).isZero();
    }
  }

  /**
   * The Baton gauges of the scrape: nothing held, waited for, queued or unfinished (but the order
   * workers' idle takes), and every semaphore's permits all available.
   */
  private static void assertGaugesQuiet(String scrape) {
    Map<String, Double> available = new HashMap<>();
    Map<String, Double> max = new HashMap<>();
    for (String line : scrape.lines().filter(l -> l.startsWith("baton_")).toList()) {
      int space = line.lastIndexOf(' ');
      String series = line.substring(0, space);
      double value = Double.parseDouble(line.substring(space + 1));
      String meter = series.contains("{") ? series.substring(0, series.indexOf('{')) : series;
      boolean ordersTakes = series.contains("name=\"orders\"")
          && (meter.equals("baton_wait_oldest_seconds") || series.contains("side=\"take\""));
      switch (meter) {
        case "baton_semaphore_permits_available" -> available.put(series.substring(meter.length()),
            value);
        case "baton_semaphore_permits_max" -> max.put(series.substring(meter.length()), value);
        case "baton_lock_held", "baton_lock_waiters", "baton_lock_keys_active",
            "baton_semaphore_waiters", "baton_event_waiters", "baton_condition_waiters",
            "baton_queue_size", "baton_queue_unfinished", "baton_barrier_waiting",
            "baton_hold_oldest_seconds", "baton_stalls_leaks_total",
            "baton_stalls_reentries_total" -> assertThat(value).as(series).isZero();
        case "baton_queue_waiters", "baton_wait_oldest_seconds" -> {
          if (ordersTakes && meter.equals("baton_queue_waiters")) {
            assertThat(value).as(series).isEqualTo(ORDER_WORKERS);
          } else if (!ordersTakes) {
            assertThat(value).as(series).isZero();
          }
        }
        default -> { }
      }
    }
    assertThat(max).as("semaphores scraped").isNotEmpty();
    assertThat(available).as("permits available, against their max").isEqualTo(max);
  }

  /** Normal requests, answered as on a fresh app. */
  private void assertStillServing() {
    Burst burst = client.postJson("/payments/burst/3", Burst.class);
    assertThat(burst.charged()).isEqualTo(3);
    assertThat(burst.mostInFlight()).as("charges in flight, on three permits").isBetween(1, 3);
    assertThat(client.getJson("/catalog/products/tea", Product.class).sku()).isEqualTo("tea");
    HttpResponse<String> lockRun = client.post("/scenarios/lock");
    assertThat(lockRun.statusCode()).as(lockRun.body()).isEqualTo(200);
    assertExclusive(lockRun.body(), "demo-lock", 1);
    assertThat(client.post("/stock/coffee/restock?quantity=1").statusCode())
        .as("a restock, refused only at the largest level").isIn(200, 400);
    assertThat(client.postJson("/stock/coffee/reservations", Reservation.class).accepted())
        .as("a reservation of a unit just restocked").isTrue();
    long placed = client.getJson("/orders", OrderStatus.class).placed();
    client.postJson("/orders?sku=tea", Object.class);
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      OrderStatus orders = client.getJson("/orders", OrderStatus.class);
      assertThat(orders.placed()).isEqualTo(placed + 1);
      assertThat(orders.ledger().settled()).isEqualTo(placed + 1);
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Answers, as far as read

  record Product(String sku) {}

  record Burst(int charged, int mostInFlight) {}

  record Rush(int requested, int accepted, int remaining) {}

  record Reservation(boolean accepted, int remaining) {}

  /** Stock levels per SKU. */
  static final class Levels extends java.util.TreeMap<String, Integer> {}

  record Event(String actor, String action, String on) {}

  record Run(String scenario, List<Event> events) {}

  record Problem(int status, String primitive, String name) {}

  record Permits(int max, int available) {}

  record Primitive(String name, String kind, String state, int waiters, Integer holders,
      Object oldestHolder, Permits permits, Integer activeKeys, List<Object> keys,
      Integer lockWaiters, Integer size, Integer unfinished, Integer putters, Integer takers) {}

  record Primitives(List<Primitive> primitives) {}

  record Step(String first, String then) {}

  record Inversion(List<Step> steps) {}

  record Stalls(List<Object> deadlocks, List<Object> stalls, List<Object> reentries,
      List<Inversion> inversions, List<Object> leakedPermits, int pendingWaits,
      int waitsOfUnknownCalls) {}

  record Health(String status) {}

  record Ledger(long settled) {}

  record OrderStatus(long placed, int queued, int unfinished, Ledger ledger) {}
}
