package dev.baton.spring.aspect;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.Permit;
import dev.baton.annotation.Limited;
import dev.baton.annotation.SetsEvent;
import dev.baton.spring.BatonAutoConfiguration;
import dev.baton.spring.PrimitiveRegistry;
import dev.baton.spring.stall.BatonStallsAutoConfiguration;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.aspectj.lang.JoinPoint;
import org.aspectj.lang.annotation.Aspect;
import org.aspectj.lang.annotation.Before;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.reactivestreams.Publisher;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * An application's {@code @Aspect} inside Baton's (its default order) on a reactive method: a
 * subscription granted at once runs the call after the proxy has returned, when
 * {@code ExposeInvocationInterceptor} no longer exposes it, yet the advice must still find its
 * join point, as it does for a call that had to wait.
 */
@Timeout(30)
class ReactiveInnerAdviceTest {

  private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(AopAutoConfiguration.class,
          BatonAutoConfiguration.class, BatonAspectsAutoConfiguration.class,
          BatonStallsAutoConfiguration.class))
      .withPropertyValues("baton.default-timeout=10s")
      .withBean(Service.class)
      .withBean(NotingAspect.class);

  public static class Service {

    @Limited(value = "inner-advice-mono", permits = 1)
    public Mono<String> mono(String value) {
      return Mono.just(value);
    }

    @Limited(value = "inner-advice-flux", permits = 1)
    public Flux<String> flux(String value) {
      return Flux.just(value);
    }

    @SetsEvent("inner-advice-set")
    public Mono<String> settingMono(String value) {
      return Mono.just(value);
    }
  }

  /** Notes each call's argument and join point, bound through the exposed invocation. */
  @Aspect
  public static class NotingAspect {

    final List<String> seen = new CopyOnWriteArrayList<>();

    @Before("execution(* dev.baton.spring.aspect.ReactiveInnerAdviceTest.Service.*(..))"
        + " && args(value)")
    public void note(JoinPoint joinPoint, String value) {
      seen.add(joinPoint.getSignature().getName() + ":" + value);
    }
  }

  /**
   * Each reactive call granted at once, subscribed after the proxy returned; with the stall
   * view on, a method that only sets an event passes through the call that sets it.
   */
  @ParameterizedTest
  @CsvSource({"mono, off", "flux, off", "settingMono, basic"})
  void aCallSubscribedAfterTheProxyReturnedRunsTheInnerAdviceWithItsJoinPoint(String method,
      String stalls) {
    contextRunner.withPropertyValues("baton.stalls.level=" + stalls).run(context -> {
      Service service = context.getBean(Service.class);
      NotingAspect aspect = context.getBean(NotingAspect.class);

      Publisher<String> call = switch (method) {
        case "mono" -> service.mono("a");
        case "flux" -> service.flux("a");
        default -> service.settingMono("a");
      };
      StepVerifier.create(call).expectNext("a").verifyComplete();

      assertThat(aspect.seen).containsExactly(method + ":a");
    });
  }

  /**
   * Each reactive call that had to wait: it runs on the thread that gives the permit back, in its
   * subscriber's context ({@code CallerContext.proceed}), which must expose the call there too.
   */
  @ParameterizedTest
  @ValueSource(strings = {"mono", "flux"})
  void aCallThatWaitedRunsTheInnerAdviceWithItsJoinPoint(String method) {
    contextRunner.run(context -> {
      Service service = context.getBean(Service.class);
      NotingAspect aspect = context.getBean(NotingAspect.class);
      Permit held = context.getBean(PrimitiveRegistry.class)
          .semaphore("inner-advice-" + method, 1).acquire().join();

      Publisher<String> call = method.equals("mono") ? service.mono("b") : service.flux("b");
      CompletableFuture<List<String>> result = Flux.from(call).collectList().toFuture();
      assertThat(result).isNotDone();
      held.release();

      assertThat(result).succeedsWithin(Duration.ofSeconds(5)).isEqualTo(List.of("b"));
      assertThat(aspect.seen).containsExactly(method + ":b");
    });
  }
}
