package dev.baton.spring.aspect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.baton.spring.local.DefaultPrimitiveRegistry;
import dev.baton.spring.PrimitiveRegistry;
import dev.baton.spring.aspect.TestServices.GuardedService;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.expression.spel.SpelEvaluationException;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * A per-key {@code @Guarded} whose key evaluates to null or fails fails the call the way its
 * return type reports failures (a failed future, an error signal, a throw), never runs the body,
 * holds nothing, and says which method and expression failed without printing the argument.
 */
@BatonAspectsTest
@Timeout(30)
class GuardedKeyFailureTest {

  /** An argument that {@code @skuKeys.checked} refuses, naming it in its own message. */
  private static final String BAD_SKU = "bad-4711";
  private static final String EXPRESSION = "'@skuKeys.checked(#sku)'";

  @Autowired
  private GuardedService guarded;

  @Autowired
  private PrimitiveRegistry registry;

  private final Probe probe = Probe.finishedByTest();

  @AfterEach
  void theBodyNeverRanAndNoKeyIsHeld() {
    assertThat(probe.started()).isZero();
    assertThat(((DefaultPrimitiveRegistry) registry).activeKeys("sku-checked")).isZero();
  }

  @Test
  void aFutureWhoseKeyIsNullReturnsAFailedFuture() {
    assertThat(failureOf(guarded.checkedFuture(null, probe))).satisfies(nullKey("checkedFuture"));
  }

  @Test
  void aFutureWhoseKeyThrowsReturnsAFailedFuture() {
    assertThat(failureOf(guarded.checkedFuture(BAD_SKU, probe)))
        .satisfies(throwingKey("checkedFuture"));
  }

  @Test
  void aMonoWhoseKeyIsNullSignalsTheFailure() {
    Mono<String> call = guarded.checkedMono(null, probe);
    StepVerifier.create(call).expectErrorSatisfies(nullKey("checkedMono"))
        .verify(Duration.ofSeconds(5));
  }

  @Test
  void aMonoWhoseKeyThrowsSignalsTheFailure() {
    Mono<String> call = guarded.checkedMono(BAD_SKU, probe);
    StepVerifier.create(call).expectErrorSatisfies(throwingKey("checkedMono"))
        .verify(Duration.ofSeconds(5));
  }

  @Test
  void aFluxWhoseKeyIsNullSignalsTheFailure() {
    Flux<String> call = guarded.checkedFlux(null, probe);
    StepVerifier.create(call).expectErrorSatisfies(nullKey("checkedFlux"))
        .verify(Duration.ofSeconds(5));
  }

  @Test
  void aFluxWhoseKeyThrowsSignalsTheFailure() {
    Flux<String> call = guarded.checkedFlux(BAD_SKU, probe);
    StepVerifier.create(call).expectErrorSatisfies(throwingKey("checkedFlux"))
        .verify(Duration.ofSeconds(5));
  }

  @Test
  void aSynchronousCallWhoseKeyIsNullThrows() {
    assertThat(catchThrowable(() -> guarded.checkedValue(null, probe)))
        .satisfies(nullKey("checkedValue"));
  }

  @Test
  void aSynchronousCallWhoseKeyThrowsThrows() {
    assertThat(catchThrowable(() -> guarded.checkedValue(BAD_SKU, probe)))
        .satisfies(throwingKey("checkedValue"));
  }

  @Test
  void aKeyNamingAMissingPropertyFailsTheFutureWithTheSpelFailureAsCause() {
    Throwable failure = failureOf(guarded.missingProperty(BAD_SKU, probe));

    assertThat(failure).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("GuardedService.missingProperty(String,Probe)")
        .hasMessageContaining("attribute key: '#probe.missingProperty' could not be evaluated")
        .hasMessageNotContaining(BAD_SKU)
        .hasCauseInstanceOf(SpelEvaluationException.class);
  }

  @Test
  void concurrentCallsWithGoodNullAndFailingKeysRunExactlyTheGoodOnesAndLeaveNoKeyHeld() {
    long seed = System.nanoTime();
    Probe bodies = Probe.finishedByTest();

    List<CompletableFuture<Integer>> threads = Waits.onThreads(4, thread -> {
      Random random = new Random(seed + thread);
      int good = 0;
      for (int i = 0; i < 500; i++) {
        int choice = random.nextInt(4);
        String sku = choice == 0 ? null : choice == 1 ? BAD_SKU : "sku-" + random.nextInt(3);
        Optional<Throwable> failure = Waits.joined(anyCall(random.nextInt(4), sku, bodies)
            .handle((value, e) -> Optional.ofNullable(e)));
        if (choice <= 1) {
          assertThat(failure).as("seed %d, key %s", seed, sku)
              .containsInstanceOf(IllegalArgumentException.class);
        } else {
          assertThat(failure).as("seed %d, key %s", seed, sku).isEmpty();
          good++;
        }
      }
      return good;
    });

    assertThat(Waits.all(threads)).as("seed %d", seed).succeedsWithin(Duration.ofSeconds(20));
    assertThat(bodies.started()).as("seed %d", seed)
        .isEqualTo(threads.stream().mapToInt(CompletableFuture::join).sum());
  }

  /** One call of {@code sku}, by return type (0..3: future, Mono, Flux, value), as a future. */
  private CompletableFuture<String> anyCall(int returnType, String sku, Probe bodies) {
    return switch (returnType) {
      case 0 -> guarded.checkedFuture(sku, bodies);
      case 1 -> guarded.checkedMono(sku, bodies).toFuture();
      case 2 -> guarded.checkedFlux(sku, bodies).next().toFuture();
      default -> {
        try {
          yield CompletableFuture.completedFuture(guarded.checkedValue(sku, bodies));
        } catch (IllegalArgumentException e) {
          yield CompletableFuture.failedFuture(e);
        }
      }
    };
  }

  /** The failure of a future that must have failed already, without a synchronous throw. */
  private static Throwable failureOf(CompletableFuture<String> call) {
    assertThat(call).isCompletedExceptionally();
    return catchThrowable(call::get) instanceof ExecutionException e ? e.getCause() : null;
  }

  private static Consumer<Throwable> nullKey(String method) {
    return failure -> assertThat(failure).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("GuardedService." + method + "(String,Probe)")
        .hasMessageContaining("attribute key: " + EXPRESSION + " evaluated to null")
        .hasNoCause();
  }

  private static Consumer<Throwable> throwingKey(String method) {
    return failure -> {
      assertThat(failure).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("GuardedService." + method + "(String,Probe)")
          .hasMessageContaining("attribute key: " + EXPRESSION + " could not be evaluated")
          .hasMessageNotContaining(BAD_SKU);
      // The key's own exception, kept as the cause, is the application's to word.
      assertThat(failure.getCause()).isInstanceOf(IllegalArgumentException.class)
          .hasMessage("not a SKU: " + BAD_SKU);
    };
  }
}
