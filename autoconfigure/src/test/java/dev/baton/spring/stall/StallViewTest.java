package dev.baton.spring.stall;

import static dev.baton.spring.observation.TestCalls.call;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.baton.AcquireTimeoutException;
import dev.baton.AsyncBarrier;
import dev.baton.AsyncCondition;
import dev.baton.AsyncEvent;
import dev.baton.AsyncLock;
import dev.baton.AsyncQueue;
import dev.baton.AsyncSemaphore;
import dev.baton.Permit;
import dev.baton.spring.BatonProperties;
import dev.baton.spring.LockFamily;
import dev.baton.spring.NamedPrimitive;
import dev.baton.spring.TestProperties;
import dev.baton.spring.local.DefaultPrimitiveRegistry;
import dev.baton.spring.local.LocalPrimitives;
import dev.baton.spring.observation.Call;
import dev.baton.spring.observation.CurrentCall;
import dev.baton.spring.observation.EventSetters;
import dev.baton.spring.observation.Hold;
import dev.baton.spring.observation.HoldTracking;
import dev.baton.spring.observation.PendingWait;
import dev.baton.spring.observation.SetterTracking;
import dev.baton.spring.observation.TestCalls;
import io.micrometer.context.ContextSnapshot;
import io.micrometer.context.ContextSnapshotFactory;
import java.lang.ref.Reference;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.commons.logging.LogFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * The stall view over a real registry, with calls opened explicitly: the shapes it must report
 * as deadlocks and re-entries, and those it must not confirm.
 */
@Timeout(30)
@ExtendWith(OutputCaptureExtension.class)
class StallViewTest {

  private static final Duration CONFIRM = Duration.ofMillis(50);
  /** How long a future that should complete at once is given: only a hang exceeds it. */
  private static final Duration WITHIN = Duration.ofSeconds(5);

  private StallView view = new StallView(settings(BatonProperties.Stalls.Level.BASIC));
  private DefaultPrimitiveRegistry registry = registry(view);
  /** Everything acquired or waited for, released or withdrawn after each test. */
  private final List<CompletableFuture<Permit>> taken = new ArrayList<>();

  @AfterEach
  void releaseEverything() {
    taken.forEach(f -> {
      if (!f.cancel(false) && !f.isCompletedExceptionally()) {
        f.join().close();
      }
    });
    view.destroy();
  }

  /** Stall-view settings at {@code level}: quick confirmation, stalls after an hour. */
  private static BatonProperties.Stalls settings(BatonProperties.Stalls.Level level) {
    return new BatonProperties.Stalls(level, CONFIRM, Duration.ofHours(1), Duration.ofHours(1),
        Map.of());
  }

  private static DefaultPrimitiveRegistry registry(StallView view) {
    return new DefaultPrimitiveRegistry(TestProperties.defaults(), new LocalPrimitives(),
        List.of(), false, view);
  }

  /** A new view and registry, where the {@code ledger} lock's holds and waits stall quickly. */
  private void ledgerStallsAfter(Duration held, Duration waited) {
    replaceView(Duration.ofHours(1),
        Map.of("ledger", new BatonProperties.Stalls.Thresholds(held, waited)));
  }

  /** A new basic view and registry, where holds stall after {@code heldTooLong} unless own. */
  private void replaceView(Duration heldTooLong,
      Map<String, BatonProperties.Stalls.Thresholds> own) {
    view.destroy();
    view = new StallView(new BatonProperties.Stalls(BatonProperties.Stalls.Level.BASIC, CONFIRM,
        heldTooLong, Duration.ofHours(1), own));
    registry = registry(view);
  }

  /** A new strict view and registry in place of the test's. */
  private void strictView() {
    view.destroy();
    view = new StallView(settings(BatonProperties.Stalls.Level.STRICT));
    registry = registry(view);
  }

  /** What {@code call} asks for, as {@code call}. */
  private CompletableFuture<Permit> as(Call call, Supplier<CompletableFuture<Permit>> acquire) {
    CompletableFuture<Permit> future = TestCalls.as(call, acquire);
    taken.add(future);
    return future;
  }

  /**
   * Worker.run holds lock {@code ledger} and condition {@code ready}'s lock, and waits on
   * {@code ready} as {@code await} does with that lock's permit; Notifier.run then takes
   * {@code ready}'s lock and asks for {@code ledger}: returns that wait.
   */
  private CompletableFuture<Permit> notifierWaitsForLedgerWhileWorkerAwaits(
      Function<Permit, CompletableFuture<Permit>> await) {
    AsyncCondition ready = registry.condition("ready");
    AsyncLock ledger = registry.lock("ledger");
    Call worker = call("Worker.run");
    Call notifier = call("Notifier.run");
    as(worker, ledger::acquire).join();
    Permit readyHeld = as(worker, ready::acquire).join();
    as(worker, () -> await.apply(readyHeld));
    as(notifier, ready::acquire).join();
    return as(notifier, ledger::acquire);
  }

  /**
   * OrderService.place holds inventory and waits for ledger, which LedgerService.post holds
   * while it waits for inventory; returns place's wait.
   */
  private CompletableFuture<Permit> deadlock() {
    AsyncLock inventory = registry.lock("inventory");
    AsyncLock ledger = registry.lock("ledger");
    Call place = call("OrderService.place");
    Call post = call("LedgerService.post");
    as(place, inventory::acquire).join();
    as(post, ledger::acquire).join();
    CompletableFuture<Permit> placeWaits = as(place, ledger::acquire);
    as(post, inventory::acquire);
    return placeWaits;
  }

  private List<String> cycleSites(StallReport report) {
    return report.deadlocks().get(0).cycle().stream().map(StuckCall::site).toList();
  }

  /**
   * A lock's wait, once granted, goes on as its hold (one record for both): it no longer waits,
   * cannot be failed, and its hold counts from the grant, not from when the wait began.
   */
  @Test
  void aGrantedWaitEndsAsAWaitAndItsHoldCountsFromTheGrant() {
    AsyncLock ledger = registry.lock("ledger");
    Permit first = as(call("LedgerService.post"), ledger::acquire).join();
    CompletableFuture<Permit> waiting = as(call("OrderService.place"), ledger::acquire);
    PendingWait wait = view.pendingWaits().get(0);
    long waitBegan = wait.sinceNanos();
    assertThat(wait.ended()).isFalse();

    first.release();
    Hold hold = Hold.of(waiting.join());

    assertThat(wait.ended()).isTrue();
    assertThat(view.pendingWaits()).isEmpty();
    assertThat(wait.fail(new IllegalStateException("too late"))).isFalse();
    assertThat(hold.call().site()).isEqualTo("OrderService.place");
    assertThat(hold.sinceNanos()).as("the hold counts from its grant").isGreaterThan(waitBegan);
    assertThat(hold.listedIn().contains(hold)).isTrue();
    waiting.join().release();
    assertThat(hold.listedIn().count()).isZero();
    assertThat(wait.ended()).as("a wait whose hold ended").isTrue();
  }

  @Test
  void twoCallsTakingTwoLocksInOppositeOrdersAreADeadlockConfirmedWhenNothingMoves() {
    deadlock();

    StallReport first = view.check();

    assertThat(first.deadlocks()).singleElement().satisfies(deadlock -> {
      assertThat(deadlock.confirmed()).isFalse();
      assertThat(deadlock.tail()).isEmpty();
    });
    assertThat(cycleSites(first))
        .containsExactlyInAnyOrder("OrderService.place", "LedgerService.post");
    assertThat(first.deadlocks().get(0).describe())
        .contains("OrderService.place holds lock 'inventory' and waits for lock 'ledger'")
        .contains("LedgerService.post holds lock 'ledger' and waits for lock 'inventory'");
    await().until(() -> view.check().deadlocks().get(0).confirmed());
  }

  /**
   * The README's endpoint: each call of a deadlock lists the holds that calls of the deadlock wait
   * for, not every lock it holds, and each of its own waits says whether it has a timeout.
   */
  @Test
  void aStuckCallListsTheHoldsItsDeadlockWaitsForAndWhetherEachWaitIsTimed() {
    AsyncLock inventory = registry.lock("inventory");
    AsyncLock ledger = registry.lock("ledger");
    AsyncLock journal = registry.lock("journal");
    Call place = call("OrderService.place");
    Call post = call("LedgerService.post");
    as(place, inventory::acquire).join();
    as(place, journal::acquire).join();
    as(post, ledger::acquire).join();
    as(place, () -> ledger.acquire(Duration.ofHours(1)));
    as(post, inventory::acquire);

    Deadlock deadlock = view.check().deadlocks().get(0);

    assertThat(deadlock.cycle()).extracting(StuckCall::site)
        .containsExactly("OrderService.place", "LedgerService.post");
    StuckCall placed = deadlock.cycle().get(0);
    assertThat(placed.holds()).extracting(StuckCall.Holding::name).containsExactly("inventory");
    assertThat(placed.waits()).singleElement()
        .satisfies(wait -> assertThat(wait.timed()).as("waits at most an hour").isTrue());
    assertThat(deadlock.cycle().get(1).waits()).singleElement()
        .satisfies(wait -> assertThat(wait.timed()).as("waits without a timeout").isFalse());
    assertThat(deadlock.lastsUntilRestart()).isFalse();
  }

  /**
   * A stuck call lists only the holds that keep waits from proceeding: a semaphore it shares with
   * a holder that proceeds frees its own waiter, so it is no part of the deadlock.
   */
  @Test
  void aStuckCallsHoldOfASemaphoreAnotherHolderFreesIsNotListed() {
    AsyncLock inventory = registry.lock("inventory");
    AsyncLock ledger = registry.lock("ledger");
    AsyncLock books = registry.lock("books");
    AsyncSemaphore payments = registry.semaphore("payments", 2);
    Call place = call("OrderService.place");
    Call post = call("LedgerService.post");
    Call busy = call("Pay.busy");
    as(place, inventory::acquire).join();
    as(place, payments::acquire).join();
    as(busy, payments::acquire).join();
    as(post, ledger::acquire).join();
    as(call("Books.close"), books::acquire).join();
    as(place, ledger::acquire);
    as(post, inventory::acquire);
    as(busy, books::acquire);
    as(call("Pay.next"), payments::acquire);

    assertThat(view.check().deadlocks()).singleElement().satisfies(deadlock -> {
      assertThat(deadlock.cycle()).filteredOn(call -> call.site().equals("OrderService.place"))
          .singleElement().satisfies(placed -> assertThat(placed.holds())
              .extracting(StuckCall.Holding::name).containsExactly("inventory"));
      assertThat(deadlock.tail()).isEmpty();
    });
  }

