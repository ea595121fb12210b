package dev.baton.spring;

import static org.assertj.core.api.Assertions.assertThatCode;

import dev.baton.spring.aspect.BatonAspectsAutoConfiguration;
import org.junit.jupiter.api.Test;
import org.springframework.aot.generate.ClassNameGenerator;
import org.springframework.aot.generate.DefaultGenerationContext;
import org.springframework.aot.generate.InMemoryGeneratedFiles;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.aot.ApplicationContextAotGenerator;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.javapoet.ClassName;

/**
 * What spring-boot-maven-plugin's {@code process-aot} goal (native images, AOT on the JVM) does
 * to an application's context succeeds with Baton's auto-configuration, also with primitives
 * declared under {@code baton.*}, whose beans {@link PrimitiveBeans} registers with an instance
 * supplier that AOT cannot write as code: they are left out, and registered again at run time.
 */
class AheadOfTimeProcessingTest {

  private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(AopAutoConfiguration.class,
          BatonAutoConfiguration.class, BatonAspectsAutoConfiguration.class));

  private void processAheadOfTime(ApplicationContextRunner runner) {
    runner.prepare(context -> {
      GenericApplicationContext source =
          (GenericApplicationContext) context.getSourceApplicationContext();
      DefaultGenerationContext generation = new DefaultGenerationContext(
          new ClassNameGenerator(ClassName.get(AheadOfTimeProcessingTest.class)),
          new InMemoryGeneratedFiles());
      new ApplicationContextAotGenerator().processAheadOfTime(source, generation);
    });
  }

  @Test
  void aContextWithoutDeclaredPrimitivesCanBeProcessedAheadOfTime() {
    assertThatCode(() -> processAheadOfTime(contextRunner)).doesNotThrowAnyException();
  }

  /**
   * The Quick start's own properties: {@code baton.semaphores.payments: { permits: 3, timeout:
   * 10s }}. Failed with "Error processing bean with name 'baton.semaphore.payments': instance
   * supplier is not supported".
   */
  @Test
  void aContextDeclaringPrimitivesUnderBatonCanBeProcessedAheadOfTime() {
    assertThatCode(() -> processAheadOfTime(contextRunner.withPropertyValues(
        "baton.semaphores.payments.permits=3", "baton.semaphores.payments.timeout=10s",
        "baton.locks.stock.timeout=5s"))).doesNotThrowAnyException();
  }
}
