package dev.baton.sample.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import dev.baton.sample.RunningSampleAppTest;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Runs each of the article's scenarios over HTTP and checks what its timeline shows. */
class ScenarioTimelineTests extends RunningSampleAppTest {

  private final JsonMapper json = JsonMapper.builder().build();

  /** Each listed with the primitives of its row in the README's tables, and what it shows. */
  @Test
  void theScenariosAreListedInTheArticlesOrderThenTheDeadlockWithThePrimitivesToWatch() {
    Listed[] listed = client.getJson("/scenarios", Listed[].class);

    assertThat(listed).extracting(Listed::name, Listed::primitives).containsExactly(
        tuple("event", List.of("demo-event")),
        tuple("lock", List.of("demo-lock")),
        tuple("semaphore", List.of("demo-semaphore")),
        tuple("condition", List.of("demo-condition")),
        tuple("combined", List.of("combined-event", "combined-condition", "combined-lock")),
        tuple("queue", List.of("demo-queue")),
        tuple("deadlock", List.of("inventory", "ledger")));
    assertThat(listed).extracting(Listed::description).as("one sentence saying what it shows")
        .allSatisfy(description -> assertThat(description).contains(" ").endsWith("."));
  }

  @Test
  void anUnknownScenarioIsNotFound() {
    assertThat(client.post("/scenarios/nope").statusCode()).isEqualTo(404);
  }

  @Test
  void eventWaitersProceedOnlyAfterTheEventIsSet() {
    Run run = run("event");

    int set = run.indexOf(e -> e.action().equals("set"));
    assertThat(set).isPositive();
    assertThat(run.actorsDoing("waiting", 0, set))
        .containsExactlyInAnyOrder("waiter-1", "waiter-2");
    assertThat(run.actorsDoing("proceeded", 0, set)).isEmpty();
    assertThat(run.actorsDoing("proceeded", set, run.events().size()))
        .containsExactlyInAnyOrder("waiter-1", "waiter-2");
    assertThat(run.events().get(set).atMillis()).as("set at 400 ms").isGreaterThanOrEqualTo(400);
  }

  @Test
  void lockAcquireAndReleaseStrictlyAlternateInTheOrderTheWorkersAsked() {
    Run run = run("lock");

    List<Event> moves = run.only("acquired", "released");
    assertThat(moves).hasSize(6);
    for (int i = 0; i < moves.size(); i += 2) {
      assertThat(moves.get(i).action()).isEqualTo("acquired");
      assertThat(moves.get(i + 1).action()).isEqualTo("released");
      assertThat(moves.get(i + 1).actor()).isEqualTo(moves.get(i).actor());
    }
    assertThat(run.only("acquired").stream().map(Event::actor))
        .containsExactlyElementsOf(run.only("waiting").stream().map(Event::actor).toList());
  }

  /**
   * A lock run answers as the README's example run does, times apart: the same fields in the same
   * order, the same scenario and primitives, and the same moves by the same workers.
   */
  @Test
  void aLockRunAnswersWithTheFieldsAndMovesOfTheReadmesExample() throws IOException {
    JsonNode example = json.readTree(readmeJsonAfter("A lock run:"));
    HttpResponse<String> response = client.post("/scenarios/lock");
    assertThat(response.statusCode()).isEqualTo(200);
    JsonNode run = json.readTree(response.body());

    assertThat(run.propertyNames()).containsExactlyElementsOf(example.propertyNames());
    assertThat(run.get("scenario")).isEqualTo(example.get("scenario"));
    assertThat(run.get("primitives")).isEqualTo(example.get("primitives"));
    assertThat(run.get("durationMillis").isIntegralNumber()).isTrue();
    assertThat(moves(run)).containsExactlyElementsOf(moves(example));
    for (int i = 0; i < run.get("events").size(); i++) {
      assertThat(run.get("events").get(i).propertyNames()).as("event %d", i)
          .containsExactlyElementsOf(example.get("events").get(i).propertyNames());
    }
  }

  @Test
  void semaphoreNeverHasMoreHoldersThanItsTwoPermitsAndUsesBothWhileTheOthersWaitTheirTurn() {
    Run run = run("semaphore");

    int holding = 0;
    int most = 0;
    for (Event event : run.only("acquired", "released")) {
      holding += event.action().equals("acquired") ? 1 : -1;
      assertThat(holding).as("holders after %s", event).isBetween(0, 2);
      most = Math.max(most, holding);
    }
    assertThat(most).isEqualTo(2);
    assertThat(run.only("acquired")).extracting(Event::actor)
        .containsExactlyInAnyOrder("worker-1", "worker-2", "worker-3", "worker-4");
    assertThat(holding).isZero();
    for (int worker = 1; worker <= 4; worker++) {
      String name = "worker-" + worker;
      int waiting = run.indexOf(e -> e.actor().equals(name) && e.action().equals("waiting"));
      int acquired = run.indexOf(e -> e.actor().equals(name) && e.action().equals("acquired"));
      assertThat(waiting).as("%s waiting, before it acquired", name).isNotNegative()
          .isLessThan(acquired);
    }
  }

