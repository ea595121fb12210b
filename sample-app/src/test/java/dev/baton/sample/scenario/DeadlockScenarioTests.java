package dev.baton.sample.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.baton.sample.RunningSampleAppTest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import tools.jackson.databind.json.JsonMapper;

/**
 * The deadlock scenario over HTTP: while it runs, {@code /actuator/batonstalls} shows its cycle
 * of annotated calls, confirmed, with what each holds and waits for; the order's timeout ends it,
 * and its message on the timeline names who held the wait up; afterwards nothing is stuck and its
 * lock-order inversion stays listed; with nobody reading the endpoint, the watchdog logs it once.
 * The item, a lock key, shows nowhere.
 */
@Timeout(30)
@ExtendWith(OutputCaptureExtension.class)
class DeadlockScenarioTests extends RunningSampleAppTest {

  private static final List<String> CYCLE =
      List.of("OrderDesk.place", "Ledger.post", "Ledger.close", "Inventory.count");

  private final JsonMapper json = JsonMapper.builder().build();

  @Test
  void whileItRunsTheStallsEndpointShowsTheCycleConfirmedAndOnceItEndsNothingIsStuck() {
    CompletableFuture<HttpResponse<String>> running =
        CompletableFuture.supplyAsync(() -> client.post("/scenarios/deadlock"));

    String body = await().atMost(Duration.ofSeconds(3)).until(
        () -> client.get("/actuator/batonstalls").body(),
        read -> stalls(read).deadlocks().stream().anyMatch(Deadlock::confirmed));

    Stalls stalls = stalls(body);
    assertThat(stalls.level()).isEqualTo("basic");
    assertThat(stalls.deadlocks()).singleElement().satisfies(deadlock -> {
      assertThat(deadlock.cycle()).extracting(Call::site)
          .containsExactlyInAnyOrderElementsOf(CYCLE);
      assertThat(deadlock.call("OrderDesk.place").holding()).containsExactly("lock 'inventory'");
      assertThat(deadlock.call("OrderDesk.place").waitingFor()).isEmpty();
      assertThat(deadlock.call("Ledger.post").waitingFor()).containsExactly("lock 'ledger', timed");
      assertThat(deadlock.call("Ledger.post").caller()).isEqualTo("OrderDesk.place");
      assertThat(deadlock.call("Ledger.close").holding()).containsExactly("lock 'ledger'");
      assertThat(deadlock.call("Inventory.count").waitingFor())
          .containsExactly("lock 'inventory', timed");
      assertThat(deadlock.call("Inventory.count").caller()).isEqualTo("Ledger.close");
      assertThat(deadlock.tail()).extracting(Call::site).containsExactly("ScenarioRunner.run");
    });
    assertThat(stalls.pendingWaits()).isEqualTo(2);
    assertThat(stalls.waitsOfUnknownCalls()).isZero();
    assertThat(body).doesNotContain(DeadlockScenario.SKU);

    assertThat(running.join().statusCode()).isEqualTo(200);
    Stalls after = stalls(client.get("/actuator/batonstalls").body());
    assertThat(after.deadlocks()).isEmpty();
    assertThat(after.pendingWaits()).isZero();
    assertThat(after.inversions()).as("the README's inversion, left listed").singleElement()
        .satisfies(inversion -> assertThat(inversion.steps()).containsExactlyInAnyOrder(
            new Step("lock 'inventory'", "lock 'ledger'", "Ledger.post"),
            new Step("lock 'ledger'", "lock 'inventory'", "Inventory.count")));
  }

  @Test
  void theOrdersTimeoutEndsTheDeadlockAndItsMessageNamesWhoHeldItUp() {
    Run run = client.postJson("/scenarios/deadlock", Run.class);

    List<String> moves = run.events().stream().map(Event::move).toList();
    int timeout = moves.indexOf("order timed-out ledger");
    assertThat(timeout).as("the order's timeout in %s", moves).isPositive();
    assertThat(moves.subList(0, 4)).containsExactly("order waiting inventory",
        "order acquired inventory", "month-end waiting ledger", "month-end acquired ledger");
    assertThat(moves.subList(4, timeout)).as("each waits for the lock the other holds")
        .containsExactlyInAnyOrder("order waiting ledger", "month-end waiting inventory");
    assertThat(moves.subList(timeout + 1, moves.size())).as("the deadlock undone")
        .containsExactly("order released inventory", "month-end acquired inventory",
            "month-end released inventory", "month-end released ledger");
    assertThat(run.events().get(timeout).message())
        .startsWith("timed out after PT4S waiting for lock 'ledger': held for ")
        .contains(" by Ledger.close, which waits for lock 'inventory' in Inventory.count,"
            + " held for ")
        .endsWith(" by OrderDesk.place, this call's caller")
        .doesNotContain(DeadlockScenario.SKU);
    assertThat(run.events()).filteredOn(e -> e.message() != null).hasSize(1);
    assertThat(run.durationMillis()).isBetween(4_000L, 5_900L);
  }

  @Test
  void withNobodyAskingTheWatchdogLogsTheDeadlockOnce(CapturedOutput output) {
    client.postJson("/scenarios/deadlock", Run.class);

    assertThat(output.getOut().lines().filter(line -> line.contains("Baton: deadlock among")))
        .singleElement().asString()
        .contains("Baton: deadlock among 4 calls, unchanged for ")
        .contains("OrderDesk.place holds lock 'inventory' and waits for a call made from it")
        .contains("Ledger.close holds lock 'ledger' and waits for a call made from it");
    assertThat(output.getAll()).doesNotContain(DeadlockScenario.SKU);
  }

  private Stalls stalls(String body) {
    return json.readValue(body, Stalls.class);
  }

  record Stalls(String level, List<Deadlock> deadlocks, List<Inversion> inversions,
      int pendingWaits, int waitsOfUnknownCalls) {}

  record Inversion(List<Step> steps) {}

  record Step(String first, String then, String site) {}

  record Deadlock(boolean confirmed, List<Call> cycle, List<Call> tail) {

    Call call(String site) {
      return cycle.stream().filter(c -> c.site().equals(site)).findFirst().orElseThrow();
    }
  }

  record Call(String site, String caller, List<Held> holds, List<Waiting> waits) {

    List<String> holding() {
      return holds.stream().map(h -> h.primitive() + " '" + h.name() + "'").toList();
    }

    List<String> waitingFor() {
      return waits.stream().map(w -> w.primitive() + " '" + w.name() + "'"
          + (w.timed() ? ", timed" : ", untimed")).toList();
    }
  }

  record Held(String primitive, String name) {}

  record Waiting(String primitive, String name, boolean timed) {}

  record Run(String scenario, long durationMillis, List<Event> events) {}

  record Event(long atMillis, String actor, String action, String on, String message) {

    String move() {
      return actor + " " + action + " " + on;
    }
  }
}
