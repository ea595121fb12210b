package dev.baton.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.baton.annotation.Limited;
import dev.baton.spring.aspect.BatonAspectsAutoConfiguration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.springframework.aop.support.AopUtils;
import org.springframework.aot.generate.ClassNameGenerator;
import org.springframework.aot.generate.DefaultGenerationContext;
import org.springframework.aot.generate.InMemoryGeneratedFiles;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.aot.ApplicationContextAotGenerator;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.javapoet.ClassName;

/** What a new Spring Boot application meets: AOT processing and Spring's AOP switch. */
class NewApplicationReviewTest {

  private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(AopAutoConfiguration.class,
          BatonAutoConfiguration.class, BatonAspectsAutoConfiguration.class));

  /** What spring-boot-maven-plugin's process-aot goal (native images, AOT on the JVM) does. */
  private void processAheadOfTime(ApplicationContextRunner runner) {
    runner.prepare(context -> {
      GenericApplicationContext source =
          (GenericApplicationContext) context.getSourceApplicationContext();
      DefaultGenerationContext generation = new DefaultGenerationContext(
          new ClassNameGenerator(ClassName.get(NewApplicationReviewTest.class)),
          new InMemoryGeneratedFiles());
      new ApplicationContextAotGenerator().processAheadOfTime(source, generation);
    });
  }

  @Test
  void aContextWithoutDeclaredPrimitivesCanBeProcessedAheadOfTime() {
    assertThatCode(() -> processAheadOfTime(contextRunner)).doesNotThrowAnyException();
  }

  /** The Quick start's own properties: baton.semaphores.payments: { permits: 3, timeout: 10s }. */
  @Test
  void aContextDeclaringPrimitivesUnderBatonCanBeProcessedAheadOfTime() {
    assertThatCode(() -> processAheadOfTime(contextRunner.withPropertyValues(
        "baton.semaphores.payments.permits=3", "baton.semaphores.payments.timeout=10s")))
        .doesNotThrowAnyException();
  }

  /**
   * With spring.aop.auto=false nothing proxies the annotated bean: the limit must still hold
   * (as @Transactional's does, whose @EnableTransactionManagement registers its own auto-proxy
   * creator), or start-up must fail, as it does for other methods the proxy cannot intercept.
   */
  @Test
  void withSpringAopAutoOffAnAnnotatedBeanIsStillProxiedOrStartUpFails() {
    contextRunner.withPropertyValues("spring.aop.auto=false")
        .withUserConfiguration(Charges.class).run(context -> {
          if (context.getStartupFailure() == null) {
            assertThat(AopUtils.isAopProxy(context.getBean(Gateway.class)))
                .as("@Limited bean proxied with spring.aop.auto=false").isTrue();
          }
        });
  }

  @Configuration(proxyBeanMethods = false)
  static class Charges {
    @Bean
    Gateway gateway() {
      return new Gateway();
    }
  }

  static class Gateway {
    @Limited(value = "payments", permits = 1)
    public CompletableFuture<String> charge() {
      return new CompletableFuture<>();
    }
  }
}