  @Test
  void conditionWaitersProceedOnlyAfterTheSignal() {
    Run run = run("condition");

    int signalled = run.indexOf(e -> e.action().equals("signalled"));
    assertThat(signalled).isPositive();
    assertThat(run.actorsDoing("waiting", 0, signalled))
        .containsExactlyInAnyOrder("waiter-1", "waiter-2");
    assertThat(run.actorsDoing("proceeded", 0, signalled)).isEmpty();
    assertThat(run.actorsDoing("proceeded", signalled, run.events().size()))
        .containsExactlyInAnyOrder("waiter-1", "waiter-2");
  }

  /**
   * Each waiter lets the lock go while it waits, so the other can take it; after the signal, at
   * 400 ms, each holds the lock again before it proceeds, one at a time: never two holders.
   */
  @Test
  void conditionWaitersLetTheLockGoWhileWaitingAndReHoldItInTurnAfterTheSignal() {
    Run run = run("condition");

    int signalled = run.indexOf(e -> e.action().equals("signalled"));
    assertThat(run.events().get(signalled).atMillis()).as("signalled at 400 ms")
        .isGreaterThanOrEqualTo(400);
    assertThat(run.actorsDoing("acquired", 0, signalled))
        .containsExactlyInAnyOrder("waiter-1", "waiter-2", "notifier");
    int holding = 0;
    for (Event event : run.events()) {
      holding += switch (event.action()) {
        case "acquired", "proceeded" -> 1;
        case "waiting", "released" -> -1;
        default -> 0;
      };
      assertThat(holding).as("holders of the lock after %s", event).isBetween(0, 1);
    }
    assertThat(holding).isZero();
  }

  @Test
  void combinedWorkersEachProceedAfterTheirOwnSignal() {
    Run run = run("combined");

    int set = run.indexOf(e -> e.action().equals("set"));
    int signalled = run.indexOf(e -> e.action().equals("signalled"));
    int worker1 = run.indexOf(e -> e.actor().equals("worker-1") && e.action().equals("proceeded"));
    int worker2 = run.indexOf(e -> e.actor().equals("worker-2") && e.action().equals("proceeded"));
    assertThat(set).isPositive().isLessThan(worker1);
    assertThat(signalled).isGreaterThan(set).isLessThan(worker2);
    assertThat(run.events().get(set).atMillis()).as("set at 300 ms").isGreaterThanOrEqualTo(300);
    assertThat(run.events().get(signalled).atMillis()).as("signalled at 600 ms")
        .isGreaterThanOrEqualTo(600);
    List<Event> hold = run.only("acquired", "released").stream()
        .filter(e -> e.on().equals("combined-lock")).toList();
    assertThat(hold).extracting(Event::action).containsExactly("acquired", "released");
    assertThat(hold.get(1).atMillis() - hold.get(0).atMillis()).as("lock held 600 ms")
        .isGreaterThanOrEqualTo(600);
  }

  @Test
  void queueItemsAreEachConsumedOnceInOrderAfterBeingProduced() {
    Run run = run("queue");

    assertThat(run.only("consumed")).extracting(Event::item).containsExactly(0, 1, 2, 3, 4);
    assertThat(run.only("waiting")).as("the producer waits for room").isNotEmpty()
        .extracting(Event::actor).containsOnly("producer");
    for (int item = 0; item < 5; item++) {
      int itemNumber = item;
      int produced = run.indexOf(e -> e.action().equals("produced") && e.item() == itemNumber);
      int consumed = run.indexOf(e -> e.action().equals("consumed") && e.item() == itemNumber);
      assertThat(produced).as("item %d produced", item).isNotNegative().isLessThan(consumed);
    }
    assertThat(run.events().get(run.events().size() - 1).action()).isEqualTo("stopped");
  }

  /**
   * The producer puts the five items in order; once {@code join()} sees the last one done, the
   * idle consumer's take is cancelled, leaving the queue empty, settled and with no take pending,
   * so the next run's consumer gets every item again.
   */
  @Test
  void queueJoinWaitsForTheLastItemThenCancelsTheIdleConsumersTakeLeavingNoneBehind() {
    for (int round = 1; round <= 2; round++) {
      Run run = run("queue");

      assertThat(run.only("produced")).extracting(Event::item).containsExactly(0, 1, 2, 3, 4);
      assertThat(run.only("consumed")).as("round %d", round).extracting(Event::item)
          .containsExactly(0, 1, 2, 3, 4);
      Event lastConsumed = run.only("consumed").get(4);
      Event stopped = run.events().get(run.events().size() - 1);
      assertThat(stopped.action()).isEqualTo("stopped");
      assertThat(stopped.atMillis() - lastConsumed.atMillis())
          .as("stopped once the last item's 200 ms were done").isGreaterThanOrEqualTo(200);
      assertThat(client.getJson("/actuator/baton/demo-queue", Queues.class).primitives())
          .containsExactly(new Queue(0, 2, 0, 0, 0));
    }
  }

