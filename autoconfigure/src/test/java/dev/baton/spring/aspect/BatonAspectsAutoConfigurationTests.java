package dev.baton.spring.aspect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.AcquireTimeoutException;
import dev.baton.AsyncEvent;
import dev.baton.AsyncLock;
import dev.baton.AsyncSemaphore;
import dev.baton.Permit;
import dev.baton.annotation.AwaitsEvent;
import dev.baton.annotation.Guarded;
import dev.baton.annotation.Limited;
import dev.baton.annotation.SetsEvent;
import dev.baton.spring.BatonAutoConfiguration;
import dev.baton.spring.PrimitiveRegistry;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.reactivestreams.Publisher;
import org.springframework.aop.framework.Advised;
import org.springframework.aop.framework.ProxyFactory;
import org.springframework.aop.framework.autoproxy.AbstractAutoProxyCreator;
import org.springframework.aop.framework.autoproxy.DefaultAdvisorAutoProxyCreator;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.BeanCreationException;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.support.GenericApplicationContext;
import reactor.core.Disposable;
import reactor.core.publisher.ConnectableFlux;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.ParallelFlux;
import reactor.core.publisher.Sinks;

@ExtendWith(OutputCaptureExtension.class)
class BatonAspectsAutoConfigurationTests {

  private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(AopAutoConfiguration.class,
          BatonAutoConfiguration.class, BatonAspectsAutoConfiguration.class));

  @Test
  void runShouldRegisterTheFourAspectsInTheirOrder() {
    contextRunner.run(context -> {
      assertThat(context).hasSingleBean(SetsEventAspect.class).hasSingleBean(AwaitsEventAspect.class)
          .hasSingleBean(LimitedAspect.class).hasSingleBean(GuardedAspect.class)
          .hasSingleBean(MonoAdapter.class).hasSingleBean(FluxAdapter.class)
          .hasSingleBean(PublisherAdapter.class);
      int base = context.getBean(SetsEventAspect.class).getOrder();
      assertThat(context.getBean(AwaitsEventAspect.class).getOrder()).isEqualTo(base + 1);
      assertThat(context.getBean(LimitedAspect.class).getOrder()).isEqualTo(base + 2);
      assertThat(context.getBean(GuardedAspect.class).getOrder()).isEqualTo(base + 3);
    });
  }

  @Test
  void runWithAspectOrderShouldStartTheAspectsThere() {
    contextRunner.withPropertyValues("baton.aspect-order=7").run(context -> {
      assertThat(context.getBean(SetsEventAspect.class).getOrder()).isEqualTo(7);
      assertThat(context.getBean(GuardedAspect.class).getOrder()).isEqualTo(10);
    });
  }

  @Test
  void runWithAnAspectOrderTooHighForTheOthersShouldCapItSoTheyKeepTheirOrder() {
    contextRunner.withPropertyValues("baton.aspect-order=" + Integer.MAX_VALUE).run(context -> {
      assertThat(context.getBean(SetsEventAspect.class).getOrder())
          .isEqualTo(Integer.MAX_VALUE - 3);
      assertThat(context.getBean(AwaitsEventAspect.class).getOrder())
          .isEqualTo(Integer.MAX_VALUE - 2);
      assertThat(context.getBean(LimitedAspect.class).getOrder())
          .isEqualTo(Integer.MAX_VALUE - 1);
      assertThat(context.getBean(GuardedAspect.class).getOrder()).isEqualTo(Integer.MAX_VALUE);
    });
  }

  @Test
  void runShouldLeaveEveryBeanToThePostProcessors(CapturedOutput output) {
    contextRunner.withUserConfiguration(LatePostProcessor.class)
        .withPropertyValues("baton.aspect-order=7").run(context -> {
      assertThat(context).hasNotFailed();
      assertThat(context.getBean(SetsEventAspect.class).getOrder()).isEqualTo(7);
    });
    assertThat(output).doesNotContain("is not eligible for getting processed by all");
  }

  /**
   * With Spring Boot's AOP auto-configuration off ({@code spring.aop.auto=false}) the annotated
   * bean is still proxied, through a class proxy, and its limit holds: the annotations were
   * ignored without a word (ten charges in flight of three permits).
   */
  @ParameterizedTest
  @ValueSource(strings = {"true", "false"})
  void runWithSpringAopAutoOffShouldStillProxyTheAnnotatedBeans(String proxyTargetClass) {
    contextRunner.withPropertyValues("spring.aop.auto=false",
            "spring.aop.proxy-target-class=" + proxyTargetClass)
        .withUserConfiguration(LimitedGateway.class).run(context -> {
          Gateway gateway = context.getBean(Gateway.class);
          assertThat(AopUtils.isAopProxy(gateway)).isTrue();
          assertThat(AopUtils.isCglibProxy(gateway)).isEqualTo(Boolean.valueOf(proxyTargetClass));
          CompletableFuture<String> first = new CompletableFuture<>();
          CompletableFuture<String> second = new CompletableFuture<>();
          CompletionStage<String> held = gateway.charge(first);
          CompletionStage<String> waiting = gateway.charge(second);
          assertThat(context.getBean(PrimitiveRegistry.class).semaphore("one-charge").waiters())
              .isEqualTo(1);
          first.complete("done");
          assertThat(held.toCompletableFuture().join()).isEqualTo("done");
          second.complete("next");
          assertThat(waiting.toCompletableFuture().get(5, TimeUnit.SECONDS)).isEqualTo("next");
        });
  }

  /**
   * An application that turns the auto-configuration off because it declares its own auto-proxy
   * creator keeps it as the only one: a second would proxy the bean twice, and a call would wait
   * in the outer proxy's advice for the permit its inner one holds, forever.
   */
  @Test
  void runWithSpringAopAutoOffAndAnApplicationsOwnAutoProxyCreatorShouldAddNoOther() {
    contextRunner.withPropertyValues("spring.aop.auto=false")
        .withUserConfiguration(LimitedGateway.class, OwnAutoProxyCreator.class).run(context -> {
          assertThat(context.getBeansOfType(AbstractAutoProxyCreator.class)).hasSize(1);
          Gateway gateway = context.getBean(Gateway.class);
          Object target = ((Advised) gateway).getTargetSource().getTarget();
          assertThat(AopUtils.isAopProxy(target)).as("proxied twice").isFalse();
          assertThat(gateway.charge(CompletableFuture.completedFuture("done"))
              .toCompletableFuture().get(5, TimeUnit.SECONDS)).isEqualTo("done");
        });
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnAutoProxyCreator {
    @Bean
    static DefaultAdvisorAutoProxyCreator myAutoProxyCreator() {
      return new DefaultAdvisorAutoProxyCreator();
    }
  }

  /** One charge at a time. */
  public interface Gateway {
    CompletionStage<String> charge(CompletableFuture<String> result);
  }

  public static class OneChargeGateway implements Gateway {
    @Override
    @Limited(value = "one-charge", permits = 1)
    public CompletionStage<String> charge(CompletableFuture<String> result) {
      return result;
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class LimitedGateway {
    @Bean
    Gateway gateway() {
      return new OneChargeGateway();
    }
  }

  @Test
  void runWhenDisabledShouldNotRegisterAspects() {
    contextRunner.withPropertyValues("baton.enabled=false").run(context ->
        assertThat(context).doesNotHaveBean(GuardedAspect.class).doesNotHaveBean(AnnotationBindings.class));
  }

  @Test
  void runShouldProxyAnnotatedBeansAndApplyTheAnnotation() {
    contextRunner.withUserConfiguration(ValidConfiguration.class).run(context -> {
      assertThat(context).hasNotFailed();
      Valid valid = context.getBean(Valid.class);
      assertThat(AopUtils.isAopProxy(valid)).isTrue();
      PrimitiveRegistry registry = context.getBean(PrimitiveRegistry.class);
      registry.lock("valid").acquire().join();
      assertThatThrownBy(valid::guarded).isInstanceOf(AcquireTimeoutException.class);
      assertThat(valid.calls()).isZero();
    });
  }

  @Test
  void runWithAnAspectOfTheApplicationShouldUseItInsteadOfBatons() {
    contextRunner.withUserConfiguration(ValidConfiguration.class, OwnGuardedAspect.class)
        .run(context -> {
          assertThat(context).hasNotFailed().hasSingleBean(GuardedAspect.class)
              .hasBean("ownGuardedAspect").doesNotHaveBean("batonGuardedAspect")
              .hasSingleBean(LimitedAspect.class);
          assertThat(context.getBean(GuardedAspect.class).getOrder()).isEqualTo(5);
          context.getBean(PrimitiveRegistry.class).lock("valid").acquire().join();
          Valid valid = context.getBean(Valid.class);
          assertThatThrownBy(valid::guarded).isInstanceOf(AcquireTimeoutException.class);
          assertThat(valid.calls()).isZero();
        });
  }

  @Test
  void runWithAUserAdapterShouldPreferItForItsType() {
    contextRunner.withUserConfiguration(ValidConfiguration.class, UserAdapterConfiguration.class)
        .run(context -> {
          context.getBean(Valid.class).guarded();
          assertThat(context.getBean(UserAdapterConfiguration.class).adapter.calls).isEqualTo(1);
        });
  }

  @Test
  void runWithAnUnparsableTimeoutShouldFailNamingMethodAndAttribute() {
    assertStartupFails(BadTimeout.class, "@Guarded on " + BadTimeout.class.getName() + ".run()",
        "attribute timeout", "'soon' is not a duration");
  }

  /** Not taken for a conflict of permits, which a @Limited's semaphore may also have. */
  @Test
  void runWithAnUnparsableLimitedTimeoutShouldFailNamingTheTimeoutOnly() {
    contextRunner.withBean(BadLimitedTimeout.class).run(context -> {
      assertThat(context).hasFailed();
      assertThat(context.getStartupFailure()).hasMessage(
          "bean 'batonAspectsAutoConfigurationTests.BadLimitedTimeout': @Limited on "
          + BadLimitedTimeout.class.getName() + ".run(): attribute timeout: 'soon' is not a"
          + " duration; write it like 500ms, 5s or PT1M");
    });
  }

  @Test
  void runWithANegativeTimeoutShouldFailNamingMethodAndAttribute() {
    assertStartupFails(NegativeTimeout.class,
        "@Limited on " + NegativeTimeout.class.getName() + ".run()",
        "attribute timeout must not be negative, was '-1s'", "0 fails at once unless free");
  }

  /**
   * A bean registered after start-up is checked as it is created, which fails as start-up
   * would: an IllegalStateException naming the method and attribute.
   */
  @Test
  void aNegativeTimeoutOfABeanRegisteredLaterShouldFailItsCreationWithIllegalState() {
    contextRunner.run(context -> {
      GenericApplicationContext late =
          (GenericApplicationContext) context.getSourceApplicationContext();
      late.registerBean(NegativeTimeout.class);
      assertThatThrownBy(() -> late.getBean(NegativeTimeout.class))
          .isInstanceOf(BeanCreationException.class).cause()
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("@Limited on " + NegativeTimeout.class.getName() + ".run()")
          .hasMessageContaining("attribute timeout must not be negative, was '-1s'");
    });
  }

  /**
   * A method no check met, proxied outside the bean factory with Baton's advisor, is bound at
   * its first call, which fails as start-up would: an IllegalStateException naming the method
   * and attribute.
   */
  @Test
  void aNegativeTimeoutFirstMetAtACallShouldFailItWithIllegalState() {
    contextRunner.run(context -> {
      ProxyFactory proxy = new ProxyFactory(new NegativeTimeout());
      proxy.setProxyTargetClass(true);
      proxy.addAdvisor(context.getBean(LimitedAspect.class));
      NegativeTimeout bean = (NegativeTimeout) proxy.getProxy();
      assertThatThrownBy(bean::run).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("@Limited on " + NegativeTimeout.class.getName() + ".run()")
          .hasMessageContaining("attribute timeout must not be negative, was '-1s'");
    });
  }

  @Test
  void runWithAZeroTimeoutShouldFailAtOnceWhenTheLockIsTaken() {
    contextRunner.withBean(ZeroTimeout.class).run(context -> {
      ZeroTimeout zero = context.getBean(ZeroTimeout.class);
      zero.run();
      context.getBean(PrimitiveRegistry.class).lock("zero").acquire().join();
      assertThatThrownBy(zero::run).isInstanceOf(AcquireTimeoutException.class)
          .hasMessageContaining("timed out after PT0S");
      assertThat(zero.calls()).isEqualTo(1);
    });
  }

  @Test
  void runWithAnUnparsableKeyShouldFailNamingMethodAndAttribute() {
    assertStartupFails(BadKey.class, "@Guarded on " + BadKey.class.getName() + ".run(String)",
        "attribute key", "not a valid SpEL expression");
  }

  @Test
  void runWithAKeyReadingNoParameterShouldFailNamingTheVariableAndTheParameters() {
    assertStartupFails(KeyOfAnotherParameter.class, "@Guarded on "
        + KeyOfAnotherParameter.class.getName() + ".run(String)", "attribute key: '#userId'",
        "reads #userId, which is not a parameter of run [sku]");
  }

  @Test
  void runWithAKeyReadingArgumentsByPositionOrTheRootShouldStart() {
    contextRunner.withBean(KeysByPosition.class).run(context -> assertThat(context)
        .hasNotFailed());
  }

  @Test
  void runWithPermitsConflictingWithTheConfigurationShouldFail() {
    contextRunner.withPropertyValues("baton.semaphores.payments.permits=10")
        .withBean(ThreePermits.class).run(context -> {
          assertThat(context).hasFailed();
          assertThat(messages(context.getStartupFailure())).contains("@Limited on " + ThreePermits.class.getName() + ".run()")
              .contains("attribute permits: 3 conflicts with baton.semaphores.payments.permits=10");
        });
  }

  @Test
  void runWithTwoAnnotationsGivingDifferentPermitsShouldFail() {
    contextRunner.withBean(ThreePermits.class).withBean(FivePermits.class).run(context -> {
      assertThat(context).hasFailed();
      assertThat(messages(context.getStartupFailure())).contains("attribute permits")
              .contains("use one number per name");
    });
  }

  @Test
  void runWithLimitedWithoutPermitsAnywhereShouldSayWhereToSetThem() {
    assertStartupFails(NoPermits.class, "@Limited on " + NoPermits.class.getName() + ".run()",
        "baton.semaphores.orphan.permits is not set");
  }

  @Test
  void runWithLimitedWithoutPermitsShouldTakeThemFromTheConfiguration() {
    contextRunner.withPropertyValues("baton.semaphores.orphan.permits=4").withBean(NoPermits.class)
        .run(context -> {
          assertThat(context).hasNotFailed();
          assertThat(context.getBean(PrimitiveRegistry.class).semaphore("orphan").maxPermits())
              .isEqualTo(4);
        });
  }

  @Test
  void runWithAnAnnotatedFinalMethodShouldFailBecauseTheProxyWouldIgnoreIt() {
    assertStartupFails(FinalMethod.class, FinalMethod.class.getName() + ".run()",
        "in bean", "it is final");
  }

  @Test
  void runWithAnAnnotatedMethodInAFinalClassShouldNameItBeforeTheProxyFails() {
    contextRunner.withBean(FinalClass.class).run(context -> {
      assertThat(context).hasFailed();
      assertThat(messages(context.getStartupFailure()))
          .contains("@Limited on " + FinalClass.class.getName() + ".run()")
          .contains("its class is final").contains("kotlin-spring")
          .doesNotContain("CGLIB");
    });
  }

  @Test
  void runWithAnAnnotatedStaticMethodShouldFailBecauseTheProxyWouldIgnoreIt() {
    assertStartupFails(StaticMethod.class, StaticMethod.class.getName() + ".run()",
        "it is static");
  }

  /**
   * Behind a JDK proxy a class's annotation applies to {@code toString}, which the proxy passes
   * on as it does the methods of the bean's interfaces, so start-up accepts it.
   */
  @Test
  void runWithAClassLevelAnnotationBehindAJdkProxyShouldStartAndApplyIt() {
    contextRunner.withPropertyValues("spring.aop.proxy-target-class=false")
        .withBean(Posting.class, GuardedPosting::new).run(context -> {
          assertThat(context).hasNotFailed();
          Posting posting = context.getBean(Posting.class);
          assertThat(AopUtils.isJdkDynamicProxy(posting)).isTrue();
          try (Permit held = context.getBean(PrimitiveRegistry.class).lock("posting-class")
              .acquire().join()) {
            assertThatThrownBy(posting::toString).isInstanceOf(AcquireTimeoutException.class)
                .hasMessage("timed out after PT0S waiting for lock 'posting-class'");
          }
        });
  }

  /** A JDK proxy implements only the bean's interfaces: a method none declares it ignores. */
  @Test
  void runWithAnAnnotatedMethodOffTheInterfacesOfAJdkProxyShouldFailBecauseItWouldIgnoreIt() {
    contextRunner.withPropertyValues("spring.aop.proxy-target-class=false")
        .withBean(Posting.class, PostingWithAudit::new).run(context -> {
          assertThat(context).hasFailed();
          assertThat(messages(context.getStartupFailure()))
              .contains("@Guarded on " + PostingWithAudit.class.getName() + ".audit()")
              .contains("bean '").contains("none of its interfaces declares it")
              .contains("spring.aop.proxy-target-class=false");
        });
  }

  @Test
  void runWithAnAnnotatedNonPublicMethodShouldFailBecauseTheProxyWouldIgnoreIt() {
    assertStartupFails(PackagePrivateMethod.class, PackagePrivateMethod.class.getName() + ".run()",
        "it is not public");
  }

  @Test
  void runInStrictModeWithAnUndeclaredNameShouldFail() {
    contextRunner.withPropertyValues("baton.strict=true").withBean(Undeclared.class).run(context -> {
      assertThat(context).hasFailed();
      assertThat(messages(context.getStartupFailure())).contains("@AwaitsEvent on " + Undeclared.class.getName() + ".run()")
              .contains("attribute value: 'typo' is not declared under baton.events");
    });
  }

  @Test
  void runInStrictModeWithDeclaredNamesShouldStart() {
    contextRunner.withPropertyValues("baton.strict=true", "baton.events.typo.initially-set=true")
        .withBean(Undeclared.class)
        .run(context -> assertThat(context).hasNotFailed());
  }

  /**
   * "A name with characters other than a-z, 0-9 and - is written in brackets": its settings
   * reach the annotations of that name, which strict mode counts as declared, and its bean is
   * named after it.
   */
  @Test
  void runWithNamesDeclaredInBracketsShouldGiveTheirAnnotationsTheirSettings() {
    contextRunner.withPropertyValues("baton.strict=true", "baton.locks[jobs.v2].timeout=0",
        "baton.semaphores[Payments].permits=1").withBean(BracketedNames.class).run(context -> {
          assertThat(context).hasNotFailed();
          PrimitiveRegistry registry = context.getBean(PrimitiveRegistry.class);
          AsyncLock lock = registry.lock("jobs.v2");
          assertThat(context.getBean("baton.lock.jobs.v2")).isSameAs(lock);
          AsyncSemaphore payments = registry.semaphore("Payments");
          assertThat(payments.maxPermits()).isEqualTo(1);
          try (Permit held = lock.acquire().join()) {
            assertThatThrownBy(context.getBean(BracketedNames.class)::run)
                .isInstanceOf(AcquireTimeoutException.class)
                .hasMessage("timed out after PT0S waiting for lock 'jobs.v2'");
          }
          assertThat(payments.availablePermits()).isEqualTo(1);
        });
  }

  /** Strict mode checks the names of all four annotations, a per-key family's too. */
  @Test
  void runInStrictModeWithAnUndeclaredNameOfAnyAnnotationShouldFailNamingIt() {
    String strict = "baton.strict=true";
    String[] declared = {"baton.locks.stock.timeout=1s", "baton.semaphores.payments.permits=2",
        "baton.events.loaded.initially-set=false"};
    String[][] cases = {
        {"baton.locks.stock.timeout=1s", "@Guarded on", "'stock' is not declared under"
            + " baton.locks"},
        {"baton.semaphores.payments.permits=2", "@Limited on", "'payments' is not declared"
            + " under baton.semaphores"},
        {"baton.events.loaded.initially-set=false", "@SetsEvent on", "'loaded' is not declared"
            + " under baton.events"}};
    for (String[] missing : cases) {
      String[] others = Arrays.stream(declared)
          .filter(property -> !property.equals(missing[0])).toArray(String[]::new);
      contextRunner.withPropertyValues(strict).withPropertyValues(others)
          .withBean(StrictNames.class).run(context -> {
            assertThat(context).as(missing[0]).hasFailed();
            assertThat(messages(context.getStartupFailure())).as(missing[0])
                .contains(missing[1] + " " + StrictNames.class.getName())
                .contains(missing[2]);
          });
    }
    contextRunner.withPropertyValues(strict).withPropertyValues(declared)
        .withBean(StrictNames.class).run(context -> assertThat(context).hasNotFailed());
  }

  /** A family declared only by its key order counts as declared. */
  @Test
  void runInStrictModeWithAFamilyDeclaredByItsKeyOrderShouldStart() {
    contextRunner.withPropertyValues("baton.strict=true", "baton.locks.stock.key-order=ascending",
        "baton.semaphores.payments.permits=2", "baton.events.loaded.initially-set=false")
        .withBean(StrictNames.class).run(context -> assertThat(context).hasNotFailed());
  }

  @ParameterizedTest
  @ValueSource(classes = {ReturnsFuture.class, ReturnsCompletableFutureSubclass.class,
      ReturnsCompletionStageSubtype.class, ReturnsParallelFlux.class,
      ReturnsConnectableFlux.class, ReturnsFlowPublisher.class})
  void runWithAnAsynchronousReturnTypeNoAdapterHandlesShouldFailNamingItAndWhatToDo(
      Class<?> bean) throws NoSuchMethodException {
    String returnType = bean.getMethod("run").getReturnType().getName();
    assertStartupFails(bean, bean.getName() + ".run() returns " + returnType,
        "would wait on the calling thread", "register a ReturnTypeAdapter bean that handles "
            + returnType);
  }

  @Test
  void runWithAUserAdapterForAnAsynchronousTypeShouldStartAndUseIt() {
    CountingAdapter adapter = new CountingAdapter(Future.class);
    contextRunner.withBean(ReturnsFuture.class).withBean(ReturnTypeAdapter.class, () -> adapter)
        .run(context -> {
          assertThat(context).hasNotFailed();
          context.getBean(ReturnsFuture.class).run();
          assertThat(adapter.calls).isEqualTo(1);
        });
  }

  /**
   * The refusal of {@code Optional<CompletableFuture<T>>} advises registering an adapter for
   * {@code Optional}; one registered is used, not refused for the futures the optional holds.
   */
  @Test
  void runWithAUserAdapterForASynchronousTypeHoldingFuturesShouldStartAndUseIt() {
    CountingAdapter adapter = new CountingAdapter(Optional.class);
    contextRunner.withBean(ReturnsOptionalFuture.class)
        .withBean(ReturnTypeAdapter.class, () -> adapter).run(context -> {
          assertThat(context).hasNotFailed();
          context.getBean(ReturnsOptionalFuture.class).run();
          assertThat(adapter.calls).isEqualTo(1);
        });
  }

  public static class ReturnsOptionalFuture {
    @Limited(value = "optional", permits = 1)
    public Optional<CompletableFuture<String>> run() {
      return Optional.of(CompletableFuture.completedFuture("x"));
    }
  }

  @Test
  void runWithAPublisherMethodShouldHoldThePermitUntilThePublisherTerminates() {
    contextRunner.withBean(Publishing.class).run(context -> {
      AsyncSemaphore permits = context.getBean(PrimitiveRegistry.class).semaphore("published");
      Sinks.Many<String> source = Sinks.many().unicast().onBackpressureBuffer();

      Publisher<String> call = context.getBean(Publishing.class).limited(source.asFlux());
      CompletableFuture<List<String>> values = Flux.from(call).collectList().toFuture();
      source.tryEmitNext("first");
      assertThat(permits.availablePermits()).as("held while the publisher emits").isZero();

      source.tryEmitComplete();
      assertThat(values).isCompletedWithValue(List.of("first"));
      assertThat(permits.availablePermits()).isEqualTo(1);
      assertThat(call).as("what Baton returns for a Publisher").isInstanceOf(Flux.class);
    });
  }

  /** "held until ... the publisher terminates or its subscription is cancelled". */
  @Test
  void runWithAPublisherMethodShouldLetGoOfThePermitWhenItsSubscriptionIsCancelled() {
    contextRunner.withBean(Publishing.class).run(context -> {
      AsyncSemaphore permits = context.getBean(PrimitiveRegistry.class).semaphore("published");
      Sinks.Many<String> source = Sinks.many().unicast().onBackpressureBuffer();
      List<String> seen = new CopyOnWriteArrayList<>();

      Disposable subscription = Flux.from(context.getBean(Publishing.class)
          .limited(source.asFlux())).subscribe(seen::add);
      source.tryEmitNext("first");
      assertThat(seen).containsExactly("first");
      assertThat(permits.availablePermits()).as("held while the publisher emits").isZero();

      subscription.dispose();
      assertThat(permits.availablePermits()).isEqualTo(1);
      assertThat(source.currentSubscriberCount()).as("the source's subscription").isZero();
      assertThat(permits.tryAcquire()).hasValueSatisfying(Permit::release);
    });
  }

  @Test
  void runWithAGuardedFluxShouldLetGoOfTheLockWhenItsSubscriptionIsCancelled() {
    contextRunner.withBean(GuardedFlux.class).run(context -> {
      AsyncLock lock = context.getBean(PrimitiveRegistry.class).lock("guarded-flux");
      Sinks.Many<String> source = Sinks.many().unicast().onBackpressureBuffer();

      Disposable subscription = context.getBean(GuardedFlux.class).guarded(source.asFlux())
          .subscribe();
      source.tryEmitNext("first");
      assertThat(lock.isLocked()).as("held while the flux emits").isTrue();

      subscription.dispose();
      assertThat(lock.isLocked()).isFalse();
    });
  }

  @Test
  void runWithAPublisherMethodShouldSetItsEventWhenThePublisherCompletes() {
    contextRunner.withBean(Publishing.class).run(context -> {
      AsyncEvent published = context.getBean(PrimitiveRegistry.class).event("published");
      Sinks.One<String> source = Sinks.one();

      CompletableFuture<String> value =
          Mono.from(context.getBean(Publishing.class).setting(source.asMono())).toFuture();
      assertThat(published.isSet()).isFalse();

      source.tryEmitValue("done");
      assertThat(value).isCompletedWithValue("done");
      assertThat(published.isSet()).isTrue();
    });
  }

  private void assertStartupFails(Class<?> bean, String... messageParts) {
    contextRunner.withBean(bean).run(context -> {
      assertThat(context).hasFailed();
      assertThat(messages(context.getStartupFailure())).contains("bean '");
      for (String part : messageParts) {
        assertThat(messages(context.getStartupFailure())).contains(part);
      }
    });
  }

  @Test
  void closingTheApplicationFailsTheCallsStillWaitingSayingWhyAndRunsNoneOfThem() {
    contextRunner.withBean(Closed.class).run(context -> {
      Closed closed = context.getBean(Closed.class);
      PrimitiveRegistry registry = context.getBean(PrimitiveRegistry.class);
      Permit lock = registry.lock("closed-lock").acquire().join();
      Permit permit = registry.semaphore("closed-permits", 1).acquire().join();
      CompletableFuture<String> guarded = closed.guarded();
      CompletableFuture<String> limited = closed.limited().toFuture();
      CompletableFuture<String> awaited = Waits.onThreads(1, i -> closed.awaited()).get(0);
      Waits.eventually().until(() -> registry.event("closed-event").waiters() == 1);

      context.close();

      assertThat(List.of(guarded, limited, awaited)).allSatisfy(call ->
          assertThat(failureOf(call)).startsWith("CancellationException")
              .contains("the application is shutting down"));
      lock.release();
      permit.release();
      registry.event("closed-event").set();
      assertThat(failureOf(closed.guarded())).startsWith("IllegalStateException")
          .contains("lock 'closed-lock'", "the application is shutting down");
      assertThat(closed.runs()).as("bodies run").isZero();
    });
  }

  /**
   * The registry closes "once every lifecycle has stopped (so a graceful drain ... still runs
   * first)": a lifecycle that, stopping, lets a waiting call through and makes another sees
   * both run.
   */
  @Test
  void closingTheApplicationLetsALifecycleDrainItsCallsBeforeThePrimitivesClose() {
    contextRunner.withBean(Closed.class).withBean(Drain.class).run(context -> {
      Closed closed = context.getBean(Closed.class);
      Permit lock = context.getBean(PrimitiveRegistry.class).lock("closed-lock").acquire().join();
      CompletableFuture<String> waiting = closed.guarded();
      List<String> drained = new CopyOnWriteArrayList<>();
      context.getBean(Drain.class).onStop(() -> {
        lock.release();
        for (CompletableFuture<String> call : List.of(waiting, closed.guarded())) {
          drained.add(call.handle((value, failure) -> value != null ? value : failure.toString())
              .join());
        }
      });

      context.close();

      assertThat(drained).containsExactly("ran", "ran");
      assertThat(closed.runs()).isEqualTo(2);
    });
  }

  /**
   * An annotation on an interface's method applies to an implementation that carries none of its
   * own; one on the implementation's method wins, the most specific declaration, as with Spring's
   * own annotations; whether the proxy is a subclass or, with
   * {@code spring.aop.proxy-target-class=false}, a JDK proxy of the interface.
   */
  @ParameterizedTest(name = "proxy-target-class={0}")
  @ValueSource(booleans = {true, false})
  void anInterfacesAnnotationAppliesUnlessTheImplementationDeclaresItsOwn(boolean targetClass) {
    contextRunner.withPropertyValues("spring.aop.proxy-target-class=" + targetClass)
        .withBean(Posting.class, PostingService::new).run(context -> {
          assertThat(context).hasNotFailed();
          Posting posting = context.getBean(Posting.class);
          assertThat(AopUtils.isJdkDynamicProxy(posting)).isEqualTo(!targetClass);
          PrimitiveRegistry registry = context.getBean(PrimitiveRegistry.class);
          Permit ledger = registry.lock("posting-ledger").acquire().join();
          Permit journal = registry.lock("posting-journal").acquire().join();

          CompletableFuture<String> posted = posting.post();
          CompletableFuture<String> recorded = posting.record();

          assertThat(posted).as("waits for the interface's lock").isNotDone();
          assertThat(recorded).as("waits for the implementation's lock").isNotDone();
          assertThat(registry.names()).as("the interface's lock, overridden").doesNotContain(
              "posting-audit");
          ledger.release();
          journal.release();
          assertThat(List.of(posted.join(), recorded.join())).containsExactly("posted", "recorded");
        });
  }

  /**
   * A class's annotation applies to the public methods of its subclasses too, those they add and
   * those they override, as {@code @Transactional} on a class does: a subclass is that class.
   */
  @Test
  void aClassLevelAnnotationAppliesToTheMethodsOfItsSubclasses() {
    contextRunner.withBean(SubOfAnnotated.class).run(context -> {
      SubOfAnnotated sub = context.getBean(SubOfAnnotated.class);
      try (Permit held = context.getBean(PrimitiveRegistry.class).lock("base-lock").acquire()
          .join()) {
        for (Runnable call : List.<Runnable>of(sub::added, sub::overridden, sub::inherited)) {
          assertThatThrownBy(call::run).isInstanceOf(AcquireTimeoutException.class)
              .hasMessage("timed out after PT0S waiting for lock 'base-lock'");
        }
      }
    });
  }

  /** How {@code call} failed, unwrapped: the failure's simple class name and its message. */
  private static String failureOf(CompletableFuture<?> call) {
    // Not get(): from Java 23 on, it throws a new CancellationException named "get".
    Throwable failure =
        call.handle((value, thrown) -> thrown).orTimeout(5, TimeUnit.SECONDS).join();
    while (failure instanceof CompletionException && failure.getCause() != null) {
      failure = failure.getCause();
    }
    return failure == null ? "no failure"
        : failure.getClass().getSimpleName() + ": " + failure.getMessage();
  }

  /** The messages of a failure and all its causes, one per line. */
  private static String messages(Throwable failure) {
    StringBuilder messages = new StringBuilder();
    for (Throwable t = failure; t != null; t = t.getCause()) {
      messages.append(t.getMessage()).append('\n');
    }
    return messages.toString();
  }

  @Configuration(proxyBeanMethods = false)
  static class ValidConfiguration {
    @Bean
    Valid valid() {
      return new Valid();
    }
  }

  public static class Valid {
    private int calls;

    @Guarded(value = "valid", timeout = "10ms")
    public void guarded() {
      calls++;
    }

    /** Read through the proxy, which has fields of its own. */
    public int calls() {
      return calls;
    }
  }

  /** Annotated on the interface. */
  public interface Posting {

    @Guarded("posting-ledger")
    CompletableFuture<String> post();

    @Guarded("posting-audit")
    CompletableFuture<String> record();
  }

  /** Carries no annotation of its own on {@code post}, and another lock on {@code record}. */
  public static class PostingService implements Posting {

    @Override
    public CompletableFuture<String> post() {
      return CompletableFuture.completedFuture("posted");
    }

    @Override
    @Guarded("posting-journal")
    public CompletableFuture<String> record() {
      return CompletableFuture.completedFuture("recorded");
    }
  }

  /** Guarded as a class, with a {@code toString} of its own. */
  @Guarded(value = "posting-class", timeout = "0")
  public static class GuardedPosting extends PostingService {

    @Override
    public String toString() {
      return "guarded posting";
    }
  }

  /** Adds an annotated method that its interface does not declare. */
  public static class PostingWithAudit extends PostingService {

    @Guarded("posting-audit")
    public void audit() {}
  }

  /** Calls that wait for a lock, a permit and an event, counting the bodies that run. */
  public static class Closed {
    private final AtomicInteger runs = new AtomicInteger();

    /** Read through the proxy, which has fields of its own. */
    public int runs() {
      return runs.get();
    }

    @Guarded("closed-lock")
    public CompletableFuture<String> guarded() {
      runs.incrementAndGet();
      return CompletableFuture.completedFuture("ran");
    }

    @Limited(value = "closed-permits", permits = 1)
    public Mono<String> limited() {
      return Mono.fromSupplier(() -> {
        runs.incrementAndGet();
        return "ran";
      });
    }

    @AwaitsEvent("closed-event")
    public String awaited() {
      runs.incrementAndGet();
      return "ran";
    }
  }

  /** A lifecycle that, when it stops, runs what it was given: a graceful drain. */
  public static class Drain implements SmartLifecycle {
    private volatile boolean running;
    private volatile Runnable drain = () -> { };

    void onStop(Runnable drain) {
      this.drain = drain;
    }

    @Override
    public void start() {
      running = true;
    }

    @Override
    public void stop() {
      drain.run();
      running = false;
    }

    @Override
    public boolean isRunning() {
      return running;
    }
  }

  /** The application's own {@code @Guarded} aspect, at an order of its choosing. */
  @Configuration(proxyBeanMethods = false)
  static class OwnGuardedAspect {
    @Bean
    static GuardedAspect ownGuardedAspect(ObjectProvider<AnnotationBindings> bindings,
        ObjectProvider<ReturnTypeAdapters> adapters) {
      return new GuardedAspect(bindings, adapters, 5, false);
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class UserAdapterConfiguration {
    final CountingAdapter adapter = new CountingAdapter(void.class);

    @Bean
    ReturnTypeAdapter countingAdapter() {
      return adapter;
    }
  }

  /** Handles one return type by counting and proceeding without waiting. */
  static class CountingAdapter implements ReturnTypeAdapter {
    private final Class<?> handled;
    int calls;

    CountingAdapter(Class<?> handled) {
      this.handled = handled;
    }

    @Override
    public boolean canHandle(Class<?> returnType) {
      return returnType == handled;
    }

    @Override
    public <R> Object around(Gate<R> gate, Invocation invocation) throws Throwable {
      calls++;
      return invocation.proceed();
    }

    @Override
    public Object afterSuccess(Invocation invocation, Runnable action) throws Throwable {
      return invocation.proceed();
    }
  }

  public static class BadTimeout {
    @Guarded(value = "x", timeout = "soon")
    public void run() {}
  }

  public static class BadLimitedTimeout {
    @Limited(value = "x", permits = 1, timeout = "soon")
    public void run() {}
  }

  public static class NegativeTimeout {
    @Limited(value = "x", permits = 1, timeout = "-1s")
    public void run() {}
  }

  public static class ZeroTimeout {
    private int calls;

    @Guarded(value = "zero", timeout = "0s")
    public void run() {
      calls++;
    }

    /** Read through the proxy, which has fields of its own. */
    public int calls() {
      return calls;
    }
  }

  public static class BadKey {
    @Guarded(value = "x", key = "#sku +")
    public void run(String sku) {}
  }

  /**
   * A post-processor made after the auto-proxy creator, as Spring Boot's observation registry
   * post-processor is: making it looks up every advisor, so Baton's aspects are made then.
   */
  @Configuration(proxyBeanMethods = false)
  static class LatePostProcessor {

    @Bean
    static BeanPostProcessor lateOne() {
      return new BeanPostProcessor() { };
    }
  }

  public static final class FinalClass {
    @Limited(value = "payments", permits = 1)
    public void run() {}
  }

  public static class KeyOfAnotherParameter {
    @Guarded(value = "x", key = "#userId")
    public void run(String sku) {}
  }

  public static class KeysByPosition {
    @Guarded(value = "x", key = "#p0 + #a1 + #root.args[0] + #sku")
    public void run(String sku, String region) {}
  }

  public static class ThreePermits {
    @Limited(value = "payments", permits = 3)
    public CompletableFuture<Void> run() {
      return CompletableFuture.completedFuture(null);
    }
  }

  public static class FivePermits {
    @Limited(value = "payments", permits = 5)
    public void run() {}
  }

  public static class NoPermits {
    @Limited("orphan")
    public void run() {}
  }

  public static class FinalMethod {
    @SetsEvent("x")
    public final void run() {}
  }

  public static class StaticMethod {
    @Limited(value = "x", permits = 1)
    public static void run() {}
  }

  public static class PackagePrivateMethod {
    @Guarded("x")
    void run() {}
  }

  public static class Undeclared {
    @AwaitsEvent("typo")
    public void run() {}
  }

  public static class BracketedNames {
    @Limited("Payments")
    @Guarded("jobs.v2")
    public void run() {}
  }

  @Guarded(value = "base-lock", timeout = "0")
  public static class AnnotatedBase {
    public void overridden() {}

    public void inherited() {}
  }

  public static class SubOfAnnotated extends AnnotatedBase {
    public void added() {}

    @Override
    public void overridden() {}
  }

  public static class StrictNames {
    @Guarded(value = "stock", key = "#sku")
    public void reserve(String sku) {}

    @Limited("payments")
    public void charge() {}

    @SetsEvent("loaded")
    public void load() {}
  }

  public static class ReturnsFuture {
    @Limited(value = "futures", permits = 1)
    public Future<String> run() {
      return CompletableFuture.completedFuture("done");
    }
  }

  /** A future of its own kind, which a proxy could not return in its place. */
  public static class Eventual<T> extends CompletableFuture<T> {}

  public static class ReturnsCompletableFutureSubclass {
    @Guarded("eventual")
    public Eventual<String> run() {
      return new Eventual<>();
    }
  }

  public interface Promise<T> extends CompletionStage<T> {}

  public static class ReturnsCompletionStageSubtype {
    @AwaitsEvent("promised")
    public Promise<String> run() {
      return null;
    }
  }

  public static class ReturnsParallelFlux {
    @Guarded("parallel")
    public ParallelFlux<String> run() {
      return Flux.just("a", "b").parallel();
    }
  }

  public static class ReturnsConnectableFlux {
    @SetsEvent("connected")
    public ConnectableFlux<String> run() {
      return Flux.just("a").publish();
    }
  }

  public static class ReturnsFlowPublisher {
    @Limited(value = "flow", permits = 1)
    public Flow.Publisher<String> run() {
      return null;
    }
  }

  public static class GuardedFlux {
    @Guarded("guarded-flux")
    public Flux<String> guarded(Flux<String> source) {
      return source;
    }
  }

  public static class Publishing {
    @Limited(value = "published", permits = 1)
    public Publisher<String> limited(Publisher<String> source) {
      return source;
    }

    @SetsEvent("published")
    public Publisher<String> setting(Publisher<String> source) {
      return source;
    }
  }
}
