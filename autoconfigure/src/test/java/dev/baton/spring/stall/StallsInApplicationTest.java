package dev.baton.spring.stall;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.jayway.jsonpath.JsonPath;
import dev.baton.AcquireTimeoutException;
import dev.baton.AsyncLock;
import dev.baton.Permit;
import dev.baton.spring.Http;
import dev.baton.spring.PrimitiveRegistry;
import dev.baton.spring.observation.CurrentCall;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The stall view in a started web application: two annotated calls that take {@code inventory}
 * (per item) and {@code ledger} in opposite orders show on the {@code batonstalls} endpoint as a
 * confirmed deadlock, are logged once, and the timeout that ends it says who held it up; the
 * item, a key, shows nowhere.
 */
@Timeout(60) // each test starts a web application: on a busy machine that alone can take 30 s
@ExtendWith(OutputCaptureExtension.class)
class StallsInApplicationTest {

  /** The item's key: user data that must never be shown. */
  private static final String SENTINEL = "sku-SENTINEL-4711";

  @Test
  void aDeadlockOfAnnotatedCallsIsConfirmedLoggedOnceAndExplainedByItsTimeouts(
      CapturedOutput output) {
    try (ConfigurableApplicationContext app = start()) {
      // The first request starts the dispatcher, which can outlast the deadlock on a busy machine.
      assertThat(Http.get(app, "/actuator/batonstalls").statusCode()).isEqualTo(200);
      CompletableFuture<Void> go = new CompletableFuture<>();
      CompletableFuture<String> placed =
          app.getBean(StallServices.OrderService.class).place(SENTINEL, go);
      CompletableFuture<String> transferred =
          app.getBean(StallServices.LedgerService.class).transfer(SENTINEL, go);

      go.complete(null);

      String body = await().atMost(Duration.ofSeconds(2)).until(
          () -> Http.get(app, "/actuator/batonstalls").body(),
          json -> JsonPath.<List<Boolean>>read(json, "$.deadlocks[*].confirmed").contains(true));
      assertThat(JsonPath.<List<String>>read(body, "$.deadlocks[0].cycle[*].site"))
          .containsExactlyInAnyOrder("OrderService.place", "LedgerService.post",
              "LedgerService.transfer", "InventoryService.reserve");
      assertThat(JsonPath.<String>read(body, "$.level")).isEqualTo("basic");
      assertThat(JsonPath.<List<String>>read(body, "$.inversions[0].steps[*].site"))
          .containsExactlyInAnyOrder("LedgerService.post", "InventoryService.reserve");
      assertThat(JsonPath.<List<String>>read(body, "$.inversions[0].steps[*].first"))
          .containsExactlyInAnyOrder("lock 'inventory'", "lock 'ledger'");
      assertThat(JsonPath.<List<String>>read(body, "$.inversions[0].steps[*].then"))
          .containsExactlyInAnyOrder("lock 'ledger'", "lock 'inventory'");
      assertThat(JsonPath.<List<Map<String, Object>>>read(body, "$.deadlocks[0].cycle[*]"))
          .allSatisfy(call -> assertThat(call).containsOnlyKeys("site", "id", "caller",
              "ageMillis", "holds", "waits").extractingByKeys("id", "ageMillis")
              .allSatisfy(number -> assertThat(number).isInstanceOf(Number.class)));
      assertThat(JsonPath.<List<Map<String, Object>>>read(body, "$.deadlocks[0].cycle[*].holds[*]"))
          .isNotEmpty().allSatisfy(hold -> assertThat(hold)
              .containsOnlyKeys("primitive", "name", "heldMillis"));
      assertThat(JsonPath.<List<Map<String, Object>>>read(body, "$.deadlocks[0].cycle[*].waits[*]"))
          .isNotEmpty().allSatisfy(wait -> assertThat(wait)
              .containsOnlyKeys("primitive", "name", "waitedMillis", "timed"));
      assertThat(JsonPath.<Integer>read(body, "$.deadlocks[0].tailOmitted")).isZero();
      assertThat(body).doesNotContain("SENTINEL");

      assertThatThrownBy(placed::join).isInstanceOf(CompletionException.class)
          .cause().isInstanceOf(AcquireTimeoutException.class)
          .hasMessageStartingWith("timed out after PT2S waiting for lock 'ledger': held for ")
          .hasMessageContaining(" by LedgerService.transfer, which waits for lock 'inventory'"
              + " in InventoryService.reserve, held for ")
          .hasMessageContaining(" by OrderService.place, this call's caller")
          .message().doesNotContain("SENTINEL");
      assertThat(transferred.join()).as("reserved once place let go").isEqualTo("reserved");
      assertThat(output.getOut().lines().filter(line -> line.contains("Baton: deadlock among")))
          .singleElement().asString()
          .contains("OrderService.place holds lock 'inventory'")
          .doesNotContain("SENTINEL");
      assertThat(output.getAll()).doesNotContain("SENTINEL");
    }
  }