  @Test
  void everyTimelineIsInTimeOrderAndShort() {
    for (String name : List.of("event", "lock", "semaphore", "condition", "combined", "queue")) {
      Run run = run(name);
      assertThat(run.events()).extracting(Event::atMillis).isSorted();
      assertThat(run.durationMillis()).as(name).isLessThan(2_000);
    }
  }

  @Test
  void workersOfOneRunTakingTurnsOnALockAreNeitherAReentryNorADeadlockToTheStallView() {
    for (String name : List.of("lock", "semaphore", "condition", "combined")) {
      run(name);
    }

    Stalls stalls = client.getJson("/actuator/batonstalls", Stalls.class);
    assertThat(stalls.reentries()).isEmpty();
    assertThat(stalls.deadlocks()).isEmpty();
  }

  /** The second of two runs of one scenario waits for the first, on the scenario-runs lock. */
  @Test
  void twoRunsOfOneScenarioTakeTurnsSoNeitherTimelineSeesTheOther() {
    ExecutorService callers = Executors.newFixedThreadPool(2);
    try {
      CompletableFuture<Run> first = CompletableFuture.supplyAsync(() -> run("lock"), callers);
      CompletableFuture<Run> second = CompletableFuture.supplyAsync(() -> run("lock"), callers);

      await().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(20))
          .atMost(Duration.ofSeconds(5)).ignoreExceptions()
          .until(() -> runs(), runs -> runs.heldKeys() == 1 && runs.waiters() == 1);

      for (Run run : List.of(first.join(), second.join())) {
        assertThat(run.only("acquired", "released")).hasSize(6);
        assertThat(run.only("waiting")).hasSize(3);
      }
      assertThat(runs().heldKeys()).isZero();
    } finally {
      callers.shutdownNow();
    }
  }

  /**
   * Runs of different scenarios do not take turns: a lock run answers while a deadlock run, which
   * lasts until its 4 s timeout, still goes on.
   */
  @Test
  void aRunOfOneScenarioDoesNotWaitForARunOfAnother() {
    ExecutorService caller = Executors.newSingleThreadExecutor();
    try {
      CompletableFuture<Run> deadlock =
          CompletableFuture.supplyAsync(() -> run("deadlock"), caller);
      await().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(20))
          .atMost(Duration.ofSeconds(5)).ignoreExceptions()
          .until(() -> runs().heldKeys() == 1);

      Run lock = run("lock");

      assertThat(deadlock).as("the deadlock run, not over before its timeout").isNotDone();
      assertThat(lock.only("acquired", "released")).hasSize(6);
      assertThat(deadlock.join().only("timed-out")).hasSize(1);
    } finally {
      caller.shutdownNow();
    }
  }

  /** Each event of a run as {@code actor action on}. */
  private static List<String> moves(JsonNode run) {
    List<String> moves = new ArrayList<>();
    for (JsonNode event : run.get("events")) {
      moves.add(event.get("actor").asString() + " " + event.get("action").asString() + " "
          + event.get("on").asString());
    }
    return moves;
  }

  /** The README's first JSON block after the line ending in {@code introduction}. */
  private static String readmeJsonAfter(String introduction) throws IOException {
    List<String> lines = Files.readAllLines(Path.of("..", "README.md"));
    int at = 0;
    while (!lines.get(at).endsWith(introduction)) {
      at++;
    }
    int start = lines.subList(at, lines.size()).indexOf("```json") + at + 1;
    int end = lines.subList(start, lines.size()).indexOf("```") + start;
    return String.join("\n", lines.subList(start, end));
  }

  private Family runs() {
    return client.getJson("/actuator/baton/scenario-runs", Families.class).primitives().get(0);
  }

  private Run run(String name) {
    Run run = client.postJson("/scenarios/" + name, Run.class);
    assertThat(run.scenario()).isEqualTo(name);
    return run;
  }

  record Listed(String name, String description, List<String> primitives) {}

  record Stalls(List<Object> deadlocks, List<Object> reentries) {}

  record Family(String kind, int heldKeys, int waiters) {}

  record Queue(int size, int capacity, int unfinished, int takers, int waiters) {}

  record Queues(List<Queue> primitives) {}

  record Families(List<Family> primitives) {}

  record Event(long atMillis, String actor, String action, String on, Integer item) {}

  record Run(String scenario, List<String> primitives, long durationMillis, List<Event> events) {

    List<Event> only(String... actions) {
      List<String> wanted = List.of(actions);
      return events.stream().filter(e -> wanted.contains(e.action())).toList();
    }

    int indexOf(Predicate<Event> test) {
      for (int i = 0; i < events.size(); i++) {
        if (test.test(events.get(i))) {
          return i;
        }
      }
      return -1;
    }

    List<String> actorsDoing(String action, int from, int to) {
      List<String> actors = new ArrayList<>();
      events.subList(from, to).stream().filter(e -> e.action().equals(action))
          .forEach(e -> actors.add(e.actor()));
      return actors;
    }
  }
}