  /**
   * The README's coverage: the lock, semaphore and event waits pending, and how many belong to no
   * known call; waits for a queue or a barrier, which have no holder, are not among them.
   */
  @Test
  void pendingWaitsAreTheLockSemaphoreAndEventWaitsAndThoseOfUnknownCalls() {
    AsyncLock ledger = registry.lock("ledger");
    AsyncSemaphore payments = registry.semaphore("payments", 1);
    AsyncEvent ready = registry.event("ready");
    AsyncQueue<String> orders = registry.queue("orders", String.class);
    Call close = call("Ledger.close");
    as(close, ledger::acquire).join();
    as(close, payments::acquire).join();
    Call shop = call("Shop.open");
    as(shop, ledger::acquire);
    as(shop, payments::acquire);
    taken.add(payments.acquire()); // a call nobody knows
    CompletableFuture<String> take;
    try (CurrentCall.Scope in = CurrentCall.in(shop)) {
      take = orders.take();
      ready.await();
    }

    StallReport report = view.check();

    assertThat(report.pendingWaits()).as("a lock, a semaphore and an event wait of Shop.open,"
        + " and one of a call nobody knows, among %s", view.pendingWaits().stream()
            .map(wait -> wait.site().primitive() + " '" + wait.site().name() + "'").toList())
        .isEqualTo(4);
    assertThat(report.waitsOfUnknownCalls()).isEqualTo(1);
    take.cancel(false);
    ready.set();
  }

  @Test
  void aThreeCycleIsFoundThroughReachabilityNotOnlyReverseEdges() {
    AsyncLock a = registry.lock("a");
    AsyncLock b = registry.lock("b");
    AsyncLock c = registry.lock("c");
    Call three = call("Three.run");
    Call one = call("One.run");
    Call two = call("Two.run");
    as(one, a::acquire).join();
    as(two, b::acquire).join();
    as(three, c::acquire).join();
    as(one, b::acquire);
    as(two, c::acquire);
    as(three, a::acquire);

    assertThat(cycleSites(view.check())).as("from the call that started first, each waiting for"
        + " the next").containsExactly("Three.run", "One.run", "Two.run");
  }

  @Test
  void callsWaitingForACycleAreItsTailAndNotACycleOfTheirOwn() {
    deadlock();
    as(call("Audit.read"), registry.lock("ledger")::acquire);

    StallReport report = view.check();

    assertThat(report.deadlocks()).singleElement().satisfies(deadlock -> {
      assertThat(deadlock.cycle()).extracting(StuckCall::site)
          .containsExactlyInAnyOrder("OrderService.place", "LedgerService.post");
      assertThat(deadlock.tail()).extracting(StuckCall::site).containsExactly("Audit.read");
    });
  }

  /**
   * The README: calls joining or leaving a deadlock's tail change nothing, as a tail can neither
   * keep a cycle stuck nor free it: the cycle is confirmed once its own waits and holds have
   * lasted {@code confirm-after}, and stays confirmed, counted and logged once.
   */
  @Test
  void callsJoiningOrLeavingTheTailNeitherDelayNorRepeatTheConfirmation(CapturedOutput output) {
    deadlock();
    assertThat(view.check().deadlocks()).singleElement()
        .satisfies(deadlock -> assertThat(deadlock.confirmed()).isFalse());
    long seen = System.nanoTime();
    await().pollDelay(Duration.ZERO).until(() -> System.nanoTime() - seen > CONFIRM.toNanos());
    CompletableFuture<Permit> reads = as(call("Audit.read"), registry.lock("ledger")::acquire);

    assertThat(view.check().deadlocks()).singleElement().satisfies(deadlock -> {
      assertThat(deadlock.confirmed()).as("confirmed though a tail joined").isTrue();
      assertThat(deadlock.tail()).extracting(StuckCall::site).containsExactly("Audit.read");
    });
    reads.cancel(false);
    assertThat(view.check().deadlocks()).singleElement().satisfies(deadlock -> {
      assertThat(deadlock.confirmed()).as("still confirmed once its tail left").isTrue();
      assertThat(deadlock.tail()).isEmpty();
    });
    assertThat(view.deadlocksConfirmed()).isEqualTo(1);
    assertThat(output.getOut().lines()
        .filter(line -> line.contains("Baton: deadlock among 2 calls"))).hasSize(1);
  }

  @Test
  void aSemaphoreWhoseHoldersAllWaitForItsWaiterIsAKnot() {
    AsyncSemaphore payments = registry.semaphore("payments", 2);
    AsyncLock ledger = registry.lock("ledger");
    Call first = call("Pay.first");
    Call second = call("Pay.second");
    Call settle = call("Ledger.settle");
    as(first, payments::acquire).join();
    as(second, payments::acquire).join();
    as(settle, ledger::acquire).join();
    as(first, ledger::acquire);
    as(second, ledger::acquire);
    as(settle, payments::acquire);

    StallReport report = view.check();

    assertThat(report.deadlocks()).hasSize(1);
    List<String> stuck = new ArrayList<>(cycleSites(report));
    report.deadlocks().get(0).tail().forEach(call -> stuck.add(call.site()));
    assertThat(stuck).containsExactlyInAnyOrder("Pay.first", "Pay.second", "Ledger.settle");
  }

  @Test
  void aSemaphoreWithOneProgressingHolderIsNoDeadlock() {
    AsyncSemaphore payments = registry.semaphore("payments", 2);
    AsyncLock ledger = registry.lock("ledger");
    Call first = call("Pay.first");
    Call busy = call("Pay.busy");
    Call settle = call("Ledger.settle");
    as(first, payments::acquire).join();
    as(busy, payments::acquire).join();
    as(settle, ledger::acquire).join();
    as(first, ledger::acquire);
    as(settle, payments::acquire);

    assertThat(view.check().deadlocks()).isEmpty();
  }

  /**
   * With a shared backend a lock's one holder is known when it is a call of this instance, so a
   * lock deadlock among this instance's calls is found; a semaphore may have holders among other
   * instances' calls, so its waiter is never taken for part of one.
   */
  @Test
  void withASharedBackendALockDeadlockIsFoundAndASemaphoreKnotIsNot() {
    view.destroy();
    view = new StallView(settings(BatonProperties.Stalls.Level.BASIC),
        BatonProperties.Backend.REDIS);
    registry = registry(view);
    deadlock();
    AsyncSemaphore payments = registry.semaphore("payments", 1);
    AsyncLock books = registry.lock("books");
    Call pay = call("Pay.first");
    Call settle = call("Books.settle");
    as(pay, payments::acquire).join();
    as(settle, books::acquire).join();
    as(pay, books::acquire);
    as(settle, payments::acquire);

    assertThat(view.check().deadlocks()).singleElement().satisfies(deadlock -> assertThat(
        deadlock.cycle()).extracting(StuckCall::site)
        .containsExactlyInAnyOrder("OrderService.place", "LedgerService.post"));
  }

  /**
   * A permit held by a call Baton does not know may be released at any time, so the semaphore's
   * waiter can proceed whatever its known holders wait for: the unknown hold is no hold to skip.
   */
  @Test
  void aSemaphoreAlsoHeldByAnUnknownCallIsNoDeadlockWhateverItsKnownHolderWaitsFor() {
    AsyncSemaphore payments = registry.semaphore("payments", 2);
    AsyncLock ledger = registry.lock("ledger");
    Call first = call("Pay.first");
    Call settle = call("Ledger.settle");
    CompletableFuture<Permit> unknown = payments.acquire();
    taken.add(unknown);
    unknown.join();
    as(first, payments::acquire).join();
    as(settle, ledger::acquire).join();
    as(first, ledger::acquire);
    as(settle, payments::acquire);

    assertThat(view.check().deadlocks()).isEmpty();
  }

  /**
   * A call waits for the calls made from it however deep: a wait two calls down keeps the
   * outer call's hold held, and so closes a cycle through it.
   */
  @Test
  void aWaitTwoCallsDownClosesACycleThroughTheOuterCallsHold() {
    AsyncLock books = registry.lock("books");
    AsyncLock shelf = registry.lock("shelf");
    Call close = call("Books.close");
    Call place = call("Order.place");
    Call charge = call("Payment.charge", call("Order.pay", place));
    as(close, books::acquire).join();
    as(place, shelf::acquire).join();
    as(charge, books::acquire);
    as(close, shelf::acquire);

    StallReport report = view.check();

    assertThat(report.deadlocks()).singleElement().satisfies(deadlock -> {
      assertThat(deadlock.cycle()).extracting(StuckCall::site)
          .containsExactlyInAnyOrder("Books.close", "Order.place", "Payment.charge");
      assertThat(deadlock.tail()).extracting(StuckCall::site).containsExactly("Order.pay");
    });
  }

  @Test
  void aHolderNobodyKnowsCountsAsProgressingAndTheWaitIsCoverage() {
    AsyncLock ledger = registry.lock("ledger");
    AsyncLock inventory = registry.lock("inventory");
    Call post = call("LedgerService.post");
    CompletableFuture<Permit> unknown = ledger.acquire();
    taken.add(unknown);
    as(post, inventory::acquire).join();
    as(post, ledger::acquire);
    taken.add(inventory.acquire());

    StallReport report = view.check();

    assertThat(report.deadlocks()).isEmpty();
    assertThat(report.pendingWaits()).isEqualTo(2);
    assertThat(report.waitsOfUnknownCalls()).isEqualTo(1);
  }

