package dev.baton.spring.stall;

import static dev.baton.spring.observation.TestCalls.call;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.baton.AsyncLock;
import dev.baton.Permit;
import dev.baton.spring.BatonProperties;
import dev.baton.spring.TestProperties;
import dev.baton.spring.local.DefaultPrimitiveRegistry;
import dev.baton.spring.local.LocalPrimitives;
import dev.baton.spring.observation.Call;
import dev.baton.spring.observation.TestCalls;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What one full check reports of calls stuck behind a cycle, and which calls the reduction frees
 * through chains of holds and callers: the report lists a bounded part of a long tail and counts
 * the rest, and a deadlock is confirmed by its cycle alone.
 */
@Timeout(30)
class DeadlockCheckTest {

  private static final Duration CONFIRM = Duration.ofMillis(50);

  private final StallView view = new StallView(new BatonProperties.Stalls(
      BatonProperties.Stalls.Level.BASIC, CONFIRM, Duration.ofHours(1), Duration.ofHours(1),
      Map.of()));
  private final DefaultPrimitiveRegistry registry = new DefaultPrimitiveRegistry(
      TestProperties.defaults(), new LocalPrimitives(), List.of(), false, view);
  private final TwoCallDeadlock deadlock = new TwoCallDeadlock(registry, "item",
      AsyncLock::acquire);
  private final AsyncLock ledger = registry.lock("ledger");
  /** Everything acquired or waited for here, released or withdrawn after each test. */
  private final List<CompletableFuture<Permit>> taken = new ArrayList<>();

  @AfterEach
  void releaseEverything() {
    taken.forEach(f -> {
      if (!f.cancel(false) && !f.isCompletedExceptionally()) {
        f.join().close();
      }
    });
    deadlock.close();
    view.destroy();
  }

  /** {@code call} asks for {@code lock}. */
  private CompletableFuture<Permit> as(Call call, AsyncLock lock) {
    CompletableFuture<Permit> future = TestCalls.as(call, lock::acquire);
    taken.add(future);
    return future;
  }

  @Test
  void aLongTailIsListedUpToItsCapAndTheRestIsCounted() {
    int behind = Deadlock.TAIL_LISTED + 30;
    for (int i = 0; i < behind; i++) {
      as(call("Audit.read", null), ledger);
    }

    StallReport report = view.check();

    assertThat(report.pendingWaits()).isEqualTo(2 + behind);
    assertThat(report.deadlocks()).singleElement().satisfies(found -> {
      assertThat(found.cycle()).extracting(StuckCall::site)
          .containsExactlyInAnyOrder("OrderService.place", "LedgerService.post");
      assertThat(found.tail()).hasSize(Deadlock.TAIL_LISTED).extracting(StuckCall::site)
          .containsOnly("Audit.read");
      assertThat(found.tailOmitted()).isEqualTo(30);
    });
  }

  @Test
  void aCallBehindACycleIsCountedOnceWithAllItsWaitsAndNotAtAllIfOneOfThemCanProceed() {
    AsyncLock books = registry.lock("books");
    as(call("Books.close", null), books).join();
    int behind = 500; // enough calls that some share a bit of their identity hashes
    for (int i = 0; i < behind; i++) {
      as(call("Audit.read", null), ledger);
    }
    int withTwoWaits = 10; // each: in whichever order its waits are read
    for (int i = 0; i < withTwoWaits; i++) {
      Call twice = call("Audit.compare", null);
      as(twice, ledger);
      as(twice, ledger);
      Call freed = call("Audit.skip", null);
      as(freed, ledger);
      as(freed, books);
    }

    StallReport report = view.check();

    assertThat(report.deadlocks()).singleElement().satisfies(found -> {
      assertThat(found.tail()).hasSize(Deadlock.TAIL_LISTED)
          .noneMatch(call -> call.site().equals("Audit.skip"))
          .filteredOn(call -> call.site().equals("Audit.compare"))
          .allSatisfy(call -> assertThat(call.waits()).hasSize(2));
      assertThat(found.tailOmitted()).isEqualTo(behind + withTwoWaits - Deadlock.TAIL_LISTED);
    });
  }

  @Test
  void aCallWithTwoWaitsBehindACycleIsListedOnceWithBoth() {
    Call twice = call("Audit.compare", null);
    as(twice, ledger);
    as(twice, ledger);

    StallReport report = view.check();

    assertThat(report.deadlocks()).singleElement().satisfies(found -> {
      assertThat(found.tail()).singleElement().satisfies(call -> {
        assertThat(call.site()).isEqualTo("Audit.compare");
        assertThat(call.waits()).hasSize(2);
      });
      assertThat(found.tailOmitted()).isZero();
    });
  }

  @Test
  void aDeadlockIsConfirmedWhileCallsKeepJoiningAndLeavingItsTail() {
    AtomicReference<CompletableFuture<Permit>> behind = new AtomicReference<>();

    await().atMost(Duration.ofSeconds(5)).until(() -> {
      CompletableFuture<Permit> left = behind.getAndSet(as(call("Audit.read", null), ledger));
      if (left != null) {
        left.cancel(false);
      }
      StallReport report = view.check();
      assertThat(report.deadlocks()).singleElement()
          .satisfies(found -> assertThat(found.tail()).hasSize(1));
      return report.deadlocks().get(0).confirmed();
    });
  }

  @Test
  void callsFreedThroughAChainOfCallersAndHoldsAreNoDeadlock() {
    AsyncLock books = registry.lock("books");
    AsyncLock shelf = registry.lock("shelf");
    as(call("Books.close", null), books).join();
    Call place = call("Order.place", null);
    as(place, shelf).join();
    as(call("Order.pay", place), books);
    as(call("Shelf.count", null), shelf);

    StallReport report = view.check();

    assertThat(report.deadlocks()).singleElement().satisfies(found -> assertThat(found.cycle())
        .extracting(StuckCall::site)
        .containsExactlyInAnyOrder("OrderService.place", "LedgerService.post"));
  }

  @Test
  void aCycleThroughACallerWaitingForItsCalleeIsADeadlockWithItsTail() {
    AsyncLock books = registry.lock("books");
    AsyncLock shelf = registry.lock("shelf");
    Call close = call("Books.close", null);
    Call place = call("Order.place", null);
    as(close, books).join();
    as(place, shelf).join();
    as(call("Order.pay", place), books);
    as(close, shelf);
    as(call("Shelf.count", null), shelf);

    StallReport report = view.check();

    assertThat(report.deadlocks()).hasSize(2).anySatisfy(found -> {
      assertThat(found.cycle()).extracting(StuckCall::site)
          .containsExactlyInAnyOrder("Books.close", "Order.place", "Order.pay");
      assertThat(found.tail()).extracting(StuckCall::site).containsExactly("Shelf.count");
      assertThat(found.tailOmitted()).isZero();
    });
  }
}
