package dev.baton.spring.stall;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

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
