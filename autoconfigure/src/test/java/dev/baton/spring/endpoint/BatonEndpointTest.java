package dev.baton.spring.endpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.jayway.jsonpath.JsonPath;
import dev.baton.AsyncBarrier;
import dev.baton.AsyncCondition;
import dev.baton.AsyncEvent;
import dev.baton.AsyncQueue;
import dev.baton.AsyncSemaphore;
import dev.baton.Permit;
import dev.baton.spring.Http;
import dev.baton.spring.PrimitiveRegistry;
import dev.baton.spring.endpoint.EndpointTestApplication.Ledger;
import dev.baton.spring.endpoint.EndpointTestApplication.Payments;
import dev.baton.spring.endpoint.EndpointTestApplication.Stock;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

@SpringBootTest(classes = EndpointTestApplication.class,
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
        "management.endpoints.web.exposure.include=baton",
        "baton.events.loaded.initially-set=true",
        "baton.queues.jobs.capacity=10",
        "baton.queues.backlog.order=fifo",
        "baton.queues.slots.capacity=1",
        "baton.barriers.start.parties=3"})
class BatonEndpointTest {

  @LocalServerPort
  int port;

  @Autowired
  Ledger ledger;

  @Autowired
  Payments payments;

  @Autowired
  Stock stock;

  @Autowired
  PrimitiveRegistry registry;

  @Test
  void listsEveryPrimitiveWithItsKindAndState() {
    HttpResponse<String> response = Http.get(port, "/actuator/baton");

    assertThat(response.statusCode()).isEqualTo(200);
    String body = response.body();
    assertThat(one(body, "loaded")).containsEntry("kind", "event").containsEntry("state", "set")
        .containsEntry("waiters", 0);
    assertThat(one(body, "jobs")).containsEntry("kind", "queue").containsEntry("state", "open")
        .containsEntry("size", 0).containsEntry("capacity", 10).containsEntry("unfinished", 0);
    assertThat(one(body, "backlog")).containsEntry("capacity", null);
    assertThat(one(body, "start")).containsEntry("kind", "barrier")
        .containsEntry("state", "ready").containsEntry("parties", 3);
    List<String> names = JsonPath.read(body, "$.primitives[*].name");
    assertThat(names).isSorted();
  }

  @Test
  void saysTheBackendIsLocalAndEveryPrimitiveIsThisInstances() {
    String body = Http.get(port, "/actuator/baton").body();

    assertThat(JsonPath.<String>read(body, "$.backend")).isEqualTo("local");
    assertThat(JsonPath.<Object>read(body, "$.redis")).isNull();
    List<String> scopes = JsonPath.read(body, "$.primitives[*].scope");
    assertThat(scopes).isNotEmpty().containsOnly("this-instance");
  }

  @Test
  void aHeldLockShowsItsHolderMethodAndItsWaiters() {
    CompletableFuture<String> first = new CompletableFuture<>();
    CompletableFuture<String> second = new CompletableFuture<>();
    CompletableFuture<String> firstCall = ledger.write(first);
    CompletableFuture<String> secondCall = ledger.write(second);

    Map<String, Object> held = one(Http.get(port, "/actuator/baton/ledger").body(), "ledger");
    assertThat(held).containsEntry("kind", "lock").containsEntry("state", "locked")
        .containsEntry("waiters", 1).containsEntry("holders", 1);
    assertThat(holder(held)).containsEntry("takenBy", "Ledger.write");
    assertThat(((Number) holder(held).get("heldMillis")).longValue()).isNotNegative();

    first.complete("one");
    second.complete("two");
    firstCall.join();
    secondCall.join();

    Map<String, Object> free = one(Http.get(port, "/actuator/baton/ledger").body(), "ledger");
    assertThat(free).containsEntry("state", "free").containsEntry("waiters", 0)
        .containsEntry("holders", 0).containsEntry("oldestHolder", null);
  }

  /** "takenBy (Type.method of the annotated method that took it, null when taken in code)". */
  @Test
  void aHoldHandedFromCodeToAWaitingAnnotatedCallIsTakenByItsMethod() {
    Permit inCode = registry.lock("ledger").acquire().join();
    CompletableFuture<String> done = new CompletableFuture<>();
    CompletableFuture<String> call = ledger.write(done);
    assertThat(holder(one(Http.get(port, "/actuator/baton/ledger").body(), "ledger")))
        .containsEntry("takenBy", null);

    inCode.release();

    await().untilAsserted(() -> assertThat(
        holder(one(Http.get(port, "/actuator/baton/ledger").body(), "ledger")))
        .containsEntry("takenBy", "Ledger.write"));
    done.complete("written");
    call.join();
  }