  /**
   * A hold past the threshold its primitive has of its own under
   * {@code baton.stalls.primitives.NAME}, a re-entry and a leaked permit show on the endpoint with
   * the fields the README lists; the other threshold stays the global one.
   */
  @Test
  void aStallAReentryAndALeakedPermitShowOnTheEndpointWithTheirFields() {
    try (ConfigurableApplicationContext app = start("--baton.stalls.held-too-long=1h",
        "--baton.stalls.waited-too-long=1h",
        "--baton.stalls.primitives.ledger.held-too-long=50ms",
        "--baton.stalls.primitives.journal.held-too-long=100ms")) { // watched for a leak from 50 ms
      AsyncLock ledger = app.getBean(PrimitiveRegistry.class).lock("ledger");
      Permit held;
      CompletableFuture<Permit> again;
      try (CurrentCall.Scope audit = CurrentCall.open("LedgerService.audit")) {
        held = ledger.acquire().join();
        again = ledger.acquire();
      }

      String body = await().atMost(Duration.ofSeconds(5)).until(
          () -> Http.get(app, "/actuator/batonstalls").body(),
          json -> !JsonPath.<List<Object>>read(json, "$.stalls").isEmpty());
      Map<String, Object> stall = JsonPath.read(body, "$.stalls[0]");
      assertThat(stall).containsOnlyKeys("kind", "primitive", "name", "site", "millis",
          "thresholdMillis").containsEntry("kind", "held").containsEntry("primitive", "lock")
          .containsEntry("name", "ledger").containsEntry("site", "LedgerService.audit")
          .containsEntry("thresholdMillis", 50);
      assertThat(((Number) stall.get("millis")).longValue()).isGreaterThanOrEqualTo(50);
      assertThat(JsonPath.<List<Object>>read(body, "$.stalls")).as("the wait's threshold is 1 h")
          .hasSize(1);
      assertThat(JsonPath.<List<Map<String, Object>>>read(body, "$.reentries"))
          .containsExactly(Map.of("site", "LedgerService.audit",
              "holder", "LedgerService.audit", "primitive", "lock", "name", "ledger"));
      assertThat(JsonPath.<Integer>read(body, "$.pendingWaits")).isEqualTo(1);
      assertThat(JsonPath.<Integer>read(body, "$.waitsOfUnknownCalls")).isZero();

      held.release();
      again.join().release();

      takeAndDrop(app.getBean(PrimitiveRegistry.class), "LedgerService.audit");
      String leaked = await().atMost(Duration.ofSeconds(10)).until(() -> {
        System.gc(); // the leak is found once the collector has cleared the permit
        return Http.get(app, "/actuator/batonstalls").body();
      }, json -> !JsonPath.<List<Object>>read(json, "$.leakedPermits").isEmpty());
      Map<String, Object> leak = JsonPath.read(leaked, "$.leakedPermits[0]");
      assertThat(leak).containsOnlyKeys("primitive", "name", "site", "heldMillis")
          .containsEntry("primitive", "lock").containsEntry("name", "journal")
          .containsEntry("site", "LedgerService.audit");
      assertThat(leak.get("heldMillis")).isInstanceOf(Number.class);
    }
  }

