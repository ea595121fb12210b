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
import dev.baton.spring.LockFamily;
import dev.baton.spring.PrimitiveRegistry;
import java.time.Duration;
import java.util.AbstractCollection;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.BeanUtils;
import org.springframework.beans.factory.BeanCreationException;
import org.springframework.beans.factory.FactoryBean;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.BeanDefinitionCustomizer;
import org.springframework.beans.factory.support.BeanDefinitionBuilder;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Lazy;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.http.ResponseEntity;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Baton's annotations misused, one bean carrying the misuse in a real Spring context each,
 * against the README's promise that bad input gets a clear error naming what was wrong, at
 * start-up where possible, and that nothing is lost or left held.
 *
 * <p>A misuse start-up can tell must stop start-up with a message naming the bean, the method,
 * the attribute and the bad value ({@link #atStartUp}). One only a call can tell, because it
 * depends on the arguments, must fail that call naming the method and the attribute, never run
 * the body, and leave every primitive of the registry free and without a waiter
 * ({@link #atCall}). A bean Spring creates only when asked for, declared as an interface its
 * class implements, hides its class from start-up: its misuse must fail its creation with the
 * message start-up gives, before any call, leaving every primitive free ({@link #atCreation}).
 * The misuses {@link BatonAspectsAutoConfigurationTests} and
 * {@link GuardedKeyFailureTest} already cover (unparsable or negative timeouts, unparsable keys,
 * keys reading no parameter, null or throwing keys, conflicting or missing permits, methods a
 * proxy cannot intercept, asynchronous return types without an adapter, undeclared names in
 * strict mode) are not repeated here.
 */
class AnnotationMisuseTest {

  private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(AopAutoConfiguration.class,
          BatonAutoConfiguration.class, BatonAspectsAutoConfiguration.class));

  /**
   * A misuse that start-up can tell.
   *
   * @param bean carries the misuse on its method {@code run}
   * @param properties of the context, {@code key=value}
   * @param says what the start-up failure's messages must contain besides the bean and method
   */
  record AtStartUp(String misuse, Class<?> bean, List<String> properties, List<String> says) {
    @Override
    public String toString() {
      return misuse;
    }
  }

  /**
   * A misuse only a call can tell.
   *
   * @param bean carries the misuse on its {@link KeyedCall#run} method
   * @param argument the call's
   * @param says what the call's failure must say besides the method and the attribute
   */
  record AtCall(String misuse, Class<? extends KeyedCall> bean, List<String> properties,
      Object argument, List<String> says) {
    @Override
    public String toString() {
      return misuse;
    }
  }

  /**
   * A misuse on a bean that start-up sees only as {@link Orders}, the way
   * {@code @Bean @Lazy Orders orders()} declares it.
   *
   * @param bean carries the misuse on its {@link Orders#place} method
   * @param declared makes the bean lazy or of another scope than singleton
   * @param says what the creation's failure must say besides the bean and method
   */
  record AtCreation(String misuse, Class<? extends Orders> bean,
      BeanDefinitionCustomizer declared, List<String> properties, List<String> says) {
    @Override
    public String toString() {
      return misuse;
    }
  }

  static Stream<AtStartUp> atStartUp() {
    List<String> strict = List.of("baton.strict=true", "baton.semaphores.payments.permits=2",
        "baton.locks.inventory.timeout=1s", "baton.queues.jobs.capacity=5");
    return Stream.of(
        new AtStartUp("a blank name", BlankName.class, List.of(),
            List.of("@Limited", "attribute value: '  ' is blank")),
        new AtStartUp("a name with surrounding whitespace", PaddedName.class, List.of(),
            List.of("@Guarded", "attribute value: ' inventory' ", "whitespace")),
        new AtStartUp("a placeholder in a name that does not resolve", UnresolvedName.class,
            List.of(), List.of("@AwaitsEvent",
                "attribute value: '${missing.event}' could not be resolved")),
        new AtStartUp("a placeholder in a timeout that does not resolve",
            UnresolvedTimeout.class, List.of(), List.of("@Guarded",
                "attribute timeout: '${missing.wait}' could not be resolved")),
        new AtStartUp("a blank timeout", BlankTimeout.class, List.of(),
            List.of("@AwaitsEvent", "attribute timeout: ' '")),
        new AtStartUp("a timeout with surrounding whitespace", PaddedTimeout.class, List.of(),
            List.of("@Limited", "attribute timeout: ' 5s' ", "whitespace", "'5s'")),
        new AtStartUp("a semaphore's name in @Guarded, strict", SemaphoreNameGuarded.class,
            strict, List.of("@Guarded", "attribute value: 'payments' is not declared under"
                + " baton.locks", "it is declared under baton.semaphores")),
        new AtStartUp("a lock's name in @Limited, strict", LockNameLimited.class, strict,
            List.of("@Limited", "attribute value: 'inventory' is not declared under"
                + " baton.semaphores", "it is declared under baton.locks")),
        new AtStartUp("a queue's name in @AwaitsEvent, strict", QueueNameAwaited.class, strict,
            List.of("@AwaitsEvent", "attribute value: 'jobs' is not declared under"
                + " baton.events", "it is declared under baton.queues")),
        new AtStartUp("no key on a name declared as a per-key family", FamilyWithoutKey.class,
            List.of("baton.locks.accounts.key-order=ascending"),
            List.of("@Guarded", "attribute key: not given", "baton.locks.accounts.key-order")),
        new AtStartUp("a blank key", BlankKey.class, List.of(),
            List.of("@Guarded", "attribute key: ' ' is blank")),
        new AtStartUp("a key reading an argument past the last", KeyPastLastArgument.class,
            List.of(), List.of("@Guarded", "attribute key: '#p1' reads #p1",
                "run has 1 parameter")),
        new AtStartUp("a key naming a bean that does not exist", KeyNamingNoBean.class,
            List.of(), List.of("@Guarded", "attribute key: '@noSuchBean.key(#p0)'",
                "no bean named 'noSuchBean'")),
        new AtStartUp("a key that is a parameter declared as a Mono", MonoKey.class,
            List.of(), List.of("@Guarded", "attribute key: '#cart' reads #cart, declared"
                + " reactor.core.publisher.Mono, a result still to come")),
        new AtStartUp("a key that is a parameter by position declared as a future",
            FutureKeyByPosition.class, List.of(), List.of("@Guarded",
                "attribute key: '#p0' reads #p0, declared"
                + " java.util.concurrent.CompletableFuture, a result still to come")),
        new AtStartUp("an Optional of a future", OptionalFuture.class, List.of(),
            List.of("returns java.util.Optional<java.util.concurrent.CompletableFuture"
                + "<java.lang.String>>", "asynchronous")),
        new AtStartUp("a list of Monos", ListOfMonos.class, List.of(),
            List.of("returns java.util.List<reactor.core.publisher.Mono<java.lang.String>>",
                "asynchronous")),
        new AtStartUp("an array of futures", ArrayOfFutures.class, List.of(),
            List.of("returns java.util.concurrent.CompletableFuture<java.lang.String>[]",
                "asynchronous")),
        new AtStartUp("a Stream", LazyStream.class, List.of(),
            List.of("returns java.util.stream.Stream<java.lang.String>", "lazy")),
        // WebFlux writes a Flux body after the result around it completes.
        new AtStartUp("a ResponseEntity of a Flux", EntityOfFlux.class, List.of(),
            List.of("returns org.springframework.http.ResponseEntity<reactor.core.publisher"
                + ".Flux<java.lang.String>>, which holds asynchronous results or lazy streams")),
        new AtStartUp("a Mono of a ResponseEntity of a Flux", MonoOfEntityOfFlux.class,
            List.of(), List.of("returns reactor.core.publisher.Mono<org.springframework.http"
                + ".ResponseEntity<reactor.core.publisher.Flux<java.lang.String>>>, whose value"
                + " holds asynchronous results or lazy streams", "after the Mono completes")),
        new AtStartUp("a Mono of a Flux", MonoOfFlux.class, List.of(),
            List.of("whose value holds asynchronous results or lazy streams")),
        // Its elements are computed as WebFlux writes them, after the Mono completes.
        new AtStartUp("a Mono of a Stream", MonoOfStream.class, List.of(),
            List.of("returns reactor.core.publisher.Mono<java.util.stream.Stream"
                + "<java.lang.String>>, whose value holds asynchronous results or lazy streams")),
        new AtStartUp("a list of Streams", ListOfStreams.class, List.of(),
            List.of("returns java.util.List<java.util.stream.Stream<java.lang.String>>, which"
                + " holds asynchronous results or lazy streams")),
        new AtStartUp("a future of a Mono", FutureOfMono.class, List.of(),
            List.of("returns java.util.concurrent.CompletableFuture<reactor.core.publisher"
                + ".Mono<java.lang.String>>, whose value holds asynchronous results")),
        new AtStartUp("a key that is a parameter declared as a list of Monos", MonoListKey.class,
            List.of(), List.of("@Guarded", "attribute key: '#carts' reads #carts, declared"
                + " java.util.List<reactor.core.publisher.Mono<java.lang.String>>, holding a"
                + " result still to come")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource
  void atStartUp(AtStartUp misuse) {
    contextRunner.withBean(misuse.bean())
        .withPropertyValues(misuse.properties().toArray(String[]::new))
        .run(context -> {
          assertThat(context).as(misuse.misuse()).hasFailed();
          String messages = messages(context.getStartupFailure());
          assertThat(messages).contains("bean '").contains(misuse.bean().getName() + ".run(");
          misuse.says().forEach(part -> assertThat(messages).contains(part));
        });
  }

  static Stream<AtCall> atCall() {
    return Stream.of(
        new AtCall("a key that is an array", ArrayKey.class, List.of(),
            new String[] {"sku-1"}, List.of("evaluated to a java.lang.String[]")),
        new AtCall("a key that is a Mono", ArrayKey.class, List.of(), Mono.just("cart"),
            List.of("evaluated to a reactor.core.publisher.MonoJust, a result still to come")),
        new AtCall("a key that is a future", ArrayKey.class, List.of(),
            CompletableFuture.completedFuture("cart"), List.of(
                "evaluated to a java.util.concurrent.CompletableFuture, a result still to come")),
        new AtCall("a key that is a list holding a Mono", ArrayKey.class, List.of(),
            List.of("tenant", Mono.just("cart")), List.of("evaluated to a java.util"
                + ".ImmutableCollections$List12 holding a reactor.core.publisher.MonoJust, a"
                + " result still to come")),
        new AtCall("a key that is a map holding a list holding a future", ArrayKey.class,
            List.of(), Map.of("carts", List.of(CompletableFuture.completedFuture("cart"))),
            List.of("holding a java.util.concurrent.CompletableFuture, a result still to come")),
        new AtCall("a key that is a list holding itself and a Mono", ArrayKey.class, List.of(),
            selfHolding(Mono.just("cart")), List.of("holding a reactor.core.publisher.MonoJust")),
        new AtCall("a key whose elements cannot be read", ArrayKey.class, List.of(),
            unreadable(), List.of("could not be read (java.lang.IllegalStateException")),
        new AtCall("a key that fails inside a @Limited", FailingKeyInsideLimited.class,
            List.of(), null, List.of("could not be evaluated")),
        new AtCall("a key that is not Comparable where the family orders its keys",
            UncomparableKey.class, List.of("baton.locks.ordered.key-order=ascending"),
            new Object(), List.of("declares key-order ascending")));
  }

  /** A type token names a type and holds none of its values: a key may be one. */
  @Test
  void aKeyThatIsATypeTokenOfAFutureTypeStarts() {
    contextRunner.withBean(FutureTypeKey.class).run(context -> assertThat(context).hasNotFailed());
  }

  /** A list holding itself, then {@code element}: looked through to a depth, not forever. */
  private static List<Object> selfHolding(Object element) {
    List<Object> list = new ArrayList<>();
    list.add(list);
    list.add(element);
    return list;
  }

  /** A collection that fails when read, as a lazy collection whose session closed does. */
  private static Collection<Object> unreadable() {
    return new AbstractCollection<>() {
      @Override
      public Iterator<Object> iterator() {
        throw new IllegalStateException("no session");
      }

      @Override
      public int size() {
        return 1;
      }
    };
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource
  void atCall(AtCall misuse) {
    contextRunner.withBean(misuse.bean())
        .withPropertyValues(misuse.properties().toArray(String[]::new))
        .run(context -> {
          assertThat(context).hasNotFailed();
          List<Object> primitives = new CopyOnWriteArrayList<>();
          context.getBean(PrimitiveRegistry.class)
              .onPrimitive(named -> primitives.add(named.primitive()));

          CompletableFuture<String> call = context.getBean(KeyedCall.class)
              .run(misuse.argument());

          assertThat(call).failsWithin(Duration.ofSeconds(5))
              .withThrowableOfType(ExecutionException.class).havingCause()
              .isInstanceOf(IllegalArgumentException.class)
              .withMessageContaining(misuse.bean().getName() + ".run(Object)")
              .withMessageContaining("attribute key")
              .satisfies(failure -> misuse.says()
                  .forEach(part -> assertThat(failure).hasMessageContaining(part)));
          assertThat(primitives).allSatisfy(AnnotationMisuseTest::isFree);
        });
  }

  static Stream<AtCreation> atCreation() {
    BeanDefinitionCustomizer lazy = definition -> definition.setLazyInit(true);
    BeanDefinitionCustomizer prototype =
        definition -> definition.setScope(BeanDefinition.SCOPE_PROTOTYPE);
    List<String> strict = List.of("baton.strict=true");
    List<String> undeclared = List.of("@Guarded",
        "attribute value: 'nowhere' is not declared under baton.locks");
    List<String> pastLast = List.of("@Guarded", "attribute key: '#p1' reads #p1",
        "place has 1 parameter");
    return Stream.of(
        new AtCreation("an undeclared lock name on a lazy bean, strict", UndeclaredLock.class,
            lazy, strict, undeclared),
        new AtCreation("a key past the last argument on a lazy bean", KeyPastLastOrder.class,
            lazy, List.of(), pastLast),
        new AtCreation("an annotated method off the interface of a lazy bean's JDK proxy",
            AuditedOrders.class, lazy, List.of("spring.aop.proxy-target-class=false"),
            List.of("@Guarded on " + AuditedOrders.class.getName() + ".audit()",
                "none of its interfaces declares it")),
        new AtCreation("an undeclared lock name on a prototype bean, strict",
            UndeclaredLock.class, prototype, strict, undeclared),
        new AtCreation("a key past the last argument on a prototype bean",
            KeyPastLastOrder.class, prototype, List.of(), pastLast));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource
  void atCreation(AtCreation misuse) {
    contextRunner
        .withBean("orders", Orders.class, () -> BeanUtils.instantiateClass(misuse.bean()),
            misuse.declared())
        .withPropertyValues(misuse.properties().toArray(String[]::new))
        .run(context -> {
          assertThat(context).as("start-up sees only the interface").hasNotFailed();
          List<Object> primitives = new CopyOnWriteArrayList<>();
          context.getBean(PrimitiveRegistry.class)
              .onPrimitive(named -> primitives.add(named.primitive()));

          assertThatThrownBy(() -> context.getBean(Orders.class))
              .isInstanceOf(BeanCreationException.class)
              .satisfies(failure -> {
                String messages = messages(failure);
                assertThat(messages).contains("bean 'orders'")
                    .contains(misuse.bean().getName() + ".");
                misuse.says().forEach(part -> assertThat(messages).contains(part));
              });
          assertThat(primitives).allSatisfy(AnnotationMisuseTest::isFree);
        });
  }

  /**
   * A prototype start-up sees only as {@link Orders}, made for a singleton during start-up, is
   * checked with start-up: its misuse stops it.
   */
  @Test
  void aPrototypeMadeForASingletonAtStartUpStopsItWithItsMisuse() {
    contextRunner
        .withBean("orders", Orders.class, UndeclaredLock::new,
            definition -> definition.setScope(BeanDefinition.SCOPE_PROTOTYPE))
        .withBean(Shop.class)
        .withPropertyValues("baton.strict=true")
        .run(context -> {
          assertThat(context).hasFailed();
          assertThat(messages(context.getStartupFailure())).contains("bean 'orders'")
              .contains(UndeclaredLock.class.getName() + ".place(")
              .contains("attribute value: 'nowhere' is not declared under baton.locks");
        });
  }

  /**
   * A factory bean's product made during start-up, which start-up knows only by the type its
   * factory declares, and an inner bean made during start-up, which start-up does not list, are
   * checked with start-up by the class they were made with: their misuse stops it, with a
   * message that names the bean as Spring names it.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource
  void madeAtStartUpUnderAnotherType(String made, String named,
      ApplicationContextInitializer<GenericApplicationContext> orders) {
    contextRunner.withInitializer(context -> orders.initialize((GenericApplicationContext) context))
        .withPropertyValues("baton.strict=true")
        .run(context -> {
          assertThat(context).hasFailed();
          assertThat(messages(context.getStartupFailure())).contains(named)
              .contains(UndeclaredLock.class.getName() + ".place(")
              .contains("attribute value: 'nowhere' is not declared under baton.locks");
        });
  }

  static Stream<Arguments> madeAtStartUpUnderAnotherType() {
    ApplicationContextInitializer<GenericApplicationContext> product = context -> {
      context.registerBean("orders", OrdersFactory.class, OrdersFactory::new);
      context.registerBean(Shop.class);
    };
    ApplicationContextInitializer<GenericApplicationContext> inner = context ->
        context.registerBeanDefinition("shop", BeanDefinitionBuilder.genericBeanDefinition(
                Shop.class)
            .addConstructorArgValue(BeanDefinitionBuilder.genericBeanDefinition(
                UndeclaredLock.class).getBeanDefinition())
            .getBeanDefinition());
    return Stream.of(Arguments.of("a factory bean's product", "bean 'orders'", product),
        Arguments.of("an inner bean", "bean '(inner bean)#", inner));
  }

  /** A factory bean's product made after start-up fails its creation, as a lazy bean does. */
  @Test
  void aFactoryBeansProductMadeAfterStartUpFailsItsCreation() {
    contextRunner.withBean("orders", OrdersFactory.class, OrdersFactory::new)
        .withPropertyValues("baton.strict=true")
        .run(context -> {
          assertThat(context).as("start-up sees only the interface").hasNotFailed();

          assertThatThrownBy(() -> context.getBean(Orders.class))
              .isInstanceOf(BeanCreationException.class)
              .satisfies(failure -> assertThat(messages(failure)).contains("bean 'orders'")
                  .contains(UndeclaredLock.class.getName() + ".place(")
                  .contains("attribute value: 'nowhere' is not declared under baton.locks"));
        });
  }

  /** The counterpart of {@link #atCreation}: a correct lazy bean's annotations apply. */
  @Test
  void aLazyBeanDeclaredAsAnInterfaceIsGuarded() {
    contextRunner.withUserConfiguration(LazyOrders.class).run(context -> {
      assertThat(context).hasNotFailed();
      CompletableFuture<String> shipped = new CompletableFuture<>();
      AsyncLock orders = context.getBean(PrimitiveRegistry.class).lock("orders");

      CompletableFuture<String> placed = context.getBean(Orders.class).place(shipped);

      assertThat(orders.isLocked()).as("held until the order ships").isTrue();
      shipped.complete("shipped");
      assertThat(placed).succeedsWithin(Duration.ofSeconds(5)).isEqualTo("shipped");
      assertThat(orders.isLocked()).isFalse();
    });
  }

  /** The counterpart of the unresolved placeholders: resolved ones name and time the wait. */
  @Test
  void placeholdersInANameAndATimeoutAreResolved() {
    contextRunner.withBean(Placeholders.class)
        .withPropertyValues("app.limit=resolved", "app.wait=10ms")
        .run(context -> {
          assertThat(context).hasNotFailed();
          AsyncSemaphore resolved = context.getBean(PrimitiveRegistry.class)
              .semaphore("resolved");
          try (Permit held = resolved.acquire().join()) {
            assertThatThrownBy(context.getBean(Placeholders.class)::run)
                .isInstanceOf(AcquireTimeoutException.class)
                .hasMessage("timed out after PT0.01S waiting for semaphore 'resolved'");
          }
        });
  }

  /** Holds nothing and has no waiter. */
  private static void isFree(Object primitive) {
    if (primitive instanceof AsyncLock lock) {
      assertThat(lock.isLocked()).isFalse();
      assertThat(lock.waiters()).isZero();
    } else if (primitive instanceof AsyncSemaphore semaphore) {
      assertThat(semaphore.availablePermits()).isEqualTo(semaphore.maxPermits());
      assertThat(semaphore.waiters()).isZero();
    } else if (primitive instanceof LockFamily family) {
      assertThat(family.activeKeys()).isZero();
      assertThat(family.waiters()).isZero();
    } else if (primitive instanceof AsyncEvent event) {
      assertThat(event.waiters()).isZero();
    }
  }

  /** The messages of a failure and all its causes, one per line. */
  private static String messages(Throwable failure) {
    StringBuilder messages = new StringBuilder();
    for (Throwable t = failure; t != null; t = t.getCause()) {
      messages.append(t.getMessage()).append('\n');
    }
    return messages.toString();
  }

  /** The call of the beans whose misuse only a call can tell; it completes if it runs. */
  public interface KeyedCall {
    CompletableFuture<String> run(Object key);
  }

  /** How the beans of {@link #atCreation} are declared; their classes carry the annotations. */
  public interface Orders {
    CompletableFuture<String> place(CompletableFuture<String> shipped);
  }

  /** An eager singleton that is given its own {@link Orders}. */
  public static class Shop {
    public Shop(Orders orders) {}
  }

  @Configuration(proxyBeanMethods = false)
  static class LazyOrders {
    @Bean
    @Lazy
    Orders orders() {
      return new GuardedOrders();
    }
  }

  /** Makes {@link UndeclaredLock}s, declaring only that they are {@link Orders}. */
  public static class OrdersFactory implements FactoryBean<Orders> {
    @Override
    public Orders getObject() {
      return new UndeclaredLock();
    }

    @Override
    public Class<?> getObjectType() {
      return Orders.class;
    }
  }

  public static class GuardedOrders implements Orders {
    @Override
    @Guarded("orders")
    public CompletableFuture<String> place(CompletableFuture<String> shipped) {
      return shipped;
    }
  }

  public static class UndeclaredLock implements Orders {
    @Override
    @Guarded("nowhere")
    public CompletableFuture<String> place(CompletableFuture<String> shipped) {
      return shipped;
    }
  }

  public static class KeyPastLastOrder implements Orders {
    @Override
    @Guarded(value = "orders", key = "#p1")
    public CompletableFuture<String> place(CompletableFuture<String> shipped) {
      return shipped;
    }
  }

  public static class AuditedOrders implements Orders {
    @Override
    public CompletableFuture<String> place(CompletableFuture<String> shipped) {
      return shipped;
    }

    @Guarded("audit")
    public void audit() {}
  }

  public static class BlankName {
    @Limited(value = "  ", permits = 1)
    public void run() {}
  }

  public static class PaddedName {
    @Guarded(" inventory")
    public void run() {}
  }

  public static class UnresolvedName {
    @AwaitsEvent("${missing.event}")
    public void run() {}
  }

  public static class UnresolvedTimeout {
    @Guarded(value = "inventory", timeout = "${missing.wait}")
    public void run() {}
  }

  public static class BlankTimeout {
    @AwaitsEvent(value = "loaded", timeout = " ")
    public void run() {}
  }

  public static class PaddedTimeout {
    @Limited(value = "payments", permits = 1, timeout = " 5s")
    public void run() {}
  }

  public static class SemaphoreNameGuarded {
    @Guarded("payments")
    public void run() {}
  }

  public static class LockNameLimited {
    @Limited("inventory")
    public void run() {}
  }

  public static class QueueNameAwaited {
    @AwaitsEvent("jobs")
    public void run() {}
  }

  public static class FamilyWithoutKey {
    @Guarded("accounts")
    public void run() {}
  }

  public static class BlankKey {
    @Guarded(value = "inventory", key = " ")
    public void run(String sku) {}
  }

  public static class KeyPastLastArgument {
    @Guarded(value = "inventory", key = "#p1")
    public void run(String sku) {}
  }

  public static class KeyNamingNoBean {
    @Guarded(value = "inventory", key = "@noSuchBean.key(#p0)")
    public void run(String sku) {}
  }

  public static class MonoKey {
    @Guarded(value = "carts", key = "#cart")
    public Mono<String> run(Mono<String> cart) {
      return cart;
    }
  }

  public static class FutureTypeKey {
    @Guarded(value = "handlers", key = "#type")
    public void run(Class<? extends Future<?>> type) {}
  }

  public static class MonoListKey {
    @Guarded(value = "carts", key = "#carts")
    public void run(List<Mono<String>> carts) {}
  }

  public static class FutureKeyByPosition {
    @Guarded(value = "carts", key = "#p0")
    public void run(CompletableFuture<String> cart) {}
  }

  public static class OptionalFuture {
    @Limited(value = "payments", permits = 1)
    public Optional<CompletableFuture<String>> run() {
      return Optional.empty();
    }
  }

  public static class EntityOfFlux {
    @Guarded("inventory")
    public ResponseEntity<Flux<String>> run() {
      return null;
    }
  }

  public static class MonoOfEntityOfFlux {
    @Limited(value = "payments", permits = 2)
    public Mono<ResponseEntity<Flux<String>>> run() {
      return Mono.empty();
    }
  }

  public static class MonoOfFlux {
    @Guarded("inventory")
    public Mono<Flux<String>> run() {
      return Mono.empty();
    }
  }

  public static class FutureOfMono {
    @Guarded("inventory")
    public CompletableFuture<Mono<String>> run() {
      return new CompletableFuture<>();
    }
  }

  public static class ListOfMonos {
    @Guarded("inventory")
    public List<Mono<String>> run() {
      return List.of();
    }
  }

  public static class ArrayOfFutures {
    @Limited(value = "payments", permits = 1)
    public CompletableFuture<String>[] run() {
      return null;
    }
  }

  public static class MonoOfStream {
    @Guarded("inventory")
    public Mono<Stream<String>> run() {
      return Mono.empty();
    }
  }

  public static class ListOfStreams {
    @Limited(value = "payments", permits = 1)
    public List<Stream<String>> run() {
      return List.of();
    }
  }

  public static class LazyStream {
    @Limited(value = "payments", permits = 1)
    public Stream<String> run() {
      return Stream.empty();
    }
  }

  public static class Placeholders {
    @Limited(value = "${app.limit}", permits = 1, timeout = "${app.wait}")
    public void run() {}
  }

  public static class ArrayKey implements KeyedCall {
    @Override
    @Guarded(value = "arrays", key = "#key")
    public CompletableFuture<String> run(Object key) {
      return CompletableFuture.completedFuture("ran");
    }
  }

  public static class FailingKeyInsideLimited implements KeyedCall {
    @Override
    @Limited(value = "outer", permits = 1)
    @Guarded(value = "inner", key = "#key.toString()")
    public CompletableFuture<String> run(Object key) {
      return CompletableFuture.completedFuture("ran");
    }
  }

  public static class UncomparableKey implements KeyedCall {
    @Override
    @Guarded(value = "ordered", key = "#key")
    public CompletableFuture<String> run(Object key) {
      return CompletableFuture.completedFuture("ran");
    }
  }
}
