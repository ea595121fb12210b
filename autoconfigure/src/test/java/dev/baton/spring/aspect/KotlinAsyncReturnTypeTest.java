package dev.baton.spring.aspect;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.annotation.Limited;
import dev.baton.spring.BatonAutoConfiguration;
import java.util.ArrayList;
import java.util.List;
import kotlinx.coroutines.Deferred;
import kotlinx.coroutines.flow.Flow;
import kotlinx.coroutines.reactive.ReactiveFlowKt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import reactor.core.publisher.Flux;

/**
 * A plain (not {@code suspend}) function returning a Kotlin {@code Flow} or {@code Deferred}, the
 * idiomatic way to return a stream or a result to come: no adapter handles them, so the blocking
 * fallback would let the permit go when the function returns the cold flow or the deferred, before
 * anything of it has run. Like any other asynchronous type no adapter handles, such a method must
 * fail start-up, naming it.
 */
@Timeout(30)
class KotlinAsyncReturnTypeTest {

  private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(AopAutoConfiguration.class,
          BatonAutoConfiguration.class, BatonAspectsAutoConfiguration.class))
      .withPropertyValues("baton.default-timeout=10s");

  public static class ReturnsFlow {

    @Limited(value = "kotlin-flow", permits = 1)
    public Flow<String> run() {
      return ReactiveFlowKt.asFlow(Flux.just("a", "b"));
    }
  }

  public static class ReturnsDeferred {

    @Limited(value = "kotlin-deferred", permits = 1)
    public Deferred<String> run() {
      return kotlinx.coroutines.CompletableDeferredKt.CompletableDeferred("a");
    }
  }

  @Test
  void aFunctionReturningAFlowFailsStartUpNamingIt() {
    assertStartupFails(ReturnsFlow.class, Flow.class);
  }

  @Test
  void aFunctionReturningADeferredFailsStartUpNamingIt() {
    assertStartupFails(ReturnsDeferred.class, Deferred.class);
  }

  private void assertStartupFails(Class<?> bean, Class<?> returnType) {
    contextRunner.withBean(bean).run(context -> {
      assertThat(context).hasFailed();
      assertThat(messages(context.getStartupFailure())).contains(
          bean.getName() + ".run() returns " + returnType.getName(),
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
}
