package dev.baton.spring.aspect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.baton.AsyncEvent;
import dev.baton.annotation.Limited;
import dev.baton.annotation.SetsEvent;
import dev.baton.spring.BatonAutoConfiguration;
import dev.baton.spring.PrimitiveRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import kotlin.coroutines.EmptyCoroutineContext;
import kotlinx.coroutines.CompletableDeferred;
import kotlinx.coroutines.CompletableDeferredKt;
import kotlinx.coroutines.Deferred;
import kotlinx.coroutines.flow.Flow;
import kotlinx.coroutines.future.FutureKt;
import kotlinx.coroutines.reactive.ReactiveFlowKt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;

/**
 * A plain (not {@code suspend}) function returning a Kotlin {@code Flow} or {@code Deferred}, the
 * idiomatic way to return a stream or a result to come, holds its permit until that result is
 * done: the flow's collection has ended, the deferred has completed. Letting go when the
 * function returns the cold flow or the deferred, before anything of it has run, would be a
 * limit that limits nothing.
 */
@Timeout(30)
class KotlinAsyncReturnTypeTest {

  private static final Duration FIVE_SECONDS = Duration.ofSeconds(5);

  private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(AopAutoConfiguration.class,
          BatonAutoConfiguration.class, BatonAspectsAutoConfiguration.class))
      .withPropertyValues("baton.default-timeout=10s")
      .withBean(Results.class);

  public static class Results {

    private final AtomicInteger runs = new AtomicInteger();

    /** How many calls have run (read through the proxy, which has no state of its own). */
    public int runs() {
      return runs.get();
    }

    @Limited(value = "kotlin-flow", permits = 1)
    public Flow<String> lines(Sinks.Many<String> source) {
      runs.incrementAndGet();
      return ReactiveFlowKt.asFlow(source.asFlux());
    }

    @Limited(value = "kotlin-flow", permits = 1)
    public Flow<String> linesAfter(Runnable first, Sinks.Many<String> source) {
      first.run();
      return lines(source);
    }

    @SetsEvent("kotlin-loaded")
    public Flow<String> load(Sinks.Many<String> source) {
      return ReactiveFlowKt.asFlow(source.asFlux());
    }

    @Limited(value = "kotlin-deferred", permits = 1)
    public Deferred<String> result(CompletableDeferred<String> source) {
      runs.incrementAndGet();
      return source;
    }
  }

  @Test
  void aFlowIsLimitedWhileItIsCollectedAndEachCollectionWaitsItsTurn() {
    contextRunner.run(context -> {
      Results results = context.getBean(Results.class);
      PrimitiveRegistry registry = context.getBean(PrimitiveRegistry.class);
      Sinks.Many<String> one = Sinks.many().unicast().onBackpressureBuffer();
      Sinks.Many<String> two = Sinks.many().unicast().onBackpressureBuffer();

      Flow<String> first = results.lines(one);
      Flow<String> second = results.lines(two);
      assertThat(results.runs()).as("a flow runs when collected").isEqualTo(0);
      CompletableFuture<List<String>> firstLines = collect(first);
      CompletableFuture<List<String>> secondLines = collect(second);
      await().untilAsserted(() ->
          assertThat(registry.semaphore("kotlin-flow").waiters()).isEqualTo(1));
      assertThat(results.runs()).isEqualTo(1);

      one.tryEmitNext("a");
      one.tryEmitComplete();
      assertThat(firstLines).succeedsWithin(FIVE_SECONDS).isEqualTo(List.of("a"));
      await().untilAsserted(() -> assertThat(results.runs()).isEqualTo(2));
      two.tryEmitNext("b");
      two.tryEmitComplete();
      assertThat(secondLines).succeedsWithin(FIVE_SECONDS).isEqualTo(List.of("b"));
      assertThat(registry.semaphore("kotlin-flow").availablePermits()).isEqualTo(1);
    });
  }

  @Test
  void aCollectionCancelledWhileTheFlowRunsLetsTheNextOneIn() {
    contextRunner.run(context -> {
      Results results = context.getBean(Results.class);
      PrimitiveRegistry registry = context.getBean(PrimitiveRegistry.class);
      Sinks.Many<String> never = Sinks.many().unicast().onBackpressureBuffer();
      Sinks.Many<String> next = Sinks.many().unicast().onBackpressureBuffer();

      Disposable cancelled = Flux.from(ReactiveFlowKt.asPublisher(results.lines(never),
          EmptyCoroutineContext.INSTANCE)).subscribe();
      await().untilAsserted(() -> assertThat(results.runs()).isEqualTo(1));
      CompletableFuture<List<String>> after = collect(results.lines(next));
      await().untilAsserted(() ->
          assertThat(registry.semaphore("kotlin-flow").waiters()).isEqualTo(1));
      cancelled.dispose();
      await().untilAsserted(() -> assertThat(results.runs()).isEqualTo(2));
      next.tryEmitComplete();
      assertThat(after).succeedsWithin(FIVE_SECONDS).isEqualTo(List.of());
      assertThat(registry.semaphore("kotlin-flow").availablePermits()).isEqualTo(1);
    });
  }

  /**
   * The permit of a Flow whose collection is cancelled passes on only once the body's own
   * collection has stopped: the next body starts after the first body's source lost its collector.
   * Found by {@code AnnotationCancelFuzzTest}: the permit passed on first, and the cancel reached
   * the body's flow only afterwards, so two bodies of a one-permit semaphore ran at once.
   */
  @Test
  void aCancelledFlowLetsGoOnlyOnceItsBodyHasStopped() {
    contextRunner.run(context -> {
      Results results = context.getBean(Results.class);
      Sinks.Many<String> never = Sinks.many().unicast().onBackpressureBuffer();
      Sinks.Many<String> next = Sinks.many().unicast().onBackpressureBuffer();
      List<Integer> stillCollected = new CopyOnWriteArrayList<>();

      Disposable cancelled = Flux.from(ReactiveFlowKt.asPublisher(results.lines(never),
          EmptyCoroutineContext.INSTANCE)).subscribe();
      await().untilAsserted(() -> assertThat(never.currentSubscriberCount()).isEqualTo(1));
      CompletableFuture<List<String>> after = collect(results.linesAfter(
          () -> stillCollected.add(never.currentSubscriberCount()), next));
      cancelled.dispose();
      await().untilAsserted(() -> assertThat(results.runs()).isEqualTo(2));
      next.tryEmitComplete();

      assertThat(after).succeedsWithin(FIVE_SECONDS);
      assertThat(stillCollected).as("collectors of the first body's source as the next began")
          .containsExactly(0);
    });
  }

  @Test
  void aSettingFlowSetsItsEventOnceItsCollectionCompletes() {
    contextRunner.run(context -> {
      Results results = context.getBean(Results.class);
      AsyncEvent loaded = context.getBean(PrimitiveRegistry.class).event("kotlin-loaded");
      Sinks.Many<String> source = Sinks.many().unicast().onBackpressureBuffer();

      CompletableFuture<List<String>> lines = collect(results.load(source));
      source.tryEmitNext("a");
      assertThat(loaded.isSet()).as("set only once the flow completes").isFalse();
      source.tryEmitComplete();
      assertThat(lines).succeedsWithin(FIVE_SECONDS).isEqualTo(List.of("a"));
      await().untilAsserted(() -> assertThat(loaded.isSet()).isTrue());
    });
  }

  @Test
  void aDeferredHoldsThePermitUntilItCompletes() {
    contextRunner.run(context -> {
      Results results = context.getBean(Results.class);
      PrimitiveRegistry registry = context.getBean(PrimitiveRegistry.class);
      CompletableDeferred<String> one = CompletableDeferredKt.CompletableDeferred(null);
      CompletableDeferred<String> two = CompletableDeferredKt.CompletableDeferred(null);

      CompletableFuture<String> first = FutureKt.asCompletableFuture(results.result(one));
      CompletableFuture<String> second = FutureKt.asCompletableFuture(results.result(two));
      await().untilAsserted(() ->
          assertThat(registry.semaphore("kotlin-deferred").waiters()).isEqualTo(1));
      assertThat(results.runs()).as("the second call waits for the first's result")
          .isEqualTo(1);

      one.complete("x");
      assertThat(first).succeedsWithin(FIVE_SECONDS).isEqualTo("x");
      await().untilAsserted(() -> assertThat(results.runs()).isEqualTo(2));
      two.complete("y");
      assertThat(second).succeedsWithin(FIVE_SECONDS).isEqualTo("y");
      await().untilAsserted(() ->
          assertThat(registry.semaphore("kotlin-deferred").availablePermits()).isEqualTo(1));
    });
  }

  @Test
  void aDeferredCancelledWhileItWaitsWithdrawsItsWait() {
    contextRunner.run(context -> {
      Results results = context.getBean(Results.class);
      PrimitiveRegistry registry = context.getBean(PrimitiveRegistry.class);
      CompletableDeferred<String> one = CompletableDeferredKt.CompletableDeferred(null);

      Deferred<String> first = results.result(one);
      Deferred<String> waiting = results.result(CompletableDeferredKt.CompletableDeferred(null));
      await().untilAsserted(() ->
          assertThat(registry.semaphore("kotlin-deferred").waiters()).isEqualTo(1));
      waiting.cancel(null);
      await().untilAsserted(() ->
          assertThat(registry.semaphore("kotlin-deferred").waiters()).isZero());
      one.complete("x");
      assertThat(FutureKt.asCompletableFuture(first)).succeedsWithin(FIVE_SECONDS);
      assertThat(results.runs()).as("the cancelled call never ran").isEqualTo(1);
      await().untilAsserted(() ->
          assertThat(registry.semaphore("kotlin-deferred").availablePermits()).isEqualTo(1));
    });
  }

  /**
   * The caller's {@code Deferred} is a conversion of the function's own: cancelling it stops the
   * caller's wait for the value, not the function's {@code Deferred}, which still runs under the
   * permit, as a {@code CompletionStage} method's stage does when its caller cancels the future.
   */
  @Test
  void aDeferredCancelledByItsCallerHoldsUntilTheFunctionsOwnCompletes() {
    contextRunner.run(context -> {
      Results results = context.getBean(Results.class);
      PrimitiveRegistry registry = context.getBean(PrimitiveRegistry.class);
      CompletableDeferred<String> one = CompletableDeferredKt.CompletableDeferred(null);
      CompletableDeferred<String> two = CompletableDeferredKt.CompletableDeferred(null);

      Deferred<String> first = results.result(one);
      first.cancel(null);
      assertThat(FutureKt.asCompletableFuture(first)).failsWithin(FIVE_SECONDS);
      CompletableFuture<String> second = FutureKt.asCompletableFuture(results.result(two));
      await().until(() -> registry.semaphore("kotlin-deferred").waiters() == 1
          || results.runs() == 2);
      assertThat(results.runs()).as("the second call waits for the first's own Deferred")
          .isEqualTo(1);
      assertThat(one.isActive()).as("the function's own Deferred goes on").isTrue();

      one.complete("x");
      await().untilAsserted(() -> assertThat(results.runs()).isEqualTo(2));
      two.complete("y");
      assertThat(second).succeedsWithin(FIVE_SECONDS).isEqualTo("y");
      await().untilAsserted(() ->
          assertThat(registry.semaphore("kotlin-deferred").availablePermits()).isEqualTo(1));
    });
  }

  @Test
  void withoutKotlinxCoroutinesReactorSuchAFunctionFailsStartUpNamingIt() {
    contextRunner.withClassLoader(new FilteredClassLoader("kotlinx.coroutines.reactor"))
        .run(context -> {
          assertThat(context).hasFailed();
          assertThat(messages(context.getStartupFailure())).containsPattern(
              Pattern.quote(Results.class.getName())
                  + "\\.(lines|linesAfter|load)\\((Runnable,)?Many\\) returns "
                  + Pattern.quote(Flow.class.getName())).contains(
              "would wait on the calling thread");
        });
  }

  private static String messages(Throwable failure) {
    List<String> messages = new ArrayList<>();
    for (Throwable t = failure; t != null; t = t.getCause()) {
      messages.add(String.valueOf(t.getMessage()));
    }
    return String.join("\n", messages);
  }

  private static CompletableFuture<List<String>> collect(Flow<String> flow) {
    return Flux.from(ReactiveFlowKt.asPublisher(flow, EmptyCoroutineContext.INSTANCE))
        .collectList().toFuture();
  }
}
