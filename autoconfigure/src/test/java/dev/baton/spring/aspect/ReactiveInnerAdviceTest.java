package dev.baton.spring.aspect;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.annotation.Limited;
import dev.baton.spring.BatonAutoConfiguration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.aspectj.lang.JoinPoint;
import org.aspectj.lang.annotation.Aspect;
import org.aspectj.lang.annotation.Before;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
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
          BatonAutoConfiguration.class, BatonAspectsAutoConfiguration.class))
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

  @Test
  void aMonoSubscribedAfterTheProxyReturnedRunsTheInnerAdviceWithItsJoinPoint() {
    contextRunner.run(context -> {
      Service service = context.getBean(Service.class);
      NotingAspect aspect = context.getBean(NotingAspect.class);

      Mono<String> call = service.mono("a");
      StepVerifier.create(call).expectNext("a").verifyComplete();

      assertThat(aspect.seen).containsExactly("mono:a");
    });
  }

  @Test
  void aFluxSubscribedAfterTheProxyReturnedRunsTheInnerAdviceWithItsJoinPoint() {
    contextRunner.run(context -> {
      Service service = context.getBean(Service.class);
      NotingAspect aspect = context.getBean(NotingAspect.class);

      Flux<String> call = service.flux("b");
      StepVerifier.create(call).expectNext("b").verifyComplete();

      assertThat(aspect.seen).containsExactly("flux:b");
    });
  }
}
