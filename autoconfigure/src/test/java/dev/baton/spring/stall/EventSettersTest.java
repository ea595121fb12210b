package dev.baton.spring.stall;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.AsyncEvent;
import dev.baton.annotation.SetsEvent;
import dev.baton.spring.BatonAutoConfiguration;
import dev.baton.spring.PrimitiveRegistry;
import dev.baton.spring.aspect.BatonAspectsAutoConfiguration;
import dev.baton.spring.observation.Call;
import dev.baton.spring.observation.CurrentCall;
import dev.baton.spring.observation.EventSetters;
import dev.baton.spring.observation.Hold;
import dev.baton.spring.observation.SetterTracking;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * A call of a method annotated {@code @SetsEvent} is, for the stall view, a promise to set the
 * event from its start until its result completes, however it completes.
 */
class EventSettersTest {

  private final ApplicationContextRunner contexts = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(AopAutoConfiguration.class,
          BatonAutoConfiguration.class, BatonAspectsAutoConfiguration.class,
          BatonStallsAutoConfiguration.class))
      .withBean(Readiness.class);

  @Test
  void aSetterPromisesToSetTheEventUntilItsResultCompletes() {
    contexts.withPropertyValues("baton.stalls.level=basic").run(context -> {
      Readiness readiness = context.getBean(Readiness.class);
      AsyncEvent ready = context.getBean(PrimitiveRegistry.class).event("ready");
      EventSetters setters = ((SetterTracking) ready).setters();

      CompletableFuture<Void> loading = readiness.load();

      assertThat(setters.promises().all()).singleElement().extracting(Hold::call)
          .satisfies(call -> assertThat(call.site()).isEqualTo("Readiness.load"));
      assertThat(ready.isSet()).isFalse();
      readiness.finishLoading();
      assertThat(loading).isCompleted();
      assertThat(setters.promises().count()).isZero();
      assertThat(ready.isSet()).isTrue();

      ready.clear();
      assertThatThrownBy(readiness::fail).hasMessage("not ready");
      assertThat(setters.promises().count()).isZero();
      assertThat(ready.isSet()).isFalse();
    });
  }

  @Test
  void withTheStallViewOffEventsKeepNoSettersAndAnnotatedCallsStartNoCall() {
    contexts.run(context -> {
      assertThat(((SetterTracking) context.getBean(PrimitiveRegistry.class).event("ready"))
          .setters()).isNull();
      assertThat(context.getBean(Readiness.class).currentCall()).isNull();
    });
    contexts.withPropertyValues("baton.stalls.level=basic").run(context ->
        assertThat(context.getBean(Readiness.class).currentCall())
            .satisfies(call -> assertThat(call.site()).isEqualTo("Readiness.currentCall")));
  }

  public static class Readiness {
    private final CompletableFuture<Void> loading = new CompletableFuture<>();

    /** Not annotated: through the proxy, it reaches the bean's own field. */
    public void finishLoading() {
      loading.complete(null);
    }

    @SetsEvent("ready")
    public CompletableFuture<Void> load() {
      return loading;
    }

    /** The call its body runs as, if any. */
    @SetsEvent("ready")
    public Call currentCall() {
      return CurrentCall.get();
    }

    @SetsEvent("ready")
    public void fail() {
      throw new IllegalStateException("not ready");
    }
  }
}
