package dev.baton.spring.stall;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import dev.baton.Permit;
import dev.baton.annotation.Guarded;
import dev.baton.annotation.Limited;
import dev.baton.spring.BatonAutoConfiguration;
import dev.baton.spring.PrimitiveRegistry;
import dev.baton.spring.aspect.BatonAspectsAutoConfiguration;
import dev.baton.spring.observation.Call;
import dev.baton.spring.observation.CurrentCall;
import dev.baton.spring.observation.Hold;
import dev.baton.spring.observation.HoldTracking;
import dev.baton.spring.observation.LiveHolds;
import io.micrometer.context.ContextRegistry;
import io.micrometer.context.ContextSnapshotFactory;
import io.micrometer.context.ThreadLocalAccessor;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import reactor.core.publisher.Mono;

/**
 * The README's "How calls are known": each invocation of an annotated method is one call, named
 * {@code Type.method} by the simple class name and never its arguments, made from the call
 * current where it was invoked, and lasting until its result completes; the Baton annotations
 * on one method share it.
 */
@Timeout(30)
class AnnotatedCallsTest {

  private final ApplicationContextRunner contexts = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(AopAutoConfiguration.class,
          BatonAutoConfiguration.class, BatonAspectsAutoConfiguration.class,
          BatonStallsAutoConfiguration.class))
      .withPropertyValues("baton.stalls.level=basic", "baton.semaphores.payments.permits=2")
      .withBean(Desk.class);

  @Test
  void theAnnotationsOfOneMethodShareOneCallMadeFromItsCallerUntilItsResultCompletes() {
    contexts.run(context -> {
      Desk desk = context.getBean(Desk.class);
      PrimitiveRegistry registry = context.getBean(PrimitiveRegistry.class);
      LiveHolds ledger = ((HoldTracking) registry.lock("ledger")).holds();
      LiveHolds payments = ((HoldTracking) registry.semaphore("payments")).holds();
      Call checkout;
      CompletableFuture<Void> placed;
      try (CurrentCall.Scope scope = CurrentCall.open("Shop.checkout")) {
        checkout = scope.call();
        placed = desk.place("sku-SENTINEL-4711");
      }

      Call call = desk.bodyRanAs().join();

      assertThat(call.site()).isEqualTo("Desk.place");
      assertThat(call.parent()).isSameAs(checkout);
      assertThat(ledger.all()).extracting(Hold::call).containsExactly(call);
      assertThat(payments.all()).extracting(Hold::call).containsExactly(call);
      assertThat(placed).isNotDone();

      desk.finish();

      assertThat(placed).isCompleted();
      assertThat(ledger.count()).isZero();
      assertThat(payments.count()).isZero();
    });
  }

  /**
   * The README's leaked permits: an annotation's permit is never one, since its advice holds it
   * until the call's result completes; a result that never completes shows as holds past
   * {@code held-too-long} instead, at the method's site, while it lasts.
   */
  @Test
  void anAnnotatedCallWhoseResultDoesNotCompleteIsAHeldStallAndNoLeak() {
    contexts.withPropertyValues("baton.stalls.held-too-long=100ms").run(context -> {
      Desk desk = context.getBean(Desk.class);
      StallView view = context.getBean(StallView.class);
      CompletableFuture<Void> placed = desk.place("sku-SENTINEL-4711");

      List<Stall> stalls = await().atMost(Duration.ofSeconds(5)).until(view::stalls,
          found -> found.size() == 2);
      await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> {
        System.gc(); // a dropped permit would be found once collected; the advice keeps it
        view.stalls();
        return view.leakedPermits().isEmpty();
      });

      assertThat(stalls).allSatisfy(stall -> {
        assertThat(stall.kind()).isEqualTo("held");
        assertThat(stall.site()).isEqualTo("Desk.place");
      }).extracting(Stall::primitive, Stall::name).containsExactlyInAnyOrder(
          tuple("lock", "ledger"), tuple("semaphore", "payments"));
      desk.finish();
      assertThat(placed).isCompleted();
      assertThat(view.stalls()).isEmpty();
      assertThat(view.leaksFound()).isZero();
    });
  }

  /**
   * A method returning a {@code Mono} waits when subscribed, not when invoked, yet its wait, its
   * hold and its body are its own call's, made from the call current where it was invoked, one
   * call per subscription: two such calls of one caller taking turns on a lock, or a second
   * subscription to one of them, are no re-entry (in strict mode, none fails).
   */
  @Test
  void aMonoCallWaitsAndHoldsAsACallOfItsOwnMadeFromItsCallerOncePerSubscription() {
    contexts.withPropertyValues("baton.stalls.level=strict").run(context -> {
      Desk desk = context.getBean(Desk.class);
      StallView view = context.getBean(StallView.class);
      PrimitiveRegistry registry = context.getBean(PrimitiveRegistry.class);
      LiveHolds ledger = ((HoldTracking) registry.lock("ledger")).holds();
      CompletableFuture<Void> go = new CompletableFuture<>();
      Call checkout;
      CompletableFuture<Call> first;
      CompletableFuture<Call> second;
      CompletableFuture<Call> again;
      try (CurrentCall.Scope scope = CurrentCall.open("Shop.checkout")) {
        checkout = scope.call();
        Mono<Call> audit = desk.audit(go);
        first = audit.toFuture();
        second = desk.audit(go).toFuture();
        again = audit.toFuture();
      }

      assertThat(ledger.all()).singleElement().satisfies(hold -> {
        assertThat(hold.call().site()).isEqualTo("Desk.audit");
        assertThat(hold.call().parent()).isSameAs(checkout);
      });
      go.complete(null);

      List<Call> ran = Stream.of(first, second, again).map(CompletableFuture::join).toList();
      assertThat(ran).doesNotHaveDuplicates().allSatisfy(call -> {
        assertThat(call.site()).isEqualTo("Desk.audit");
        assertThat(call.parent()).isSameAs(checkout);
      });
      assertThat(view.reentriesSeen()).isZero();
      assertThat(ledger.count()).isZero();
    });
  }

  /**
   * Two Baton annotations on a method returning a {@code Mono}: the inner advice runs again for
   * the subscription, inside the outer one's, and the lock, the permit and the body are all the
   * subscription's one call.
   */
  @Test
  void theAnnotationsOfAMonoMethodShareEachSubscriptionsCall() {
    contexts.run(context -> {
      Desk desk = context.getBean(Desk.class);
      PrimitiveRegistry registry = context.getBean(PrimitiveRegistry.class);
      LiveHolds ledger = ((HoldTracking) registry.lock("ledger")).holds();
      LiveHolds payments = ((HoldTracking) registry.semaphore("payments")).holds();
      CompletableFuture<Void> go = new CompletableFuture<>();
      Call checkout;
      CompletableFuture<Call> placed;
      try (CurrentCall.Scope scope = CurrentCall.open("Shop.checkout")) {
        checkout = scope.call();
        placed = desk.placeLater(go).toFuture();
      }

      Call call = ledger.all().get(0).call();

      assertThat(call.site()).isEqualTo("Desk.placeLater");
      assertThat(call.parent()).isSameAs(checkout);
      assertThat(ledger.all()).extracting(Hold::call).containsExactly(call);
      assertThat(payments.all()).extracting(Hold::call).containsExactly(call);
      go.complete(null);
      assertThat(placed.join()).isSameAs(call);
      assertThat(ledger.count()).isZero();
      assertThat(payments.count()).isZero();
    });
  }

  /**
   * A {@code Mono} method that calls itself through its proxy inside its own subscription makes a
   * call of its own, made from the subscription's: not the same call, as the inner advice of one
   * method's second annotation is. Its permit is then the new call's.
   */
  @Test
  void aMonoMethodCallingItselfInsideItsSubscriptionMakesACallOfItsOwn() {
    contexts.run(context -> {
      Desk desk = context.getBean(Desk.class);
      Call checkout;
      Mono<List<Call>> nested;
      try (CurrentCall.Scope scope = CurrentCall.open("Shop.checkout")) {
        checkout = scope.call();
        nested = desk.nest(desk, 1);
      }

      List<Call> calls = nested.block();

      assertThat(calls).hasSize(2).allSatisfy(call ->
          assertThat(call.site()).isEqualTo("Desk.nest"));
      assertThat(calls.get(0).parent()).isSameAs(checkout);
      assertThat(calls.get(1)).isNotSameAs(calls.get(0));
      assertThat(calls.get(1).parent()).isSameAs(calls.get(0));
    });
  }

  /**
   * A subscriber whose Reactor context carries its own call (context-propagation's
   * {@code contextCapture()} puts the ThreadLocals there): a {@code Mono} call that had to wait
   * still runs its body as its own call, not as the subscriber's.
   */
  @Test
  void aMonoCallThatWaitedRunsAsItsOwnCallWhenItsSubscribersContextCarriesTheCaller() {
    contexts.run(context -> {
      Desk desk = context.getBean(Desk.class);
      Permit held = context.getBean(PrimitiveRegistry.class).lock("ledger").acquire().join();
      Call checkout;
      CompletableFuture<Call> audit;
      try (CurrentCall.Scope scope = CurrentCall.open("Shop.checkout")) {
        checkout = scope.call();
        audit = desk.audit(CompletableFuture.completedFuture(null)).contextCapture().toFuture();
      }

      held.release();

      assertThat(audit.join()).satisfies(call -> {
        assertThat(call.site()).isEqualTo("Desk.audit");
        assertThat(call.parent()).isSameAs(checkout);
      });
    });
  }

  /**
   * The README's {@code off}: the aspects start no calls, also for a {@code Mono} method invoked
   * in a call that code opened with {@code CurrentCall.open} and subscribed outside it. Its body
   * runs as a call the code made or as none, never as one the aspect started.
   */
  @Test
  void withTheViewOffAMonoMethodInvokedInAnOpenedCallStartsNoCallWhenSubscribed() {
    contexts.withPropertyValues("baton.stalls.level=off").run(context -> {
      assertThat(context).doesNotHaveBean(StallView.class);
      Desk desk = context.getBean(Desk.class);
      CompletableFuture<Void> go = CompletableFuture.completedFuture(null);
      Call checkout;
      Mono<Call> audit;
      try (CurrentCall.Scope scope = CurrentCall.open("Shop.checkout")) {
        checkout = scope.call();
        assertThat(desk.audit(go).toFuture().join()).as("subscribed inside the opened call")
            .isSameAs(checkout);
        audit = desk.audit(go);
      }

      Call ranAs = audit.toFuture().join();

      assertThat(ranAs).as("the call the body ran as, %s", ranAs).isIn(null, checkout);
    });
  }

  /**
   * The README: the current call is a ThreadLocal registered in context-propagation's
   * {@code ContextRegistry} under {@code baton.call}, so a snapshot carries it to another thread.
   */
  @Test
  void aContextSnapshotCarriesTheCurrentCallUnderBatonCall() {
    contexts.run(context -> {
      assertThat(ContextRegistry.getInstance().getThreadLocalAccessors())
          .extracting(ThreadLocalAccessor::key).contains("baton.call");
      ExecutorService thread = Executors.newSingleThreadExecutor();
      try {
        Call reports;
        Executor carrying;
        try (CurrentCall.Scope scope = CurrentCall.open("Reports.rebuild")) {
          reports = scope.call();
          carrying = ContextSnapshotFactory.builder().build().captureAll().wrapExecutor(thread);
        }

        assertThat(CompletableFuture.supplyAsync(CurrentCall::get, carrying).join())
            .isSameAs(reports);
        assertThat(CompletableFuture.supplyAsync(CurrentCall::get, thread).join()).isNull();
      } finally {
        thread.shutdown();
      }
    });
  }

  public static class Desk {
    private final CompletableFuture<Call> bodyRanAs = new CompletableFuture<>();
    private final CompletableFuture<Void> done = new CompletableFuture<>();

    @Guarded("ledger")
    @Limited("payments")
    public CompletableFuture<Void> place(String sku) {
      bodyRanAs.complete(CurrentCall.get());
      return done;
    }

    /** Completes, once {@code go} has, with the call its body ran as. */
    @Guarded("ledger")
    public Mono<Call> audit(CompletableFuture<Void> go) {
      Call running = CurrentCall.get();
      return Mono.fromFuture(go.thenApply(nothing -> running));
    }

    /** As {@link #place}, as a {@code Mono}: once {@code go} completes, its body's call. */
    @Guarded("ledger")
    @Limited("payments")
    public Mono<Call> placeLater(CompletableFuture<Void> go) {
      Call running = CurrentCall.get();
      return Mono.fromFuture(go.thenApply(nothing -> running));
    }

    /**
     * Calls itself through {@code self}, its proxy, {@code depth} times, each inside its own
     * subscription: the calls the bodies ran as, outermost first.
     */
    @Limited("payments")
    public Mono<List<Call>> nest(Desk self, int depth) {
      Call running = CurrentCall.get();
      if (depth == 0) {
        return Mono.just(List.of(running));
      }
      return self.nest(self, depth - 1).map(inner ->
          Stream.concat(Stream.of(running), inner.stream()).toList());
    }

    /** Not annotated: through the proxy, it reaches the bean's own fields. */
    public CompletableFuture<Call> bodyRanAs() {
      return bodyRanAs;
    }

    /** Not annotated: completes what {@link #place} returned. */
    public void finish() {
      done.complete(null);
    }
  }
}
