package dev.baton.spring.aspect;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.AsyncEvent;
import dev.baton.AsyncSemaphore;
import dev.baton.annotation.Limited;
import dev.baton.annotation.SetsEvent;
import dev.baton.spring.BatonAutoConfiguration;
import dev.baton.spring.PrimitiveRegistry;
import io.reactivex.rxjava3.core.Flowable;
import io.reactivex.rxjava3.core.Single;
import io.reactivex.rxjava3.observers.TestObserver;
import io.reactivex.rxjava3.processors.PublishProcessor;
import io.reactivex.rxjava3.subjects.SingleSubject;
import io.reactivex.rxjava3.subscribers.TestSubscriber;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * README, Spring Boot: "ReactiveTypeAdapter does this for any type Spring's
 * ReactiveAdapterRegistry converts: declare a bean of it for another, such as RxJava's Single."
 * Held as a Mono or Flux is: the wait starts at subscription, the permit is held until the
 * result completes, and disposing a waiting subscription withdraws its wait.
 */
class RxJavaReturnTypeAdapterTest {

  private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(AopAutoConfiguration.class,
          BatonAutoConfiguration.class, BatonAspectsAutoConfiguration.class))
      .withBean("singleAdapter", ReactiveTypeAdapter.class,
          () -> new ReactiveTypeAdapter(Single.class))
      .withBean("flowableAdapter", ReactiveTypeAdapter.class,
          () -> new ReactiveTypeAdapter(Flowable.class))
      .withBean(RxCharges.class);

  @Test
  void aSingleHoldsItsPermitUntilItCompletesAndADisposedWaitIsWithdrawn() {
    contextRunner.run(context -> {
      assertThat(context).hasNotFailed();
      RxCharges charges = context.getBean(RxCharges.class);
      AsyncSemaphore permits = context.getBean(PrimitiveRegistry.class).semaphore("rx-single");

      SingleSubject<String> first = SingleSubject.create();
      Single<String> call = charges.charge(first);
      assertThat(charges.runs()).as("no wait and no run before subscription").isZero();
      TestObserver<String> one = call.test();
      assertThat(charges.runs()).isEqualTo(1);
      assertThat(permits.availablePermits()).as("held while the Single is pending").isZero();

      TestObserver<String> two = charges.charge(SingleSubject.create()).test();
      assertThat(permits.waiters()).isEqualTo(1);
      assertThat(charges.runs()).isEqualTo(1);
      two.dispose();
      assertThat(permits.waiters()).as("a disposed wait is withdrawn").isZero();

      first.onSuccess("paid");
      one.assertValue("paid").assertComplete();
      assertThat(permits.availablePermits()).as("let go once the Single completed").isEqualTo(1);
      assertThat(charges.runs()).as("the disposed call never ran").isEqualTo(1);
    });
  }

  @Test
  void aFlowableHoldsItsPermitUntilItCompletes() {
    contextRunner.run(context -> {
      RxCharges charges = context.getBean(RxCharges.class);
      AsyncSemaphore permits = context.getBean(PrimitiveRegistry.class).semaphore("rx-flowable");
      PublishProcessor<String> source = PublishProcessor.create();
      TestSubscriber<String> one = charges.stream(source).test();
      assertThat(permits.availablePermits()).isZero();
      source.onNext("a");
      source.onNext("b");
      assertThat(permits.availablePermits()).isZero();
      source.onComplete();
      one.assertValues("a", "b").assertComplete();
      assertThat(permits.availablePermits()).isEqualTo(1);
    });
  }

  @Test
  void aSingleSetsItsEventOnlyOnceItSucceeds() {
    contextRunner.run(context -> {
      RxCharges charges = context.getBean(RxCharges.class);
      AsyncEvent loaded = context.getBean(PrimitiveRegistry.class).event("rx-loaded");
      SingleSubject<String> result = SingleSubject.create();
      TestObserver<String> load = charges.load(result).test();
      assertThat(loaded.isSet()).isFalse();
      result.onSuccess("loaded");
      load.assertValue("loaded");
      assertThat(loaded.isSet()).isTrue();
    });
  }

  public static class RxCharges {
    private final AtomicInteger runs = new AtomicInteger();

    public int runs() {
      return runs.get();
    }

    @Limited(value = "rx-single", permits = 1)
    public Single<String> charge(Single<String> result) {
      runs.incrementAndGet();
      return result;
    }

    @Limited(value = "rx-flowable", permits = 1)
    public Flowable<String> stream(Flowable<String> result) {
      return result;
    }

    @SetsEvent("rx-loaded")
    public Single<String> load(Single<String> result) {
      return result;
    }
  }
}
