package dev.baton.spring.aspect;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.AcquireTimeoutException;
import dev.baton.Permit;
import dev.baton.annotation.Guarded;
import dev.baton.spring.BatonAutoConfiguration;
import dev.baton.spring.PrimitiveRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * README, Annotation reference: "Names and timeouts may be property placeholders
 * (${app.lock}, ${app.wait:5s}), resolved at start-up": a placeholder's default applies when its
 * property is unset.
 */
class PlaceholderDefaultsTest {

  private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(AopAutoConfiguration.class,
          BatonAutoConfiguration.class, BatonAspectsAutoConfiguration.class))
      .withBean(Defaulted.class);

  @Test
  void aPlaceholdersDefaultNamesTheLockAndGivesTheTimeout() {
    contextRunner.run(context -> {
      Defaulted defaulted = context.getBean(Defaulted.class);
      try (Permit held = context.getBean(PrimitiveRegistry.class).lock("default-lock").acquire()
          .join()) {
        assertThatThrownBy(defaulted::run).isInstanceOf(AcquireTimeoutException.class)
            .hasMessage("timed out after PT0.01S waiting for lock 'default-lock'");
      }
    });
  }

  public static class Defaulted {
    @Guarded(value = "${app.lock:default-lock}", timeout = "${app.wait:10ms}")
    public void run() {}
  }
}