  /**
   * A wait past the threshold its primitive has of its own under
   * {@code baton.stalls.primitives.NAME.waited-too-long} is a stall, while an equally long wait
   * for another primitive, under the global threshold, is not.
   */
  @Test
  void aWaitPastItsPrimitivesOwnThresholdIsAStallWhileOneUnderTheGlobalOneIsNot() {
    try (ConfigurableApplicationContext app = start("--baton.stalls.held-too-long=1h",
        "--baton.stalls.waited-too-long=1h",
        "--baton.stalls.primitives.ledger.waited-too-long=50ms")) {
      PrimitiveRegistry registry = app.getBean(PrimitiveRegistry.class);
      List<Permit> held;
      try (CurrentCall.Scope close = CurrentCall.open("LedgerService.close")) {
        held = List.of(registry.lock("ledger").acquire().join(),
            registry.lock("journal").acquire().join());
      }
      CompletableFuture<Permit> ledgerWait;
      CompletableFuture<Permit> journalWait;
      try (CurrentCall.Scope audit = CurrentCall.open("LedgerService.audit")) {
        ledgerWait = registry.lock("ledger").acquire();
        journalWait = registry.lock("journal").acquire();
      }

      String body = await().atMost(Duration.ofSeconds(5)).until(
          () -> Http.get(app, "/actuator/batonstalls").body(),
          json -> !JsonPath.<List<Object>>read(json, "$.stalls").isEmpty());
      assertThat(JsonPath.<List<Map<String, Object>>>read(body, "$.stalls"))
          .as("the wait for journal is under its 1 h").singleElement().satisfies(stall -> {
            assertThat(stall).containsEntry("kind", "waited").containsEntry("primitive", "lock")
                .containsEntry("name", "ledger").containsEntry("site", "LedgerService.audit")
                .containsEntry("thresholdMillis", 50);
            assertThat(((Number) stall.get("millis")).longValue()).isGreaterThanOrEqualTo(50);
          });
      assertThat(JsonPath.<Integer>read(body, "$.pendingWaits")).isEqualTo(2);

      held.forEach(Permit::release);
      ledgerWait.join().release();
      journalWait.join().release();
    }
  }

  /**
   * Calls stuck behind a deadlock show on the endpoint as its {@code tail}, capped at the first
   * 20 the README promises, with the rest counted in {@code tailOmitted}.
   */
  @Test
  void aLongTailOfADeadlockShowsItsFirstTwentyCallsAndCountsTheRest() {
    try (ConfigurableApplicationContext app = start()) {
      assertThat(Http.get(app, "/actuator/batonstalls").statusCode()).isEqualTo(200);
      CompletableFuture<Void> go = new CompletableFuture<>();
      CompletableFuture<String> placed =
          app.getBean(StallServices.OrderService.class).place("apple", go);
      CompletableFuture<String> transferred =
          app.getBean(StallServices.LedgerService.class).transfer("apple", go);
      go.complete(null);
      // Once the cycle is seen, LedgerService.transfer holds the ledger until the cycle ends.
      await().atMost(Duration.ofSeconds(1)).pollDelay(Duration.ZERO).until(
          () -> Http.get(app, "/actuator/batonstalls").body(),
          json -> !JsonPath.<List<Object>>read(json, "$.deadlocks").isEmpty());
      AsyncLock ledger = app.getBean(PrimitiveRegistry.class).lock("ledger");
      List<CompletableFuture<Void>> behind = new ArrayList<>();
      for (int i = 0; i < 25; i++) {
        try (CurrentCall.Scope read = CurrentCall.open("AuditService.read")) {
          behind.add(ledger.acquire().thenAccept(Permit::release));
        }
      }

      String body = await().atMost(Duration.ofSeconds(1)).pollDelay(Duration.ZERO).until(
          () -> Http.get(app, "/actuator/batonstalls").body(),
          json -> JsonPath.<List<Integer>>read(json, "$.deadlocks[*].tailOmitted").contains(5));
      assertThat(JsonPath.<List<String>>read(body, "$.deadlocks[0].tail[*].site")).hasSize(20)
          .containsOnly("AuditService.read");
      assertThat(JsonPath.<List<Map<String, Object>>>read(body, "$.deadlocks[0].tail[*]"))
          .allSatisfy(call -> assertThat(call).containsOnlyKeys("site", "id", "caller",
              "ageMillis", "holds", "waits"));

      assertThat(placed).failsWithin(Duration.ofSeconds(5));
      assertThat(transferred).succeedsWithin(Duration.ofSeconds(5));
      assertThat(behind).allSatisfy(call -> assertThat(call).succeedsWithin(Duration.ofSeconds(5)));
    }
  }