  @Test
  void aCallWaitingForALockItHoldsIsNamedAtOnce(CapturedOutput output) {
    AsyncLock ledger = registry.lock("ledger");
    Call post = call("LedgerService.post");
    as(post, ledger::acquire).join();

    CompletableFuture<Permit> again = as(post, ledger::acquire);

    assertThat(again).isNotDone();
    assertThat(view.check().reentries()).containsExactly(
        new Reentry("LedgerService.post", "LedgerService.post", "lock", "ledger"));
    assertThat(output.getOut().lines().filter(line -> line.contains("WARN")
        && line.contains("Baton: re-entry: LedgerService.post waits for lock 'ledger', which it"
            + " already holds"))).hasSize(1);
    await().until(() -> view.check().deadlocks().get(0).confirmed());
    assertThat(output.getOut().lines().filter(line ->
        line.contains("Baton: deadlock of a call with itself, unchanged for "))).hasSize(1);
  }

  /** A condition's lock is a lock: not re-entrant, and ordered with the others. */
  @Test
  void aCallWaitingForAConditionsLockItHoldsIsNamedAtOnceAndItsOrderIsLearned() {
    AsyncLock ready = registry.condition("ready").lock();
    AsyncLock ledger = registry.lock("ledger");
    Call worker = call("Worker.run");
    as(worker, ready::acquire).join();
    as(worker, ledger::acquire).join().release();

    CompletableFuture<Permit> again = as(worker, ready::acquire);

    assertThat(again).isNotDone();
    assertThat(view.check().reentries()).containsExactly(
        new Reentry("Worker.run", "Worker.run", "condition", "ready"));
    Call notifier = call("Notifier.run");
    as(notifier, ledger::acquire).join();
    as(notifier, ready::acquire);
    assertThat(view.check().inversions()).singleElement().satisfies(inversion -> assertThat(
        inversion.describe()).contains("Worker.run takes condition 'ready', then lock 'ledger'"));
  }

  /** A lock and a condition may share a name: re-entering each is two re-entries. */
  @Test
  void reentriesOfALockAndOfAConditionOfOneNameAreEachLoggedAndListed(CapturedOutput output) {
    AsyncLock conditionLock = registry.condition("ready").lock();
    AsyncLock lock = registry.lock("ready");
    Call worker = call("Worker.run");
    as(worker, conditionLock::acquire).join();
    as(worker, lock::acquire).join();

    as(worker, conditionLock::acquire);
    as(worker, lock::acquire);

    assertThat(view.check().reentries()).containsExactlyInAnyOrder(
        new Reentry("Worker.run", "Worker.run", "condition", "ready"),
        new Reentry("Worker.run", "Worker.run", "lock", "ready"));
    assertThat(output.getOut()).contains("Baton: re-entry: Worker.run waits for condition 'ready'")
        .contains("Baton: re-entry: Worker.run waits for lock 'ready'");
  }

  @Test
  void aCallWaitingForALockItsCallerHoldsIsNamedWithTheCaller() {
    AsyncLock ledger = registry.lock("ledger");
    Call place = call("OrderService.place");
    Call post = call("LedgerService.post", place);
    as(place, ledger::acquire).join();

    as(post, ledger::acquire);

    assertThat(view.check().reentries()).containsExactly(
        new Reentry("LedgerService.post", "OrderService.place", "lock", "ledger"));
  }

  @Test
  void inStrictModeAReentryFailsTheWaitAtOnceAndItHoldsNothing() {
    strictView();
    AsyncLock ledger = registry.lock("ledger");
    Call post = call("LedgerService.post");
    as(post, ledger::acquire).join();

    CompletableFuture<Permit> again = as(post, ledger::acquire);

    assertThatThrownBy(again::join).isInstanceOf(CompletionException.class)
        .cause().isInstanceOf(DeadlockException.class)
        .hasMessageContaining("LedgerService.post waits for lock 'ledger', which it already holds");
    assertThat(ledger.waiters()).isZero();
  }

  /**
   * A strict view and registry in place of the basic ones, and a deadlock with no inversion for
   * it to refuse first (a semaphore is not ordered): Pay.charge holds semaphore 'payments' and
   * waits for lock 'ledger', which Ledger.settle holds while it waits for 'payments'. Returns
   * their waits, charge's first.
   */
  private List<CompletableFuture<Permit>> strictDeadlockOfPaymentsAndLedger() {
    strictView();
    AsyncSemaphore payments = registry.semaphore("payments", 1);
    AsyncLock ledger = registry.lock("ledger");
    Call charge = call("Pay.charge");
    Call settle = call("Ledger.settle");
    as(charge, payments::acquire).join();
    as(settle, ledger::acquire).join();
    return List.of(as(charge, ledger::acquire), as(settle, payments::acquire));
  }

  @Test
  void inStrictModeAConfirmedDeadlockFailsOneOfItsWaitsNamingTheCycle() {
    List<CompletableFuture<Permit>> waits = strictDeadlockOfPaymentsAndLedger();
    CompletableFuture<Permit> chargeWaits = waits.get(0);
    CompletableFuture<Permit> settleWaits = waits.get(1);

    await().until(() -> {
      view.check();
      return chargeWaits.isCompletedExceptionally() || settleWaits.isCompletedExceptionally();
    });

    CompletableFuture<Permit> broken =
        chargeWaits.isCompletedExceptionally() ? chargeWaits : settleWaits;
    assertThat(broken == chargeWaits ? settleWaits : chargeWaits)
        .as("one wait fails to break the cycle, the other waits on").isNotDone();
    assertThatThrownBy(broken::join).cause().isInstanceOf(DeadlockException.class)
        .hasMessageContaining("deadlock: ")
        .hasMessageContaining("Pay.charge holds semaphore 'payments' and waits for lock 'ledger'");
    assertThat(broken == chargeWaits ? registry.lock("ledger").waiters()
        : registry.semaphore("payments", 1).waiters())
        .as("the failed wait waits nowhere").isZero();
    assertThat(view.check().deadlocks()).isEmpty();
  }

  /**
   * In strict mode the check that confirms a deadlock breaks it, so a deadlock without timeouts
   * never lasts until restart there: the health indicator reading that check must not go DOWN
   * for it, then UP again at the next read.
   */
  @Test
  void inStrictModeTheHealthIsNeverDownForADeadlockItsCheckBreaks() {
    strictDeadlockOfPaymentsAndLedger();
    BatonHealthIndicator indicator = new BatonHealthIndicator(view);
    List<Status> statuses = new ArrayList<>();

    await().until(() -> {
      statuses.add(indicator.health().getStatus());
      return view.deadlocksConfirmed() > 0;
    });

    assertThat(view.check().deadlocks()).as("broken by the check that confirmed it").isEmpty();
    assertThat(statuses).as("the health read at each check").containsOnly(Status.UP);
  }

  @Test
  void aCycleThatResolvesBeforeConfirmationIsNeverConfirmed() {
    CompletableFuture<Permit> placeWaits = deadlock();
    assertThat(view.check().deadlocks()).singleElement()
        .satisfies(deadlock -> assertThat(deadlock.confirmed()).isFalse());

    placeWaits.cancel(false);

    assertThat(view.check().deadlocks()).isEmpty();
  }

  /**
   * A deadlock is confirmed by the same waits as well as the same holds: a call of the cycle that
   * withdrew its wait and waits anew between two checks restarts the confirmation.
   */
  @Test
  void aCycleWhoseCallWaitsAnewBetweenTwoChecksIsConfirmedOnlyOnceTheNewWaitLasts() {
    CompletableFuture<Permit> placeWaits = deadlock();
    Call place = view.pendingWaits().stream().map(PendingWait::call)
        .filter(call -> call.site().equals("OrderService.place")).findFirst().orElseThrow();
    assertThat(view.check().deadlocks()).singleElement()
        .satisfies(deadlock -> assertThat(deadlock.confirmed()).isFalse());
    long seen = System.nanoTime();
    await().pollDelay(Duration.ZERO).until(() -> System.nanoTime() - seen > CONFIRM.toNanos());

    placeWaits.cancel(false);
    as(place, registry.lock("ledger")::acquire);

    assertThat(view.check().deadlocks()).singleElement()
        .satisfies(deadlock -> assertThat(deadlock.confirmed()).as("a new wait").isFalse());
    long waitedAnew = System.nanoTime();
    await().pollDelay(Duration.ZERO)
        .until(() -> System.nanoTime() - waitedAnew > CONFIRM.toNanos());
    assertThat(view.check().deadlocks()).singleElement()
        .satisfies(deadlock -> assertThat(deadlock.confirmed()).isTrue());
  }