  @Test
  void aSemaphoreShowsPermitsInUseAndTheOldestHolder() {
    CompletableFuture<String> done = new CompletableFuture<>();
    CompletableFuture<String> a = payments.charge(done);
    CompletableFuture<String> b = payments.charge(done);
    CompletableFuture<String> c = payments.charge(done);

    Map<String, Object> view = one(Http.get(port, "/actuator/baton/payments").body(), "payments");
    assertThat(view).containsEntry("kind", "semaphore").containsEntry("state", "exhausted")
        .containsEntry("waiters", 1).containsEntry("holders", 2)
        .containsEntry("permits", Map.of("max", 2, "available", 0, "inUse", 2));
    assertThat(holder(view)).containsEntry("takenBy", "Payments.charge");

    done.complete("paid");
    CompletableFuture.allOf(a, b, c).join();
    assertThat(one(Http.get(port, "/actuator/baton/payments").body(), "payments"))
        .containsEntry("state", "free").containsEntry("holders", 0);
  }

  @Test
  void aLockFamilyShowsCountsButNeverItsKeys() {
    CompletableFuture<String> done = new CompletableFuture<>();
    List<CompletableFuture<String>> calls = List.of(stock.reserve("account-4711", done),
        stock.reserve("account-4711", done), stock.reserve("account-0815", done));

    String body = Http.get(port, "/actuator/baton/stock").body();
    assertThat(one(body, "stock")).containsEntry("kind", "lock-family")
        .containsEntry("state", "locked").containsEntry("activeKeys", 2)
        .containsEntry("heldKeys", 2).containsEntry("waiters", 1).doesNotContainKey("keys");
    assertThat(holder(one(body, "stock"))).containsEntry("takenBy", "Stock.reserve");
    assertThat(body).doesNotContain("4711").doesNotContain("0815");

    done.complete("reserved");
    CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).join();
    assertThat(one(Http.get(port, "/actuator/baton/stock").body(), "stock"))
        .containsEntry("state", "free").containsEntry("activeKeys", 0);
  }

  @Test
  void aSemaphoreWithSomePermitsLeftIsInUse() {
    CompletableFuture<String> done = new CompletableFuture<>();
    CompletableFuture<String> call = payments.charge(done);

    assertThat(one(Http.get(port, "/actuator/baton/payments").body(), "payments"))
        .containsEntry("state", "in-use").containsEntry("waiters", 0)
        .containsEntry("holders", 1)
        .containsEntry("permits", Map.of("max", 2, "available", 1, "inUse", 1));

    done.complete("paid");
    call.join();
  }

  /**
   * "heldMillis (how long the longest current hold has lasted)": of two holds of a semaphore, or
   * of two keys of a family, the older one's age; once it ends, the newer one's.
   */
  @Test
  void theOldestHolderIsTheLongestCurrentHoldOfASemaphoreAndOfAFamily() {
    AsyncSemaphore permits = registry.semaphore("aged", 2);
    assertOldestHolderIsTheLongest("aged", permits::acquire, permits::acquire);
    assertOldestHolderIsTheLongest("aged-keys", registry.lock("aged-keys", "a")::acquire,
        registry.lock("aged-keys", "b")::acquire);
  }

  private void assertOldestHolderIsTheLongest(String name,
      Supplier<CompletableFuture<Permit>> first, Supplier<CompletableFuture<Permit>> second) {
    long beforeOlder = System.nanoTime();
    Permit older = first.get().join();
    long olderHeld = System.nanoTime();
    await().until(() -> System.nanoTime() - olderHeld >= TimeUnit.MILLISECONDS.toNanos(100));
    long beforeNewer = System.nanoTime();
    Permit newer = second.get().join();

    assertThat(heldMillis(name)).isGreaterThanOrEqualTo(100).isLessThanOrEqualTo(
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - beforeOlder));
    older.release();
    assertThat(heldMillis(name)).isLessThanOrEqualTo(
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - beforeNewer));
    newer.release();
  }

  private long heldMillis(String name) {
    return ((Number) holder(one(Http.get(port, "/actuator/baton/" + name).body(), name))
        .get("heldMillis")).longValue();
  }

  @Test
  void aConditionCountsSignalWaitersAndLockWaitersApartAndItsHolderTakenInCode() {
    AsyncCondition condition = registry.condition("ready");
    CompletableFuture<Permit> signalled = condition.await(condition.acquire().join());
    Permit holding = condition.acquire().join();
    CompletableFuture<Permit> queued = condition.acquire();

    Map<String, Object> view = one(Http.get(port, "/actuator/baton/ready").body(), "ready");
    assertThat(view).containsEntry("kind", "condition").containsEntry("state", "locked")
        .containsEntry("waiters", 1).containsEntry("lockWaiters", 1)
        .containsEntry("holders", 1);
    assertThat(holder(view)).containsEntry("takenBy", null);

    condition.signalAll();
    CompletableFuture<Void> bothLetGo = CompletableFuture.allOf(
        queued.thenAccept(Permit::release), signalled.thenAccept(Permit::release));
    holding.release();
    bothLetGo.join();
    assertThat(one(Http.get(port, "/actuator/baton/ready").body(), "ready"))
        .containsEntry("state", "free").containsEntry("waiters", 0)
        .containsEntry("lockWaiters", 0).containsEntry("oldestHolder", null);
  }

  /**
   * "lockWaiters (waiters counts those waiting for a signal)": with one call waiting for a signal
   * and two for the lock, each count reads its own, not the other's.
   */
  @Test
  void aConditionsWaitersAndLockWaitersAreCountedApartWhenTheyDiffer() {
    AsyncCondition condition = registry.condition("apart");
    CompletableFuture<Permit> signalled = condition.await(condition.acquire().join());
    Permit holding = condition.acquire().join();
    CompletableFuture<Permit> firstQueued = condition.acquire();
    CompletableFuture<Permit> secondQueued = condition.acquire();

    assertThat(one(Http.get(port, "/actuator/baton/apart").body(), "apart"))
        .containsEntry("state", "locked").containsEntry("waiters", 1)
        .containsEntry("lockWaiters", 2).containsEntry("holders", 1);

    condition.signalAll();
    CompletableFuture<Void> allLetGo = CompletableFuture.allOf(
        firstQueued.thenAccept(Permit::release), secondQueued.thenAccept(Permit::release),
        signalled.thenAccept(Permit::release));
    holding.release();
    allLetGo.join();
  }

  /**
   * Keys "are listed only with baton.endpoint.show-keys=true": without it, reading the endpoint
   * reads no key at all, not even its {@code toString}, which may format user data or fail.
   */
  @Test
  void withoutShowKeysReadingTheEndpointNeverTurnsAKeyIntoText() {
    AtomicInteger keyReads = new AtomicInteger();
    Object key = new Object() {
      @Override
      public String toString() {
        keyReads.incrementAndGet();
        return "account-SENTINEL-4711";
      }
    };
    Permit held = registry.lock("hidden-keys", key).acquire().join();
    try {
      int before = keyReads.get();

      String named = Http.get(port, "/actuator/baton/hidden-keys").body();
      String all = Http.get(port, "/actuator/baton").body();

      assertThat(one(named, "hidden-keys")).containsEntry("kind", "lock-family")
          .containsEntry("heldKeys", 1).doesNotContainKey("keys");
      assertThat(all).doesNotContain("SENTINEL");
      assertThat(keyReads.get()).as("key toString calls while the endpoint was read")
          .isEqualTo(before);
    } finally {
      held.release();
    }
  }

  @Test
  void aQueueShowsItsPuttersAndTakersAsWaitersAndWhenItIsShutDown() {
    AsyncQueue<String> slots = registry.queue("slots");
    slots.put("first").join();
    CompletableFuture<Void> second = slots.put("second");
    AsyncQueue<String> idle = registry.queue("idle");
    CompletableFuture<String> taking = idle.take();

    assertThat(one(Http.get(port, "/actuator/baton/slots").body(), "slots"))
        .containsEntry("kind", "queue").containsEntry("state", "open")
        .containsEntry("waiters", 1).containsEntry("size", 1).containsEntry("capacity", 1)
        .containsEntry("unfinished", 1).containsEntry("putters", 1)
        .containsEntry("takers", 0);
    assertThat(one(Http.get(port, "/actuator/baton/idle").body(), "idle"))
        .containsEntry("waiters", 1).containsEntry("putters", 0).containsEntry("takers", 1);

    idle.shutdownNow();
    assertThat(taking).isCompletedExceptionally();
    assertThat(one(Http.get(port, "/actuator/baton/idle").body(), "idle"))
        .containsEntry("state", "shut-down").containsEntry("waiters", 0)
        .containsEntry("takers", 0);
    assertThat(slots.take().join()).isEqualTo("first");
    second.join();
  }

  @Test
  void aBarrierShowsThePartiesWaitingAndWhenItIsBroken() {
    AsyncBarrier round = registry.barrier("round", 3);
    CompletableFuture<Integer> first = round.await();
    CompletableFuture<Integer> second = round.await();

    assertThat(one(Http.get(port, "/actuator/baton/round").body(), "round"))
        .containsEntry("kind", "barrier").containsEntry("state", "ready")
        .containsEntry("waiters", 2).containsEntry("parties", 3).containsEntry("waiting", 2);

    round.abort();
    assertThat(first).isCompletedExceptionally();
    assertThat(second).isCompletedExceptionally();
    assertThat(one(Http.get(port, "/actuator/baton/round").body(), "round"))
        .containsEntry("state", "broken").containsEntry("waiting", 0);
  }

  /** A lock, an event and a per-key family may all share a name: each is listed under it. */
  @Test
  void aLockAnEventAndAFamilySharingANameAreAllListedUnderIt() {
    registry.lock("catalog");
    registry.event("catalog");
    registry.lock("catalog", "k1").acquire().join().release();

    String body = Http.get(port, "/actuator/baton/catalog").body();
    assertThat(JsonPath.<List<String>>read(body, "$.primitives[*].name"))
        .containsExactly("catalog", "catalog", "catalog");
    assertThat(JsonPath.<List<String>>read(body, "$.primitives[*].kind"))
        .containsExactlyInAnyOrder("lock", "event", "lock-family");
  }

  @Test
  void aClearEventCountsItsPendingWaitsUntilItIsSet() {
    AsyncEvent warmed = registry.event("warmed");
    CompletableFuture<Void> waiting = warmed.await();

    assertThat(one(Http.get(port, "/actuator/baton/warmed").body(), "warmed"))
        .containsEntry("kind", "event").containsEntry("state", "clear")
        .containsEntry("waiters", 1);
    warmed.set();
    assertThat(waiting).isDone();
    assertThat(one(Http.get(port, "/actuator/baton/warmed").body(), "warmed"))
        .containsEntry("state", "set").containsEntry("waiters", 0);
  }

  /**
   * "Each entry has name, kind, state and waiters, then the fields below, then scope", in the
   * order the README's table and example give, the same on every start.
   */
  @Test
  void everyEntryListsItsFieldsInTheDocumentedOrder() {
    registry.condition("ordered-condition");
    registry.lock("ordered-family", "k1").acquire().join().release();
    Map<String, List<String>> expected = Map.of(
        "lock", List.of("holders", "oldestHolder"),
        "lock-family", List.of("activeKeys", "heldKeys", "holders", "oldestHolder"),
        "semaphore", List.of("permits", "holders", "oldestHolder"),
        "event", List.of(),
        "condition", List.of("lockWaiters", "holders", "oldestHolder"),
        "queue", List.of("size", "capacity", "unfinished", "putters", "takers"),
        "barrier", List.of("parties", "waiting"));

    JsonNode body = JsonMapper.builder().build()
        .readTree(Http.get(port, "/actuator/baton").body());
    assertThat(body.propertyNames()).containsExactly("backend", "redis", "primitives");
    Set<String> kinds = new HashSet<>();
    for (JsonNode entry : body.get("primitives")) {
      String kind = entry.get("kind").asString();
      kinds.add(kind);
      List<String> fields = new ArrayList<>(List.of("name", "kind", "state", "waiters"));
      fields.addAll(expected.get(kind));
      fields.add("scope");
      assertThat(entry.propertyNames()).as("%s", entry).containsExactlyElementsOf(fields);
      if (kind.equals("semaphore")) {
        assertThat(entry.get("permits").propertyNames()).as("%s", entry)
            .containsExactly("max", "available", "inUse");
      }
    }
    assertThat(kinds).containsExactlyInAnyOrderElementsOf(expected.keySet());
  }

  /** "GET /actuator/baton/{name}" finds any name a primitive may have, a slash in it too. */
  @Test
  void aNameWithASlashIsFoundUnderItsPath() {
    registry.lock("orders/eu");

    HttpResponse<String> response = Http.get(port, "/actuator/baton/orders/eu");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(one(response.body(), "orders/eu")).containsEntry("kind", "lock");
  }

  @Test
  void anUnknownNameIsNotFound() {
    assertThat(Http.get(port, "/actuator/baton/nothing-here").statusCode()).isEqualTo(404);
  }

  static Map<String, Object> one(String body, String name) {
    List<Map<String, Object>> matches =
        JsonPath.read(body, "$.primitives[?(@.name == '" + name + "')]");
    assertThat(matches).as("primitives named %s in %s", name, body).hasSize(1);
    return matches.get(0);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> holder(Map<String, Object> view) {
    assertThat(view.get("oldestHolder")).as("oldestHolder of %s", view).isInstanceOf(Map.class);
    return (Map<String, Object>) view.get("oldestHolder");
  }
}