  /**
   * The README's endpoint is read-only and checks when read: a deadlock shows on it, suspected,
   * though the watchdog, which checks only once a wait has been pending for {@code confirm-after}
   * (an hour here), has not; a call made from no call has a null {@code caller}. It answers the
   * README's fields, no others, and has no selector.
   */
  @Test
  void theEndpointChecksWhenReadAndIsReadOnly() throws Exception {
    try (ConfigurableApplicationContext app = start("--baton.stalls.confirm-after=1h");
        TwoCallDeadlock deadlock = new TwoCallDeadlock(app.getBean(PrimitiveRegistry.class),
            SENTINEL, AsyncLock::acquire)) {

      String body = Http.get(app, "/actuator/batonstalls").body();

      assertThat(JsonPath.<List<Boolean>>read(body, "$.deadlocks[*].confirmed"))
          .containsExactly(false);
      assertThat(JsonPath.<Map<String, Object>>read(body, "$.deadlocks[0].cycle[0]"))
          .containsEntry("site", "OrderService.place").containsEntry("caller", null);
      assertThat(body).doesNotContain("SENTINEL");
      assertThat(JsonPath.<Map<String, Object>>read(body, "$")).containsOnlyKeys("level",
          "deadlocks", "stalls", "reentries", "inversions", "leakedPermits", "pendingWaits",
          "waitsOfUnknownCalls");
      assertThat(JsonPath.<Map<String, Object>>read(body, "$.deadlocks[0]"))
          .containsOnlyKeys("confirmed", "cycle", "tail", "tailOmitted");
      assertThat(Http.get(app, "/actuator/batonstalls/ledger").statusCode())
          .as("the endpoint takes no selector").isEqualTo(404);
      String port = app.getEnvironment().getRequiredProperty("local.server.port");
      URI endpoint = URI.create("http://localhost:" + port + "/actuator/batonstalls");
      HttpClient client = HttpClient.newHttpClient();
      for (String method : List.of("POST", "DELETE")) {
        HttpResponse<String> refused = client.send(HttpRequest.newBuilder(endpoint)
            .method(method, HttpRequest.BodyPublishers.noBody()).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(refused.statusCode()).as(method).isEqualTo(405);
      }
    }
  }

  /**
   * Starts the services' application with the stall view at {@code basic}, confirming after
   * 100 ms, and the {@code batonstalls} endpoint exposed; {@code more} adds arguments.
   */
  private static ConfigurableApplicationContext start(String... more) {
    List<String> args = new ArrayList<>(List.of("--server.port=0", "--baton.stalls.level=basic",
        "--baton.stalls.confirm-after=100ms",
        "--management.endpoints.web.exposure.include=batonstalls"));
    for (String arg : more) { // one given here replaces the default of its property
      args.removeIf(given -> given.startsWith(arg.substring(0, arg.indexOf('=') + 1)));
      args.add(arg);
    }
    return new SpringApplicationBuilder(StallServices.Application.class)
        .run(args.toArray(String[]::new));
  }

  /** Takes the {@code journal} lock in a call at {@code site} and keeps no reference to it. */
  private static void takeAndDrop(PrimitiveRegistry registry, String site) {
    try (CurrentCall.Scope call = CurrentCall.open(site)) {
      registry.lock("journal").acquire().join();
    }
  }
}