  /**
   * The watchdog's quick look: a deadlock check is due once a wait has been pending for the
   * confirmation time, not before, and not only some time after.
   */
  @Test
  void aCheckIsDueOnceAWaitHasBeenPendingForTheConfirmationTime() {
    Duration confirmAfter = Duration.ofSeconds(1);
    view.destroy();
    view = new StallView(new BatonProperties.Stalls(BatonProperties.Stalls.Level.BASIC,
        confirmAfter, Duration.ofHours(1), Duration.ofHours(1), Map.of()));
    registry = registry(view);
    AsyncLock ledger = registry.lock("ledger");
    as(call("LedgerService.post"), ledger::acquire).join();
    as(call("OrderService.place"), ledger::acquire);
    long since = view.pendingWaits().get(0).sinceNanos();

    assertThat(view.anyWaitOlderThanConfirmation()).isFalse();
    await().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(5))
        .until(() -> System.nanoTime() - since >= confirmAfter.toNanos());
    assertThat(view.anyWaitOlderThanConfirmation()).isTrue();
  }

  /**
   * Calls travel with context-propagation while any view runs: a second view destroyed while
   * this test's runs leaves the current call travelling to the threads that continue its work.
   */
  @Test
  void aViewDestroyedWhileAnotherRunsLeavesCallsTravelling() {
    new StallView(settings(BatonProperties.Stalls.Level.BASIC)).destroy();
    Call place = call("OrderService.place");
    ContextSnapshot snapshot =
        TestCalls.as(place, () -> ContextSnapshotFactory.builder().build().captureAll());

    CompletableFuture<Call> there = CompletableFuture.supplyAsync(() -> {
      try (ContextSnapshot.Scope restored = snapshot.setThreadLocals()) {
        return CurrentCall.get();
      }
    }, task -> new Thread(task).start());

    assertThat(there.join()).isSameAs(place);
  }

  /**
   * A holder is named as the waiting call's caller only when it is one: not when it is a call
   * made from the waiter.
   */
  @Test
  void aHolderIsNamedAsTheWaitersCallerOnlyWhenItIsOne() {
    AsyncLock ledger = registry.lock("ledger");
    AsyncLock journal = registry.lock("journal");
    Call place = call("OrderService.place");
    as(place, ledger::acquire).join();
    as(call("OrderService.pay", place), ledger::acquire); // a re-entry, left pending here
    Call run = call("Ledger.run");
    as(call("Ledger.post", run), journal::acquire).join();
    as(run, journal::acquire);

    assertThat(view.explain())
        .contains("OrderService.pay waits for lock 'ledger' for ")
        .contains(" by OrderService.place, this call's caller")
        .contains("Ledger.run waits for lock 'journal' for ")
        .doesNotContain("Ledger.post, this call's caller");
  }

  /** At most three holders are named per step, and the others are counted. */
  @Test
  void aWaitHeldUpByMoreThanThreeHoldersNamesThreeAndCountsTheRest() {
    AsyncSemaphore payments = registry.semaphore("payments", 4);
    for (int i = 0; i < 4; i++) {
      as(call("Pay.charge"), payments::acquire).join();
    }
    as(call("Pay.refund"), payments::acquire);

    assertThat(view.explain()).contains("Pay.refund waits for semaphore 'payments' for ")
        .endsWith("; and 1 more holder");
  }

  @Test
  void aFireAndForgetChildWaitingForItsCallersLockIsNotConfirmedOnceTheCallerLetsGo() {
    AsyncLock ledger = registry.lock("ledger");
    Call place = call("OrderService.place");
    Call audit = call("Audit.write", place);
    Permit held = as(place, ledger::acquire).join();
    CompletableFuture<Permit> child = as(audit, ledger::acquire);
    assertThat(view.check().deadlocks()).singleElement()
        .satisfies(deadlock -> assertThat(deadlock.confirmed()).isFalse());

    held.release();

    assertThat(child).isCompleted();
    assertThat(view.check().deadlocks()).isEmpty();
  }

  @Test
  void aPermitHandedToAnotherCallIsNoDeadlock() {
    AsyncSemaphore payments = registry.semaphore("payments", 1);
    Call charge = call("Pay.charge");
    Call refund = call("Pay.refund");
    as(charge, payments::acquire).join();
    as(refund, payments::acquire);

    assertThat(view.check().deadlocks()).isEmpty();
  }

  /**
   * The README's limit: the view cannot see a hand-off. A permit handed to another call stays the
   * hold of the call that took it, so when that call then waits for a lock the permit's waiter
   * holds, a deadlock is reported that the other call's release ends.
   */
  @Test
  void aHandedPermitStaysItsTakersHoldSoAWaitOfItsTakerCanLookLikeADeadlock() {
    AsyncSemaphore payments = registry.semaphore("payments", 1);
    AsyncLock ledger = registry.lock("ledger");
    Call charge = call("Pay.charge");
    Call refund = call("Pay.refund");
    Permit handed = as(charge, payments::acquire).join(); // handed to a call the view never sees
    as(refund, ledger::acquire).join();
    CompletableFuture<Permit> refundWaits = as(refund, payments::acquire);
    as(charge, ledger::acquire);

    assertThat(cycleSites(view.check())).containsExactlyInAnyOrder("Pay.charge", "Pay.refund");

    handed.release(); // the call it was handed to lets go: the reported deadlock ends
    assertThat(refundWaits).succeedsWithin(WITHIN);
  }

  @Test
  void aTimeoutSaysWhoHeldItUpAndWhatTheyWaitFor() {
    AsyncLock inventory = registry.lock("inventory");
    AsyncLock ledger = registry.lock("ledger");
    Call place = call("OrderService.place");
    Call transfer = call("LedgerService.transfer");
    Call reserve = call("InventoryService.reserve", transfer);
    as(place, inventory::acquire).join();
    as(transfer, ledger::acquire).join();
    as(reserve, inventory::acquire);

    CompletableFuture<Permit> timed = as(place, () -> ledger.acquire(Duration.ofMillis(50)));

    assertThatThrownBy(timed::join).cause().isInstanceOf(AcquireTimeoutException.class)
        .hasMessageStartingWith("timed out after PT0.05S waiting for lock 'ledger': held for ")
        .hasMessageContaining(" by LedgerService.transfer, which waits for lock 'inventory' in"
            + " InventoryService.reserve, held for ")
        .hasMessageContaining(" by OrderService.place, this call")
        .satisfies(e -> assertThat(((AcquireTimeoutException) e).blockers())
            .startsWith("held for "));
  }

  /**
   * A timed-out wait fails on a completer thread some time after its timeout withdrew it; by
   * then its holder may have let go and the lock gone to the waiter queued behind it, which never
   * held the timed-out wait up. Here every completer is kept busy while that happens, as other
   * timeouts' callbacks would: the explanation must not name the call granted the lock later.
   */
  @Test
  void aTimeoutNeverNamesACallGrantedTheLockAfterTheWaitExpired() throws Exception {
    AsyncLock ledger = registry.lock("ledger");
    Permit posting = as(call("LedgerService.post"), ledger::acquire).join();
    CompletableFuture<Permit> timed =
        as(call("OrderService.place"), () -> ledger.acquire(Duration.ofMillis(50)));
    CompletableFuture<Permit> behind = as(call("Audit.read"), ledger::acquire);
    AsyncLock gate = AsyncLock.create();
    Permit closed = gate.acquire().join();
    CountDownLatch completersFree = new CountDownLatch(1);
    List<CompletableFuture<?>> busy = new ArrayList<>();
    for (int i = 0; i < Math.max(4, Runtime.getRuntime().availableProcessors()) + 1; i++) {
      busy.add(gate.acquire(Duration.ofMillis(1)).handle((permit, failed) -> {
        try {
          return completersFree.await(WITHIN.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
          throw new IllegalStateException(e);
        }
      }));
    }
    await().until(() -> ledger.waiters() == 1); // the timeout withdrew the wait

    posting.release();
    assertThat(behind).isCompleted();
    completersFree.countDown();

    assertThatThrownBy(timed::join).cause().isInstanceOf(AcquireTimeoutException.class)
        .hasMessageStartingWith("timed out after PT0.05S waiting for lock 'ledger'")
        .hasMessageNotContaining("Audit.read");
    CompletableFuture.allOf(busy.toArray(CompletableFuture[]::new)).get(5, TimeUnit.SECONDS);
    closed.release();
  }

  /**
   * A condition's waiter holding {@code ledger}: while it waits for a signal, any signal may free
   * it, so a signaller waiting for {@code ledger} is no deadlock; once signalled, it waits for the
   * condition's lock, held by that signaller, and the two can never proceed.
   */
  @Test
  void aSignalledConditionWaiterTakingTheLockBackIsInTheGraphAndOnlyThen() {
    AsyncCondition ready = registry.condition("ready");
    CompletableFuture<Permit> notifierWaits = notifierWaitsForLedgerWhileWorkerAwaits(ready::await);

    assertThat(view.check().deadlocks()).as("before the signal").isEmpty();
    ready.signal();

    assertThat(view.check().deadlocks()).singleElement().satisfies(deadlock -> {
      assertThat(deadlock.cycle()).extracting(StuckCall::site)
          .containsExactlyInAnyOrder("Worker.run", "Notifier.run");
      assertThat(deadlock.describe())
          .contains("Worker.run holds lock 'ledger' and waits for condition 'ready'");
    });
    notifierWaits.cancel(false);
  }

  /**
   * The stall view makes the registry track holds though nothing else asked it to: a per-key
   * lock family knows its oldest hold and the call that keeps it.
   */
  @Test
  void underTheStallViewAPerKeyFamilyKnowsItsOldestHold() {
    as(call("Stock.take"), () -> registry.lock("stock", "fig").acquire()).join();
    List<LockFamily> families = new ArrayList<>();
    registry.onPrimitive(primitive -> {
      if (primitive.kind() == NamedPrimitive.Kind.LOCK_FAMILY) {
        families.add((LockFamily) primitive.primitive());
      }
    });

    assertThat(families).singleElement().satisfies(family -> assertThat(family.oldestHold())
        .map(Hold::call).map(Call::site).hasValue("Stock.take"));
  }

  /**
   * A condition's wait with a timeout stays timed while it takes the lock back after its signal:
   * a deadlock through it ends when that timeout does, not at a restart.
   */
  @Test
  void aSignalledTimedConditionWaitTakingTheLockBackIsATimedWaitOfItsDeadlock() {
    AsyncCondition ready = registry.condition("ready");
    CompletableFuture<Permit> notifierWaits = notifierWaitsForLedgerWhileWorkerAwaits(
        readyHeld -> ready.await(readyHeld, Duration.ofHours(1)));
    ready.signal();

    Deadlock deadlock = view.check().deadlocks().get(0);

    assertThat(deadlock.cycle()).filteredOn(stuck -> stuck.site().equals("Worker.run"))
        .singleElement().satisfies(stuck -> assertThat(stuck.waits()).singleElement()
            .satisfies(wait -> assertThat(wait.name()).isEqualTo("ready"))
            .satisfies(wait -> assertThat(wait.timed()).as("waits at most an hour").isTrue()));
    assertThat(deadlock.lastsUntilRestart()).isFalse();
    notifierWaits.cancel(false);
  }

  /**
   * The README's limit: the local backend's {@code awaitUntil}, whose rounds signal and wait
   * again, does not say when its waiter is signalled, so its waiter taking the lock back is never
   * in the graph, and the same shape as above is no deadlock to the view.
   */
  @Test
  void anAwaitUntilWaiterTakingTheLockBackIsNeverInTheGraph() {
    AsyncCondition ready = registry.condition("ready");
    AtomicBoolean flag = new AtomicBoolean();
    CompletableFuture<Permit> notifierWaits = notifierWaitsForLedgerWhileWorkerAwaits(
        readyHeld -> ready.awaitUntil(flag::get, readyHeld));

    flag.set(true);
    ready.signal();

    assertThat(view.pendingWaits()).extracting(wait -> wait.site().primitive())
        .containsExactly("lock");
    assertThat(view.check().deadlocks()).isEmpty();
    notifierWaits.cancel(false);
  }

  /**
   * A condition's waiter is granted its lock back on the thread of the call that lets the lock
   * go; its callbacks run as the call that waited, as after any Baton wait, not as that other
   * call: what it asks for next is its own request, and no re-entry of the other's.
   */
  @Test
  void aSignalledConditionWaiterContinuesAsItsOwnCallWhereverItGetsTheLockBack() {
    AsyncCondition ready = registry.condition("ready");
    AsyncLock ledger = registry.lock("ledger");
    Call worker = call("Worker.run");
    Call notifier = call("Notifier.run");
    Permit workerReady = as(worker, ready.lock()::acquire).join();
    CompletableFuture<Permit> back = TestCalls.as(worker, () -> ready.await(workerReady));
    taken.add(back);
    CompletableFuture<CompletableFuture<Permit>> next = back.thenApply(permit -> ledger.acquire());
    Permit notifierReady = as(notifier, ready.lock()::acquire).join();
    as(notifier, ledger::acquire).join();

    TestCalls.as(notifier, () -> {
      ready.signal();
      notifierReady.release(); // grants the worker the lock back, here
      return null;
    });
    taken.add(next.join());

    assertThat(view.pendingWaits()).extracting(wait -> wait.call().site())
        .containsExactly("Worker.run");
    assertThat(view.check().reentries()).as("the worker does not hold ledger").isEmpty();
  }

  /**
   * A queue's take and a barrier's wait, ended by another call's put or arrival, settle as the
   * call that waited: their callbacks run as it, not as the call that ended them.
   */
  @Test
  void aTakeAndABarrierWaitEndedByAnotherCallSettleAsTheCallThatWaited() {
    AsyncQueue<String> jobs = registry.queue("jobs", String.class);
    AsyncBarrier meeting = registry.barrier("meeting", 2);
    Call consumer = call("Consumer.run");
    Call producer = call("Producer.run");

    CompletableFuture<Call> tookAs =
        TestCalls.as(consumer, jobs::take).thenApply(job -> CurrentCall.get());
    TestCalls.as(producer, () -> jobs.put("job"));
    CompletableFuture<Call> metAs =
        TestCalls.as(consumer, meeting::await).thenApply(index -> CurrentCall.get());
    TestCalls.as(producer, meeting::await);

    assertThat(tookAs.join()).isSameAs(consumer);
    assertThat(metAs.join()).isSameAs(consumer);
  }

  /**
   * The README: every wait of the registry's primitives, ended by another call (a release, a set,
   * a put, a take, a task done, an arrival), settles as the call that waited, or as none for a
   * wait made outside any call: the call that ended it never leaks into the waiter's callbacks.
   */
  @Test
  void everyWaitEndedByAnotherCallSettlesAsItsOwnCallOrNone() {
    DefaultPrimitiveRegistry ofOne = new DefaultPrimitiveRegistry(new BatonProperties(true,
        BatonProperties.Backend.LOCAL, Duration.ofSeconds(30), false,
        BatonProperties.DEFAULT_ASPECT_ORDER, null, null, null,
        Map.of("full", new BatonProperties.Queue(1, BatonProperties.QueueOrder.FIFO, String.class,
            null, null)), null, null, null, null, null, null), new LocalPrimitives(), List.of(),
        false, view);
    Call ender = call("Ender.run");
    for (Call waiter : new Call[] {call("Waiter.run"), null}) {
      AsyncLock ledger = registry.lock("ledger");
      Permit locked = TestCalls.as(ender, ledger::acquire).join();
      CompletableFuture<Call> lockWait = seenBy(waiter, ledger::acquire);
      endAs(ender, locked::release);
      settledAs(waiter, lockWait, "a lock's wait");
      ledger.acquire().join().release(); // the waiter's grant was released by its callback

      AsyncSemaphore payments = registry.semaphore("payments", 1);
      Permit paid = TestCalls.as(ender, payments::acquire).join();
      CompletableFuture<Call> permitWait = seenBy(waiter, payments::acquire);
      endAs(ender, paid::release);
      settledAs(waiter, permitWait, "a semaphore's wait");

      AsyncEvent ready = registry.event("ready");
      ready.clear();
      CompletableFuture<Call> eventWait = seenBy(waiter, ready::await);
      endAs(ender, ready::set);
      settledAs(waiter, eventWait, "an event's wait");

      AsyncQueue<String> orders = registry.queue(waiter == null ? "orders" : "jobs", String.class);
      CompletableFuture<Call> take = seenBy(waiter, orders::take);
      endAs(ender, () -> orders.put("first").join());
      settledAs(waiter, take, "a queue's take");
      CompletableFuture<Call> join = seenBy(waiter, orders::join);
      endAs(ender, orders::taskDone);
      settledAs(waiter, join, "a queue's join");

      AsyncQueue<String> full = ofOne.queue("full", String.class);
      TestCalls.as(ender, () -> full.put("first")).join();
      CompletableFuture<Call> put = seenBy(waiter, () -> full.put("second"));
      endAs(ender, () -> full.take().join());
      settledAs(waiter, put, "a queue's put");
      assertThat(full.poll()).isEqualTo("second");

      AsyncBarrier meeting = registry.barrier(waiter == null ? "meeting" : "round", 2);
      CompletableFuture<Call> arrival = seenBy(waiter, meeting::await);
      endAs(ender, () -> meeting.await().join());
      settledAs(waiter, arrival, "a barrier's wait");
    }
  }

  /**
   * As {@code waiter} (no call if null), what {@code wait} starts: the call current in its
   * callback, which releases a permit it was granted.
   */
  private static CompletableFuture<Call> seenBy(Call waiter,
      Supplier<? extends CompletableFuture<?>> wait) {
    try (CurrentCall.Scope in = waiter == null ? null : CurrentCall.in(waiter)) {
      return wait.get().thenApply(granted -> {
        Call current = CurrentCall.get();
        if (granted instanceof Permit permit) {
          permit.release();
        }
        return current;
      });
    }
  }

  /** Asserts that {@code wait} settled at once, as {@code waiter} (no call if null). */
  private static void settledAs(Call waiter, CompletableFuture<Call> wait, String what) {
    assertThat(wait).as(what + ", as " + (waiter == null ? "no call" : waiter.site()))
        .succeedsWithin(WITHIN).isSameAs(waiter);
  }

  /** Runs {@code end} as {@code ender}. */
  private static void endAs(Call ender, Runnable end) {
    try (CurrentCall.Scope in = CurrentCall.in(ender)) {
      end.run();
    }
  }

  /**
   * A condition's await gives its lock back and takes it again once signalled: taken again while
   * the waiter holds {@code ledger}, it is ordered after {@code ledger}, against the order in
   * which the waiter took them. A second worker taking both as the first did deadlocks with it.
   */
  @Test
  void takingAConditionsLockBackWhileHoldingAnotherLockIsOrderedAfterIt() {
    AsyncCondition ready = registry.condition("ready");
    AsyncLock ledger = registry.lock("ledger");
    Call worker = call("Worker.run");
    Permit readyHeld = as(worker, ready.lock()::acquire).join();
    Permit ledgerHeld = as(worker, ledger::acquire).join();
    CompletableFuture<Permit> back = TestCalls.as(worker, () -> ready.await(readyHeld));
    taken.add(back);

    Permit signalling = ready.lock().acquire().join();
    ready.signal();
    signalling.release();
    back.join().release();
    ledgerHeld.release();

    assertThat(view.check().inversions()).singleElement().satisfies(inversion -> assertThat(
        inversion.describe()).contains("Worker.run takes lock 'ledger', then condition 'ready'")
        .contains("Worker.run takes condition 'ready', then lock 'ledger'"));
  }

  @Test
  void locksTakenInOppositeOrdersAreAnInversionBeforeAnyDeadlockReportedOnce(
      CapturedOutput output) {
    AsyncLock inventory = registry.lock("inventory");
    AsyncLock ledger = registry.lock("ledger");
    Call place = call("OrderService.place");
    Permit placeInventory = as(place, inventory::acquire).join();
    as(place, ledger::acquire).join().release();
    placeInventory.release();
    Call transfer = call("LedgerService.transfer");
    Permit transferLedger = as(transfer, ledger::acquire).join();

    as(transfer, inventory::acquire).join().release();
    transferLedger.release();
    Call again = call("LedgerService.transfer");
    try (Permit ledgerAgain = as(again, ledger::acquire).join()) {
      as(again, inventory::acquire).join().release();
    }

    StallReport report = view.check();
    assertThat(report.deadlocks()).isEmpty();
    assertThat(report.inversions()).singleElement().satisfies(inversion ->
        assertThat(inversion.describe()).isEqualTo("LedgerService.transfer takes lock 'ledger',"
            + " then lock 'inventory'; OrderService.place takes lock 'inventory', then lock"
            + " 'ledger'"));
    assertThat(view.inversionsFound()).isEqualTo(1);
    assertThat(output.getOut().lines().filter(line -> line.contains("WARN")
        && line.contains("Baton: lock-order inversion: LedgerService.transfer takes lock"
            + " 'ledger', then lock 'inventory'; OrderService.place takes lock 'inventory', then"
            + " lock 'ledger'; two calls taking them in these orders at once would deadlock")))
        .hasSize(1);
  }

  @Test
  void anInversionOfThreeLocksIsFoundThroughReachability() {
    AsyncLock a = registry.lock("a");
    AsyncLock b = registry.lock("b");
    AsyncLock c = registry.lock("c");
    takeInOrder(call("One.run"), a, b);
    takeInOrder(call("Two.run"), b, c);
    assertThat(view.check().inversions()).isEmpty();

    takeInOrder(call("Three.run"), c, a);

    assertThat(view.check().inversions()).singleElement()
        .satisfies(inversion -> assertThat(inversion.steps()).extracting(Inversion.Step::site)
            .containsExactly("Three.run", "One.run", "Two.run"));
  }

  @Test
  void aLockHeldByTheCallerOrdersTheLockTheCalleeTakes() {
    AsyncLock inventory = registry.lock("inventory");
    AsyncLock ledger = registry.lock("ledger");
    Call place = call("OrderService.place");
    Call post = call("LedgerService.post", place);
    try (Permit held = as(place, inventory::acquire).join()) {
      as(post, ledger::acquire).join().release();
    }

    takeInOrder(call("LedgerService.transfer"), ledger, inventory);

    assertThat(view.check().inversions()).singleElement()
        .satisfies(inversion -> assertThat(inversion.steps()).extracting(Inversion.Step::site)
            .containsExactly("LedgerService.transfer", "LedgerService.post"));
  }

  @Test
  void nestingTwoKeysOfOneFamilyIsReportedWithoutTheKeys() {
    Call move = call("Accounts.move");
    try (Permit from = as(move, () -> registry.lock("accounts", "SENTINEL-1").acquire()).join()) {
      as(move, () -> registry.lock("accounts", "SENTINEL-2").acquire()).join().release();
    }

    assertThat(view.check().inversions()).singleElement().satisfies(inversion -> {
      assertThat(inversion.describe())
          .isEqualTo("Accounts.move takes lock 'accounts', then lock 'accounts'");
      assertThat(inversion.toString()).doesNotContain("SENTINEL");
    });
  }

  @Test
  void semaphoresAndTheSameLockAgainAreNotOrdered() {
    AsyncSemaphore payments = registry.semaphore("payments", 2);
    AsyncLock ledger = registry.lock("ledger");
    Call charge = call("Pay.charge");
    try (Permit permit = as(charge, payments::acquire).join()) {
      as(charge, ledger::acquire).join().release();
    }
    Call settle = call("Ledger.settle");
    try (Permit held = as(settle, ledger::acquire).join()) {
      as(settle, payments::acquire).join().release();
      as(settle, ledger::acquire);
    }

    assertThat(view.check().inversions()).isEmpty();
  }

  @Test
  void inStrictModeAnInversionRefusesTheRequestAndNothingIsAcquired() {
    strictView();
    AsyncLock inventory = registry.lock("inventory");
    AsyncLock ledger = registry.lock("ledger");
    takeInOrder(call("OrderService.place"), inventory, ledger);
    Call transfer = call("LedgerService.transfer");

    try (Permit held = as(transfer, ledger::acquire).join()) {
      CompletableFuture<Permit> refused = as(transfer, inventory::acquire);

      assertThatThrownBy(refused::join).cause().isInstanceOf(DeadlockException.class)
          .hasMessageStartingWith("lock-order inversion: LedgerService.transfer takes lock"
              + " 'ledger', then lock 'inventory'");
      assertThat(inventory.isLocked()).isFalse();
    }
  }

  /**
   * In strict mode a request in an inverted order is refused each time, reported once, and not
   * learned as an order: the orders that later requests are checked against are those that
   * happened, so a consistent nesting (inventory, then audit, then ledger) is granted.
   */
  @Test
  void inStrictModeEachRequestInAnInvertedOrderIsRefusedAndARefusedOrderIsNotLearned() {
    strictView();
    AsyncLock inventory = registry.lock("inventory");
    AsyncLock ledger = registry.lock("ledger");
    AsyncLock audit = registry.lock("audit");
    takeInOrder(call("OrderService.place"), inventory, ledger);
    Call transfer = call("LedgerService.transfer");

    try (Permit held = as(transfer, ledger::acquire).join()) {
      for (int attempt = 0; attempt < 2; attempt++) {
        assertThatThrownBy(as(transfer, inventory::acquire)::join).as("attempt %d", attempt)
            .cause().isInstanceOf(DeadlockException.class)
            .hasMessageStartingWith("lock-order inversion: LedgerService.transfer takes lock"
                + " 'ledger', then lock 'inventory'");
      }
    }
    takeInOrder(call("Stock.count"), inventory, audit);
    takeInOrder(call("Audit.close"), audit, ledger);

    assertThat(view.inversionsFound()).isEqualTo(1);
    assertThat(view.check().inversions()).singleElement()
        .satisfies(inversion -> assertThat(inversion.steps()).extracting(Inversion.Step::site)
            .containsExactly("LedgerService.transfer", "OrderService.place"));
    assertThat(inventory.isLocked()).isFalse();
  }

  @Test
  void keysAreNeverReadNorShownInReportsMessagesOrExplanations() {
    AtomicBoolean read = new AtomicBoolean();
    record Hidden(String value, AtomicBoolean read) {
      @Override
      public String toString() {
        read.set(true);
        return "SENTINEL-" + value;
      }
    }
    AsyncLock first = registry.lock("accounts", new Hidden("1", read));
    AsyncLock second = registry.lock("accounts", new Hidden("2", read));
    Call debit = call("Accounts.debit");
    Call credit = call("Accounts.credit");
    as(debit, first::acquire).join();
    as(credit, second::acquire).join();
    as(debit, second::acquire);
    as(credit, first::acquire);
    CompletableFuture<Permit> timed = as(call("Accounts.audit"),
        () -> first.acquire(Duration.ofMillis(20)));

    String timeout = timed.handle((permit, failure) -> failure.getMessage()).join();
    StallReport report = view.check();
    String explained = view.explain();

    assertThat(report.deadlocks()).hasSize(1);
    assertThat(report.inversions()).hasSize(1);
    assertThat(List.of(timeout, report.toString(), explained))
        .allSatisfy(text -> assertThat(text).contains("'accounts'").doesNotContain("SENTINEL"));
    assertThat(read).as("a key's toString() was called").isFalse();
  }

  /**
   * A lock's pending wait is the record its hold will be, but no permit before its grant:
   * releasing one taken for a permit is refused and ends nothing, so the grant it gets later is
   * released as any other, and the lock is free after.
   */
  @Test
  void aPendingWaitTakenForAPermitCannotBeReleased() {
    AsyncLock ledger = registry.lock("ledger");
    Permit first = as(call("LedgerService.post"), ledger::acquire).join();
    CompletableFuture<Permit> waiting = as(call("OrderService.place"), ledger::acquire);
    Permit notGranted = (Permit) view.pendingWaits().get(0);

    assertThatThrownBy(notGranted::release).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("lock 'ledger' has not been granted");
    assertThatThrownBy(notGranted::close).isInstanceOf(IllegalStateException.class);
    assertThat(notGranted.isReleased()).isFalse();

    first.release();
    waiting.join().release();
    assertThat(ledger.isLocked()).isFalse();
    assertThat(((HoldTracking) ledger).holds().count()).isZero();
  }

  @Test
  void holdsAndWaitsPastTheirThresholdsAreStallsLoggedOncePerEpisode(CapturedOutput output) {
    ledgerStallsAfter(Duration.ofMillis(30), Duration.ofMillis(30));
    AsyncLock ledger = registry.lock("ledger");
    AsyncLock inventory = registry.lock("inventory");
    Call post = call("LedgerService.post");
    as(post, ledger::acquire).join();
    as(call("OrderService.place"), ledger::acquire);
    as(post, inventory::acquire).join();

    await().until(() -> view.stalls().size() == 2);
    view.stalls();

    assertThat(view.check().stalls()).extracting(Stall::describe).allSatisfy(line ->
        assertThat(line).matches("(lock 'ledger' held for .* by LedgerService.post"
            + "|OrderService.place waiting .* for lock 'ledger') \\(threshold 30 ms\\)"));
    assertThat(output.getOut().lines().filter(line -> line.contains("Baton: stall: ")))
        .hasSize(2).noneMatch(line -> line.contains("inventory"));
  }

  /**
   * The README's thresholds of one primitive's own, under {@code baton.stalls.primitives.NAME}: a
   * per-key family's name is its NAME, and its stalls, logged and listed, name it, never a key.
   */
  @Test
  void aPerKeyFamilysOwnThresholdsApplyToEachKeyAndItsStallsShowNoKey(CapturedOutput output) {
    AtomicBoolean read = new AtomicBoolean();
    record Hidden(AtomicBoolean read) {
      @Override
      public String toString() {
        read.set(true);
        return "SENTINEL";
      }
    }
    replaceView(Duration.ofHours(1), Map.of("accounts",
        new BatonProperties.Stalls.Thresholds(Duration.ofMillis(30), Duration.ofMillis(30))));
    AsyncLock account = registry.lock("accounts", new Hidden(read));
    as(call("Accounts.debit"), account::acquire).join();
    as(call("Accounts.credit"), account::acquire);

    List<Stall> stalls = await().until(view::stalls, found -> found.size() == 2);

    assertThat(stalls).extracting(Stall::describe).allSatisfy(line -> assertThat(line)
        .contains("lock 'accounts'").endsWith("(threshold 30 ms)"));
    assertThat(output.getOut().lines().filter(line -> line.contains("Baton: stall: ")))
        .hasSize(2).noneMatch(line -> line.contains("SENTINEL"));
    assertThat(read).as("a key's toString() was called").isFalse();
  }

  /** The README's stalls are listed while they last: a hold's until its release. */
  @Test
  void aStallIsListedWhileItLastsAndNoLonger() {
    ledgerStallsAfter(Duration.ofMillis(30), Duration.ofHours(1));
    Permit held = as(call("LedgerService.post"), registry.lock("ledger")::acquire).join();
    await().until(() -> view.stalls().size() == 1);
    assertThat(view.check().stalls()).hasSize(1);

    held.release();

    assertThat(view.stalls()).isEmpty();
    assertThat(view.check().stalls()).isEmpty();
  }

  /**
   * A scan that reads a wait just before its grant and logs it after: the grant's settling
   * finds no entry to remove, so the scan removes its own, and the hold the wait became is
   * logged once it stalls too, in its own episode (the entry used to stay and hide that line).
   */
  @Test
  void aWaitGrantedWhileAScanLogsItLeavesNoEntryToHideItsHoldsStall(CapturedOutput output) {
    AsyncLock ledger = registry.lock("ledger");
    Permit first = as(call("LedgerService.post"), ledger::acquire).join();
    CompletableFuture<Permit> waiting = as(call("OrderService.place"), ledger::acquire);
    PendingWait wait = view.pendingWaits().get(0);
    first.release();
    Hold hold = Hold.of(waiting.join());
    assertThat(hold).isSameAs(wait);
    Duration threshold = Duration.ofMillis(30);
    StallScan scan = new StallScan(new BatonProperties.Stalls(BatonProperties.Stalls.Level.BASIC,
        CONFIRM, threshold, threshold, Map.of()), LogFactory.getLog(StallViewTest.class), 100,
        (watched, permit) -> permit);
    hold.listedIn().listed(false); // the view's own scan listed the lock's holds: take them
    scan.held(hold);
    await().until(() -> System.nanoTime() - hold.sinceNanos() > threshold.toNanos());

    assertThat(scan.scan(List.of(wait))).extracting(Stall::kind).containsExactly("waited", "held");

    assertThat(output.getOut().lines().filter(line -> line.contains("Baton: stall: ")))
        .anyMatch(line -> line.contains("waiting")).anyMatch(line -> line.contains("held"));
  }

  /**
   * A hold released while a scan logs it (here, as the scan hands it to the leak watch, just
   * before it is logged) keeps no entry that would keep it reachable for good.
   */
  @Test
  void aHoldReleasedWhileAScanLogsItIsNotKeptByTheScan() {
    Duration threshold = Duration.ofMillis(30);
    StallScan scan = new StallScan(new BatonProperties.Stalls(BatonProperties.Stalls.Level.BASIC,
        CONFIRM, threshold, threshold, Map.of()), LogFactory.getLog(StallViewTest.class), 100,
        (watched, permit) -> {
          permit.release();
          return permit;
        });
    WeakReference<Hold> released = heldPastThenReleasedWhileScanned(scan, threshold);

    await().until(() -> {
      System.gc();
      return released.get() == null;
    });
    Reference.reachabilityFence(scan);
  }

  /** A hold past {@code threshold}, released by {@code scan}'s leak watch as it scans it. */
  private WeakReference<Hold> heldPastThenReleasedWhileScanned(StallScan scan,
      Duration threshold) {
    Permit permit = TestCalls.as(call("LedgerService.post"), registry.lock("ledger")::acquire)
        .join();
    Hold hold = Hold.of(permit);
    hold.listedIn().listed(false); // the view's own scan listed the lock's holds: take them
    scan.held(hold);
    await().until(() -> System.nanoTime() - hold.sinceNanos() > threshold.toNanos());

    assertThat(scan.scan(List.of())).extracting(Stall::kind).containsExactly("held");
    assertThat(permit.isReleased()).isTrue();
    return new WeakReference<>(hold);
  }

  /**
   * A primitive's own thresholds each apply to their kind: its waits stall past its own
   * waited-too-long, whatever its held-too-long, and its holds not before the latter.
   */
  @Test
  void aPrimitivesOwnWaitedTooLongAppliesToItsWaitsAndNotToItsHolds() {
    ledgerStallsAfter(Duration.ofHours(1), Duration.ofMillis(30));
    AsyncLock ledger = registry.lock("ledger");
    as(call("LedgerService.post"), ledger::acquire).join();
    as(call("OrderService.place"), ledger::acquire);

    List<Stall> stalls = await().until(view::stalls, found -> !found.isEmpty());

    assertThat(stalls).singleElement().extracting(Stall::describe).asString()
        .startsWith("OrderService.place waiting").endsWith("(threshold 30 ms)");
  }

  /** A hold that stalls, ends, and a new hold that stalls: two episodes, two lines. */
  @Test
  void aNewEpisodeOfTheSameStallIsLoggedAgain(CapturedOutput output) {
    ledgerStallsAfter(Duration.ofMillis(30), Duration.ofHours(1));
    AsyncLock ledger = registry.lock("ledger");
    for (int episode = 1; episode <= 2; episode++) {
      Permit held = as(call("LedgerService.post"), ledger::acquire).join();
      await().until(() -> !view.stalls().isEmpty());
      view.stalls();
      held.release();
      int lines = episode;
      await().until(() -> output.getOut().lines()
          .filter(line -> line.contains("Baton: stall: lock 'ledger' held")).count() == lines);
    }
    assertThat(output.getOut().lines()
        .filter(line -> line.contains("Baton: stall: lock 'ledger' held"))).hasSize(2);
  }

  @Test
  void aLockLeftIdleByAScanIsScannedAgainOnceHeldAnew() {
    ledgerStallsAfter(Duration.ofMillis(30), Duration.ofHours(1));
    AsyncLock ledger = registry.lock("ledger");
    as(call("LedgerService.open"), ledger::acquire).join().release();
    assertThat(view.stalls()).isEmpty(); // finds the lock without holds, and stops listing it

    as(call("LedgerService.post"), ledger::acquire).join();

    assertThat(await().until(view::stalls, found -> !found.isEmpty())).singleElement()
        .satisfies(stall -> assertThat(stall.describe())
            .startsWith("lock 'ledger' held for ").contains(" by LedgerService.post "));
  }

  @Test
  void anEventWhoseOnlySetterNeedsALockItsWaiterHoldsIsADeadlock() {
    AsyncLock config = registry.lock("config");
    AsyncEvent ready = registry.event("ready");
    Call use = call("Config.use");
    Call load = call("Loader.load");
    as(use, config::acquire).join();
    try (CurrentCall.Scope in = CurrentCall.in(load)) {
      ((SetterTracking) ready).setters().promise();
    }
    try (CurrentCall.Scope in = CurrentCall.in(use)) {
      ready.await();
    }
    as(load, config::acquire);

    StallReport report = view.check();

    assertThat(report.deadlocks()).singleElement().satisfies(deadlock -> {
      assertThat(deadlock.describe())
          .contains("Config.use holds lock 'config' and waits for event 'ready'")
          .contains("Loader.load is to set event 'ready' and waits for lock 'config'");
      assertThat(deadlock.lastsUntilRestart()).as("the wait for the event has no timeout")
          .isTrue();
    });
    try (CurrentCall.Scope in = CurrentCall.in(use)) {
      assertThatThrownBy(() -> ready.await(Duration.ofMillis(20)).join()).cause()
          .hasMessageStartingWith("timed out after PT0.02S waiting for event 'ready': to be set"
              + " by Loader.load, running for ")
          .hasMessageContaining(", which waits for lock 'config', held for ")
          .hasMessageContaining(" by Config.use, this call");
    }
  }

  /**
   * A timed-out wait is explained after its timeout, on the thread that fails it. If by then the
   * only call that was to set the event has let go (it set the event, too late), saying that no
   * running call is to set it would be false of the time the wait expired: it says nothing.
   */
  @Test
  void aTimeoutNeverSaysNoCallIsToSetAnEventWhoseSetterLetGoAfterItExpired() {
    AsyncEvent ready = registry.event("ready");
    EventSetters.Promise loading;
    try (CurrentCall.Scope in = CurrentCall.in(call("Loader.load"))) {
      loading = ((SetterTracking) ready).setters().promise();
    }
    try (CurrentCall.Scope in = CurrentCall.in(call("Config.use"))) {
      ready.await();
    }
    PendingWait wait = view.pendingWaits().get(0);

    assertThat(view.blockers(wait, Duration.ZERO)).startsWith("to be set by Loader.load");
    loading.close();
    assertThat(view.blockers(wait, Duration.ZERO)).as("the setter let go since").isNull();
    ready.set();
  }

  /**
   * With primitives other instances share, a timeout whose wait no call of this instance held up
   * says so; but on Redis it is explained a round trip after its timeout, when a holder here may
   * have let go since. Saying no call here held it would then be false of the time it expired.
   */
  @Test
  void aSharedLocksTimeoutNeverSaysNoCallHereHeldItOnceItsHolderLetGoAfterItExpired() {
    view.destroy();
    view = new StallView(settings(BatonProperties.Stalls.Level.BASIC),
        BatonProperties.Backend.REDIS);
    registry = registry(view);
    AsyncLock ledger = registry.lock("ledger");
    Permit posting = as(call("Ledger.post"), ledger::acquire).join();
    CompletableFuture<Permit> placing = as(call("Order.place"), ledger::acquire);
    PendingWait wait = view.pendingWaits().get(0);

    assertThat(view.blockers(wait, Duration.ZERO)).startsWith("held for ")
        .contains(" by Ledger.post");
    placing.cancel(false);
    posting.release();
    assertThat(view.blockers(wait, Duration.ZERO)).as("the holder let go since").isNull();
  }

  /**
   * An event no running call is to set may be set by anyone: its waiter can proceed as far as
   * Baton can tell, and so can a call waiting for a lock that waiter holds.
   */
  @Test
  void aWaitForAnEventNoRunningCallIsToSetFreesItsCallAndWhatItHolds() {
    AsyncEvent ready = registry.event("ready");
    AsyncLock ledger = registry.lock("ledger");
    Call load = call("Config.load");
    as(load, ledger::acquire).join();
    try (CurrentCall.Scope in = CurrentCall.in(load)) {
      ready.await();
    }
    as(call("Config.use"), ledger::acquire);

    StallReport report = view.check();

    assertThat(report.deadlocks()).isEmpty();
    assertThat(report.pendingWaits()).isEqualTo(2);
    ready.set();
  }

  @Test
  void aLongWaitForAnEventIsAStallOnlyWhileNoRunningCallIsToSetIt() {
    view.destroy();
    view = new StallView(new BatonProperties.Stalls(BatonProperties.Stalls.Level.BASIC, CONFIRM,
        Duration.ofHours(1), Duration.ofMillis(20), Map.of()));
    registry = registry(view);
    AsyncEvent ready = registry.event("ready");
    AsyncEvent loaded = registry.event("loaded");
    try (CurrentCall.Scope in = CurrentCall.in(call("Loader.load"))) {
      ((SetterTracking) loaded).setters().promise();
    }
    try (CurrentCall.Scope in = CurrentCall.in(call("Shop.open"))) {
      ready.await();
      loaded.await();
    }

    await().until(() -> !view.stalls().isEmpty());

    assertThat(view.stalls()).extracting(Stall::describe).singleElement().asString()
        .startsWith("Shop.open waiting ").endsWith(" for event 'ready' (threshold 20 ms)");
    assertThat(view.explain()).contains("Shop.open waits for event 'ready' for ")
        .contains(": no running call is to set it");
    ready.set();
    loaded.set();
  }

  /**
   * What the JUnit extension attaches to a failure by timeout: the inversions and re-entries
   * too, each in a line of its own.
   */
  @Test
  void theExplanationNamesTheInversionsAndTheReentries() {
    AsyncLock inventory = registry.lock("inventory");
    AsyncLock ledger = registry.lock("ledger");
    takeInOrder(call("OrderService.place"), inventory, ledger);
    takeInOrder(call("LedgerService.transfer"), ledger, inventory);
    Call post = call("LedgerService.post");
    as(post, ledger::acquire).join();
    as(post, ledger::acquire);

    assertThat(view.explain().lines()).contains("  lock-order inversion: LedgerService.transfer"
        + " takes lock 'ledger', then lock 'inventory'; OrderService.place takes lock"
        + " 'inventory', then lock 'ledger'", "  re-entry: LedgerService.post waits for lock"
        + " 'ledger', held by LedgerService.post");
  }

  @Test
  void whatTheViewKeepsAndSaysIsCapped() {
    for (int i = 0; i < 150; i++) {
      AsyncLock lock = registry.lock("lock-" + i);
      Call call = call("Service.run" + i);
      as(call, lock::acquire).join();
      as(call, lock::acquire);
    }
    AsyncSemaphore payments = registry.semaphore("payments", 5);
    for (int i = 0; i < 5; i++) {
      as(call("Pay.charge" + i), payments::acquire).join();
    }
    CompletableFuture<Permit> timed =
        as(call("Pay.refund"), () -> payments.acquire(Duration.ofMillis(20)));

    assertThat(view.check().reentries()).hasSize(100);
    assertThat(view.reentriesSeen()).isEqualTo(150);
    String timeout = timed.handle((permit, failure) -> failure.getMessage()).join();
    assertThat(timeout).containsOnlyOnce("held for ").endsWith("; and 2 more holders");
    assertThat(timeout.split("; and for ", -1)).hasSize(3);
    String explained = view.explain();
    assertThat(explained.lines().filter(line -> line.startsWith("  deadlock "))).hasSize(20);
    assertThat(explained.lines().filter(line -> line.matches("  Service.run\\d+ waits for .*")))
        .hasSize(20);
    assertThat(explained).contains("\n  and 130 more deadlocks\n")
        .endsWith("\n  and 130 more pending waits");
  }

  /**
   * The README's re-entries are logged at WARN, also those past the 100 the report keeps: the
   * 101st, of a site and lock never seen before, is logged though it is not listed.
   */
  @Test
  void aReentryPastTheHundredTheReportKeepsIsStillLogged(CapturedOutput output) {
    for (int i = 0; i <= 100; i++) {
      AsyncLock lock = registry.lock("lock-" + i);
      Call call = call("Service.run" + i);
      as(call, lock::acquire).join();
      as(call, lock::acquire);
    }

    assertThat(view.check().reentries()).hasSize(100);
    assertThat(view.reentriesSeen()).isEqualTo(101);
    assertThat(output.getOut().lines().filter(line -> line.contains("WARN")
        && line.contains("Baton: re-entry: Service.run100 waits for lock 'lock-100'")))
        .hasSize(1);
  }

  /**
   * The README's limit: the report lists the first 100 inversions; a later one is still logged
   * and counted.
   */
  @Test
  void anInversionPastTheHundredTheReportKeepsIsLoggedAndCounted(CapturedOutput output) {
    for (int i = 0; i <= 100; i++) {
      AsyncLock first = registry.lock("first-" + i);
      AsyncLock second = registry.lock("second-" + i);
      takeInOrder(call("Pair.forth" + i), first, second);
      takeInOrder(call("Pair.back" + i), second, first);
    }

    assertThat(view.check().inversions()).hasSize(100);
    assertThat(view.inversionsFound()).isEqualTo(101);
    assertThat(output.getOut().lines().filter(line -> line.contains("WARN")
        && line.contains("Baton: lock-order inversion: ")
        && line.contains("Pair.back100 takes lock 'second-100', then lock 'first-100'")))
        .hasSize(1);
  }

  /**
   * The README's limit: the report lists the first 100 leaked permits; later ones are counted
   * (and logged, rate-limited), and each lock stays held.
   */
  @Test
  void aLeakPastTheHundredTheReportKeepsIsCounted() {
    replaceView(Duration.ofMillis(100), Map.of()); // a hold past half of it is watched for a leak
    List<AsyncLock> journals = new ArrayList<>();
    for (int i = 0; i <= 100; i++) {
      AsyncLock journal = registry.lock("journal-" + i);
      journals.add(journal);
      takeAndDrop(call("Journal.write" + i), journal::acquire);
    }

    await().until(() -> {
      view.stalls(); // the watchdog's scan watches each permit once its hold has lasted a while
      System.gc(); // a leak is found once the collector has cleared the permit
      view.leakedPermits();
      return view.leaksFound() == 101;
    });

    assertThat(view.check().leakedPermits()).hasSize(100);
    assertThat(journals).allSatisfy(journal -> assertThat(journal.isLocked()).isTrue());
  }

  /**
   * Deadlock lines are rate-limited, as the README says: of twelve deadlocks confirmed within a
   * minute ten are logged; all twelve are counted and listed.
   */
  @Test
  void confirmedDeadlocksAreLoggedAtMostTenAMinute(CapturedOutput output) {
    for (int i = 0; i < 12; i++) {
      AsyncLock first = registry.lock("first-" + i);
      AsyncLock second = registry.lock("second-" + i);
      Call take = call("Pair.take" + i);
      Call give = call("Pair.give" + i);
      as(take, first::acquire).join();
      as(give, second::acquire).join();
      as(take, second::acquire);
      as(give, first::acquire);
    }

    await().until(() -> view.check().deadlocks(), deadlocks -> deadlocks.size() == 12
        && deadlocks.stream().allMatch(Deadlock::confirmed));

    assertThat(view.deadlocksConfirmed()).isEqualTo(12);
    assertThat(output.getOut().lines().filter(line -> line.contains("WARN")
        && line.contains("Baton: deadlock among 2 calls, unchanged for "))).hasSize(10);
  }

  @Test
  void aPermitDroppedUnreleasedIsFoundOnceCollectedLoggedAndNeverAReleasedKeptOrAnnotationsOne(
      CapturedOutput output) {
    AtomicBoolean read = new AtomicBoolean();
    record Hidden(AtomicBoolean read) {
      @Override
      public String toString() {
        read.set(true);
        return "SENTINEL";
      }
    }
    Duration heldTooLong = Duration.ofMillis(100);
    replaceView(heldTooLong, Map.of()); // a hold past half of it is watched for a leak
    AsyncLock ledger = registry.lock("ledger");
    AsyncLock account = registry.lock("accounts", new Hidden(read));
    AsyncSemaphore payments = registry.semaphore("payments", 2);
    Permit kept = as(call("Payments.keep"), payments::acquire).join();
    as(call("Payments.settle"), payments::acquire).join().release();
    Permit refund = as(call("Payments.refund"), payments::acquire).join();
    long granted = System.nanoTime();
    await().pollDelay(Duration.ZERO)
        .until(() -> System.nanoTime() - granted > heldTooLong.toNanos() / 2);
    view.stalls(); // the watchdog's scan: held long enough, the permit is watched from here on
    refund.release();
    waitAndDrop(call("Ledger.audit"), ledger, as(call("Ledger.close"), ledger::acquire).join());
    takeAndDrop(call("Accounts.debit"), account::acquire);
    takeAndDrop(null, payments::acquire);
    takeAndDrop(call("Journal.write"), // as an annotation takes it: its advice releases it
        () -> ((HoldTracking) registry.lock("journal")).acquire(Duration.ofHours(1), "J.write"));

    List<LeakedPermit> leaks = await().until(() -> {
      view.stalls(); // the watchdog's scan watches each permit once its hold has lasted a while
      System.gc(); // a leak is found once the collector has cleared the permit
      return view.leakedPermits();
    }, found -> found.size() >= 3);

    assertThat(leaks).extracting(LeakedPermit::describe).allSatisfy(line ->
        assertThat(line).contains(" was dropped unreleased (found ")
            .endsWith(" after its grant): nothing can release it, so it stays held until restart"))
        .map(line -> line.substring(0, line.indexOf(" was dropped")))
        .containsExactlyInAnyOrder("a permit of lock 'ledger' taken by Ledger.audit",
            "a permit of lock 'accounts' taken by Accounts.debit",
            "a permit of semaphore 'payments' taken by a call Baton does not know");
    assertThat(view.leaksFound()).isEqualTo(3);
    assertThat(view.check().leakedPermits()).isEqualTo(leaks);
    assertThat(view.explain()).contains("\n  leaked permit: a permit of lock 'ledger'");
    assertThat(output.getOut().lines().filter(line -> line.contains("Baton: leaked permit: ")))
        .hasSize(3).noneMatch(line -> line.contains("SENTINEL"));
    assertThat(read).as("a key's toString() was called").isFalse();
    assertThat(ledger.isLocked()).isTrue();
    assertThat(payments.availablePermits()).isZero();
    Reference.reachabilityFence(kept);
  }

  /** What {@code acquire} grants, as {@code call} (null: no call), with no reference kept to it. */
  private static void takeAndDrop(Call call, Supplier<CompletableFuture<Permit>> acquire) {
    try (CurrentCall.Scope in = call == null ? null : CurrentCall.in(call)) {
      acquire.get().join();
    }
  }

  /**
   * As {@code call}, waits for {@code lock} until {@code holder} lets it go, and keeps no reference
   * to the permit granted.
   */
  private static void waitAndDrop(Call call, AsyncLock lock, Permit holder) {
    CompletableFuture<Permit> waits;
    try (CurrentCall.Scope in = CurrentCall.in(call)) {
      waits = lock.acquire();
    }
    holder.release();
    waits.join();
  }

  /** {@code call} takes {@code first}, then {@code then}, and lets both go. */
  private void takeInOrder(Call call, AsyncLock first, AsyncLock then) {
    try (Permit held = as(call, first::acquire).join()) {
      as(call, then::acquire).join().release();
    }
  }
}
