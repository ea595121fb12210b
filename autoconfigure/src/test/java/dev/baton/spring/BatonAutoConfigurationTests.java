package dev.baton.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.AsyncBarrier;
import dev.baton.AsyncEvent;
import dev.baton.AsyncLock;
import dev.baton.AsyncQueue;
import dev.baton.AsyncSemaphore;
import dev.baton.annotation.Limited;
import dev.baton.spring.aspect.BatonAspectsAutoConfiguration;
import dev.baton.spring.endpoint.BatonEndpointAutoConfiguration;
import dev.baton.spring.local.DefaultPrimitiveRegistry;
import dev.baton.spring.metrics.BatonMetricsAutoConfiguration;
import dev.baton.spring.metrics.BatonObservationAutoConfiguration;
import dev.baton.spring.metrics.BatonObservations;
import dev.baton.spring.stall.BatonStallsAutoConfiguration;
import dev.baton.spring.stall.BatonStallsHealthAutoConfiguration;
import dev.baton.spring.stall.BatonStallsMetricsAutoConfiguration;
import dev.baton.spring.web.AcquireTimeoutProblems;
import dev.baton.spring.web.BatonWebAutoConfiguration;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.ResolvableType;
import org.springframework.core.env.PropertySource;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.util.unit.DataSize;

class BatonAutoConfigurationTests {

  private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(BatonAutoConfiguration.class));

  @Test
  void runShouldProvideALocalRegistryWithDefaults() {
    contextRunner.run(context -> {
      assertThat(context).hasSingleBean(PrimitiveRegistry.class);
      assertThat(context.getBean(PrimitiveRegistry.class))
          .isInstanceOf(DefaultPrimitiveRegistry.class);
      BatonProperties properties = context.getBean(BatonProperties.class);
      assertThat(properties.defaultTimeout()).isEqualTo(Duration.ofSeconds(30));
      assertThat(properties.backend()).isEqualTo(BatonProperties.Backend.LOCAL);
      assertThat(properties.strict()).isFalse();
    });
  }

  /** Every default of the README's property reference, bound with nothing set. */
  @Test
  void runShouldBindEveryDefaultThePropertyReferenceLists() {
    contextRunner.withPropertyValues("baton.locks.ledger.timeout=5s",
        "baton.events.ready.timeout=5s", "baton.queues.jobs.item-type=java.lang.String")
        .run(context -> {
          BatonProperties properties = context.getBean(BatonProperties.class);
          assertThat(properties.enabled()).isTrue();
          assertThat(properties.aspectOrder()).isEqualTo(Ordered.LOWEST_PRECEDENCE - 100);
          assertThat(properties.locks().get("ledger").keyOrder())
              .isEqualTo(BatonProperties.KeyOrder.NONE);
          assertThat(properties.events().get("ready").initiallySet()).isFalse();
          BatonProperties.Queue jobs = properties.queues().get("jobs");
          assertThat(jobs.capacity()).isEqualTo(Integer.MAX_VALUE);
          assertThat(jobs.order()).isEqualTo(BatonProperties.QueueOrder.FIFO);
          assertThat(jobs.scoreProperty()).isNull();
          assertThat(jobs.maxItemSize()).isEqualTo(DataSize.ofKilobytes(512));
          assertThat(properties.metrics().percentileHistogram()).isFalse();
          assertThat(properties.metrics().percentiles()).isEmpty();
          assertThat(properties.metrics().observations()).isTrue();
          assertThat(properties.endpoint().showKeys()).isFalse();
          assertThat(properties.web().enabled()).isTrue();
          assertThat(properties.web().retryAfter()).isEqualTo(Duration.ofSeconds(1));
          assertThat(properties.redis().lease()).isEqualTo(Duration.ofSeconds(30));
          assertThat(properties.redis().keyPrefix()).isEqualTo("baton");
          assertThat(properties.stalls().level()).isEqualTo(BatonProperties.Stalls.Level.OFF);
          assertThat(properties.stalls().confirmAfter()).isEqualTo(Duration.ofSeconds(1));
          assertThat(properties.stalls().heldTooLong()).isEqualTo(Duration.ofSeconds(30));
          assertThat(properties.stalls().waitedTooLong()).isEqualTo(Duration.ofSeconds(30));
          assertThat(properties.stalls().heldTooLong("ledger")).isEqualTo(Duration.ofSeconds(30));
          assertThat(properties.stalls().waitedTooLong("ledger"))
              .isEqualTo(Duration.ofSeconds(30));
        });
  }

  /** A value outside a property's documented choices fails start-up naming the property. */
  @ParameterizedTest
  @ValueSource(strings = {"baton.backend=radis", "baton.queues.jobs.order=random",
      "baton.locks.stock.key-order=descending", "baton.stalls.level=on"})
  void runWithAValueOutsideThePropertysChoicesShouldFailNamingIt(String assignment) {
    String property = assignment.substring(0, assignment.indexOf('='));
    String value = assignment.substring(assignment.indexOf('=') + 1);
    contextRunner.withPropertyValues(assignment).run(context -> {
      assertThat(context).hasFailed();
      assertThat(context.getStartupFailure()).hasStackTraceContaining(property)
          .hasStackTraceContaining(value);
    });
  }

  /** "Timeouts are duration strings": an unparsable one under a primitive names its property. */
  @ParameterizedTest
  @ValueSource(strings = {"baton.locks.ledger.timeout", "baton.semaphores.payments.timeout",
      "baton.events.ready.timeout", "baton.web.retry-after", "baton.stalls.confirm-after"})
  void runWithAnUnparsableDurationShouldFailNamingTheProperty(String property) {
    contextRunner.withPropertyValues(property + "=soon").run(context -> {
      assertThat(context).hasFailed();
      assertThat(context.getStartupFailure()).hasStackTraceContaining(property)
          .hasStackTraceContaining("soon");
    });
  }

  /** The README's YAML examples start an application and declare what they show. */
  @Test
  void runWithTheReadmesYamlExamplesShouldDeclareWhatTheyShow() throws IOException {
    String readme = Files.readString(Path.of("..", "README.md"));
    readme = readme.substring(0, readme.indexOf("## When async code gets stuck"));
    Matcher block = Pattern.compile("(?s)```yaml\n(baton:.*?)```").matcher(readme);
    List<String> examples = new ArrayList<>();
    while (block.find()) {
      examples.add(block.group(1));
    }
    assertThat(examples).as("the Quick start's and the property reference's").hasSize(2);
    for (String yaml : examples) {
      List<PropertySource<?>> sources = new YamlPropertySourceLoader()
          .load("README", new ByteArrayResource(yaml.getBytes(StandardCharsets.UTF_8)));
      contextRunner.withInitializer(context -> sources.forEach(
          source -> context.getEnvironment().getPropertySources().addFirst(source)))
          .run(context -> {
            assertThat(context).as(yaml).hasNotFailed();
            PrimitiveRegistry registry = context.getBean(PrimitiveRegistry.class);
            BatonProperties properties = context.getBean(BatonProperties.class);
            int permits = yaml.contains("permits: 10") ? 10 : 3;
            assertThat(registry.semaphore("payments").maxPermits()).as(yaml).isEqualTo(permits);
            assertThat(properties.semaphoreTimeout("payments")).as(yaml)
                .isEqualTo(Duration.ofSeconds(permits == 10 ? 2 : 10));
            if (permits == 10) {
              assertThat(properties.lockTimeout("inventory")).isEqualTo(Duration.ofSeconds(5));
              assertThat(registry.event("catalog-loaded").isSet()).isFalse();
              assertThat(registry.queue("jobs").capacity()).isEqualTo(100);
              assertThat(context.getBean("baton.lock.inventory")).isInstanceOf(AsyncLock.class);
            }
          });
    }
  }

  /** Off as Spring binds a boolean: {@code false}, and also {@code off} or {@code no}. */
  @ParameterizedTest
  @ValueSource(strings = {"false", "off", "No"})
  void runWhenDisabledShouldNotProvideTheRegistry(String value) {
    contextRunner.withPropertyValues("baton.enabled=" + value)
        .run(context -> assertThat(context).doesNotHaveBean(PrimitiveRegistry.class));
  }

  /**
   * "baton.enabled: turns the auto-configuration off": all of it, in a web application with
   * Micrometer, the stall view asked for and the endpoint exposed; annotated beans are not
   * proxied.
   */
  @Test
  void runWhenDisabledShouldRegisterNoBeanOfBatonAndProxyNothing() {
    new WebApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(AopAutoConfiguration.class,
            BatonAutoConfiguration.class, BatonAspectsAutoConfiguration.class,
            BatonMetricsAutoConfiguration.class, BatonObservationAutoConfiguration.class,
            BatonEndpointAutoConfiguration.class, BatonWebAutoConfiguration.class,
            BatonStallsAutoConfiguration.class, BatonStallsMetricsAutoConfiguration.class,
            BatonStallsHealthAutoConfiguration.class))
        .withBean(SimpleMeterRegistry.class)
        .withBean(ObservationRegistry.class, ObservationRegistry::create)
        .withBean(LimitedCalls.class)
        .withPropertyValues("baton.enabled=false", "baton.stalls.level=basic",
            "management.endpoints.web.exposure.include=baton")
        .run(context -> {
          assertThat(context).hasNotFailed();
          assertThat(context.getBeanDefinitionNames())
              .filteredOn(name -> context.getType(name) != LimitedCalls.class)
              .allSatisfy(name -> assertThat(context.getType(name).getName()).as(name)
                  .doesNotStartWith("dev.baton."));
          assertThat(AopUtils.isAopProxy(context.getBean(LimitedCalls.class))).isFalse();
        });
  }

  /**
   * "baton.enabled: turns the auto-configuration off": false does; a value that is no boolean
   * fails start-up naming the property and the value, instead of turning Baton off unnoticed.
   */
  @ParameterizedTest
  @ValueSource(strings = {"baton.enabled=ture", "baton.enabled=2", "baton.enabled=enabled"})
  void runWithASwitchThatIsNoBooleanShouldFailNamingIt(String assignment) {
    String value = assignment.substring(assignment.indexOf('=') + 1);
    contextRunner.withPropertyValues(assignment).run(context -> {
      assertThat(context).hasFailed();
      assertThat(context.getStartupFailure()).hasStackTraceContaining("baton.enabled")
          .hasStackTraceContaining(value);
    });
  }

  /**
   * A switch means what its bound property says, as Spring binds booleans (on, yes, any case):
   * the bound {@code BatonProperties} and the beans that the switch turns on agree.
   */
  @ParameterizedTest
  @ValueSource(strings = {"on", "yes", "Yes"})
  void runWithASwitchWrittenAsAnotherWordForTrueShouldTurnItOn(String value) {
    new WebApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(BatonAutoConfiguration.class,
            BatonObservationAutoConfiguration.class, BatonWebAutoConfiguration.class))
        .withBean(ObservationRegistry.class, ObservationRegistry::create)
        .withPropertyValues("baton.enabled=" + value, "baton.metrics.observations=" + value,
            "baton.web.enabled=" + value)
        .run(context -> {
          assertThat(context).hasSingleBean(PrimitiveRegistry.class)
              .hasSingleBean(BatonObservations.class)
              .hasSingleBean(AcquireTimeoutProblems.class);
          BatonProperties properties = context.getBean(BatonProperties.class);
          assertThat(properties.metrics().observations()).isTrue();
          assertThat(properties.web().enabled()).isTrue();
        });
  }

  /** A bean whose method would be limited, were Baton on. */
  public static class LimitedCalls {
    @Limited(value = "payments", permits = 1)
    public String charge() {
      return "charged";
    }
  }

  @Test
  void runWithAUserRegistryShouldBackOff() {
    contextRunner.withUserConfiguration(UserRegistryConfiguration.class).run(context -> {
      assertThat(context).hasSingleBean(PrimitiveRegistry.class);
      assertThat(context.getBean(PrimitiveRegistry.class))
          .isSameAs(context.getBean(UserRegistryConfiguration.class).registry);
    });
  }

  @Test
  void runWithDeclaredPrimitivesShouldCreateThemAsConfigured() {
    contextRunner.withPropertyValues(
        "baton.locks.inventory.timeout=5s",
        "baton.locks.stock.key-order=ascending",
        "baton.semaphores.payments.permits=10",
        "baton.semaphores.payments.timeout=2s",
        "baton.events.catalog-loaded.initially-set=true",
        "baton.queues.jobs.capacity=100",
        "baton.queues.urgent.order=lifo",
        "baton.barriers.round.parties=3").run(context -> {
          PrimitiveRegistry registry = context.getBean(PrimitiveRegistry.class);
          assertThat(registry.names())
              .containsExactly("catalog-loaded", "inventory", "jobs", "payments", "round", "stock",
                  "urgent");
          assertThat(registry.semaphore("payments").maxPermits()).isEqualTo(10);
          assertThat(registry.event("catalog-loaded").isSet()).isTrue();
          assertThat(registry.queue("jobs").capacity()).isEqualTo(100);
          assertThat(registry.barrier("round").parties()).isEqualTo(3);
          AsyncQueue<String> urgent = registry.queue("urgent");
          urgent.offer("first");
          urgent.offer("second");
          assertThat(urgent.poll()).isEqualTo("second");
          BatonProperties properties = context.getBean(BatonProperties.class);
          assertThat(properties.lockTimeout("inventory")).isEqualTo(Duration.ofSeconds(5));
          assertThat(properties.lockTimeout("undeclared")).isEqualTo(Duration.ofSeconds(30));
          assertThat(properties.lockTimeout("stock")).as("declared without a timeout")
              .isEqualTo(Duration.ofSeconds(30));
          assertThat(properties.semaphoreTimeout("payments")).isEqualTo(Duration.ofSeconds(2));
          assertThat(context).as("a plain lock is a bean; a per-key family, one lock a key, not")
              .hasBean("baton.lock.inventory").doesNotHaveBean("baton.lock.stock");
        });
  }

  @Test
  void runShouldGiveTheSameInstanceForTheSameKindAndName() {
    contextRunner.run(context -> {
      PrimitiveRegistry registry = context.getBean(PrimitiveRegistry.class);
      assertThat(registry.lock("a")).isSameAs(registry.lock("a"));
      assertThat(registry.event("a")).isSameAs(registry.event("a"));
      assertThat(registry.condition("a")).isSameAs(registry.condition("a"));
      assertThat(registry.queue("a")).isSameAs(registry.queue("a"));
      assertThat(registry.semaphore("a", 2)).isSameAs(registry.semaphore("a"));
      assertThat(registry.barrier("a", 2)).isSameAs(registry.barrier("a"));
      assertThat(registry.queue("a").capacity()).isEqualTo(Integer.MAX_VALUE);
    });
  }

  @Test
  void runWhenAnUndeclaredSemaphoreIsAskedForShouldSayHowToDeclareIt() {
    contextRunner.run(context -> {
      PrimitiveRegistry registry = context.getBean(PrimitiveRegistry.class);
      assertThatThrownBy(() -> registry.semaphore("nope"))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("baton.semaphores.nope.permits");
      assertThatThrownBy(() -> registry.barrier("nope"))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("baton.barriers.nope.parties");
    });
  }

  @Test
  void runWhenASemaphoreIsAskedForWithOtherPermitsShouldFail() {
    contextRunner.withPropertyValues("baton.semaphores.payments.permits=10").run(context -> {
      PrimitiveRegistry registry = context.getBean(PrimitiveRegistry.class);
      assertThatThrownBy(() -> registry.semaphore("payments", 3))
          .isInstanceOf(IllegalStateException.class).hasMessageContaining("10 permits, not 3");
    });
  }

  @Test
  void runWithNonPositivePermitsShouldFailNamingTheProperty() {
    contextRunner.withPropertyValues("baton.semaphores.payments.permits=0").run(context -> {
      assertThat(context).hasFailed();
      assertThat(context.getStartupFailure())
          .rootCause().hasMessageContaining("baton.semaphores.payments.permits must be positive, was 0");
    });
  }

  /** A percentile is a fraction strictly between 0 and 1: neither bound is one. */
  @ParameterizedTest
  @ValueSource(strings = {"0", "1", "1.5", "-0.1"})
  void runWithAPercentileOutsideZeroToOneShouldFailNamingTheProperty(String percentile) {
    contextRunner.withPropertyValues("baton.metrics.percentiles=0.5," + percentile)
        .run(context -> assertThat(context.getStartupFailure()).rootCause().hasMessageContaining(
            "baton.metrics.percentiles must lie between 0 and 1 (exclusive), was "
                + Double.parseDouble(percentile)));
  }

  @Test
  void runWithNonPositiveCapacityOrPartiesShouldFailNamingTheProperty() {
    contextRunner.withPropertyValues("baton.queues.jobs.capacity=-1").run(context ->
        assertThat(context.getStartupFailure()).rootCause()
            .hasMessageContaining("baton.queues.jobs.capacity must be positive"));
    contextRunner.withPropertyValues("baton.barriers.round.parties=0").run(context ->
        assertThat(context.getStartupFailure()).rootCause()
            .hasMessageContaining("baton.barriers.round.parties must be positive"));
  }

  /**
   * A primitive declared under a blank name (YAML {@code locks: {" ": {timeout: 1s}}}) fails
   * start-up naming the map it is declared in, not with a message that names no property.
   */
  @ParameterizedTest
  @ValueSource(strings = {"baton.locks[ ].timeout=1s", "baton.semaphores[  ].permits=2",
      "baton.events[ ].initially-set=true", "baton.queues[ ].capacity=3",
      "baton.barriers[ ].parties=2", "baton.stalls.primitives[ ].held-too-long=1s"})
  void runWithAPrimitiveOfABlankNameShouldFailNamingWhereItIsDeclared(String assignment) {
    String declared = assignment.substring(0, assignment.indexOf(']') + 1);
    contextRunner.withPropertyValues(assignment).run(context -> {
      assertThat(context).hasFailed();
      assertThat(context.getStartupFailure()).rootCause()
          .hasMessageContaining(declared).hasMessageContaining("must not be blank");
    });
  }

  /**
   * Two primitives of one kind whose names differ only in case: Spring binds keys written
   * without brackets case-insensitively, so the properties of one were read for the other
   * ({@code Stock} got {@code stock}'s capacity) and a declaration was lost unseen; start-up
   * fails naming both instead.
   */
  @Test
  void runWithTwoNamesOfOneKindDifferingOnlyInCaseShouldFailNamingBoth() {
    contextRunner.withPropertyValues("baton.queues.stock.capacity=2",
        "baton.queues.Stock.capacity=1").run(context -> {
          assertThat(context).hasFailed();
          assertThat(context.getStartupFailure()).rootCause()
              .hasMessageContaining("baton.queues").hasMessageContaining("'Stock' and 'stock'")
              .hasMessageContaining("differ only in case");
        });
  }

  @Test
  void runWithAPriorityQueueScoredByAPropertyShouldTakeTheLowestScoreFirst() {
    contextRunner.withPropertyValues("baton.queues.tickets.order=priority",
        "baton.queues.tickets.item-type=" + Ticket.class.getName(),
        "baton.queues.tickets.score-property=severity").run(context -> {
          AsyncQueue<Ticket> tickets =
              context.getBean(PrimitiveRegistry.class).queue("tickets", Ticket.class);
          tickets.offer(new Ticket("minor", 3));
          tickets.offer(new Ticket("outage", 1));
          tickets.offer(new Ticket("bug", 2));
          assertThat(List.of(tickets.poll(), tickets.poll(), tickets.poll()))
              .extracting(Ticket::title).containsExactly("outage", "bug", "minor");
        });
  }

  /** "a numeric property of item-type (record component or getter), lowest first". */
  @Test
  void runWithAPriorityQueueScoredByAGetterShouldTakeTheLowestScoreFirst() {
    contextRunner.withPropertyValues("baton.queues.jobs.order=priority",
        "baton.queues.jobs.item-type=" + Job.class.getName(),
        "baton.queues.jobs.score-property=rank").run(context -> {
          AsyncQueue<Job> jobs = context.getBean(PrimitiveRegistry.class).queue("jobs", Job.class);
          jobs.offer(new Job("report", 20L));
          jobs.offer(new Job("backup", -5L));
          jobs.offer(new Job("mail", 7L));
          assertThat(List.of(jobs.poll(), jobs.poll(), jobs.poll()))
              .extracting(Job::getName).containsExactly("backup", "mail", "report");
        });
  }

  /** Ranks 2^53 and 2^53 + 1 would share one double score: the second is refused. */
  @Test
  void runWithAScorePropertyBeyondWhatADoubleHoldsShouldRefuseThatItem() {
    contextRunner.withPropertyValues("baton.queues.jobs.order=priority",
        "baton.queues.jobs.item-type=" + Job.class.getName(),
        "baton.queues.jobs.score-property=rank").run(context -> {
          AsyncQueue<Job> jobs = context.getBean(PrimitiveRegistry.class).queue("jobs", Job.class);
          long limit = 1L << 53;
          assertThat(jobs.offer(new Job("last", limit))).isTrue();
          assertThatThrownBy(() -> jobs.offer(new Job("beyond", limit + 1)))
              .isInstanceOf(IllegalArgumentException.class)
              .hasMessageContaining("priority queue 'jobs': the item's rank is " + (limit + 1))
              .hasMessageContaining("2^53");
          assertThatThrownBy(() -> jobs.offer(new Job("unranked", null)))
              .isInstanceOf(IllegalArgumentException.class)
              .hasMessageContaining("the item's rank is null");
          assertThat(jobs.poll()).extracting(Job::getName).isEqualTo("last");
          assertThat(jobs.poll()).isNull();
        });
  }

  /** "unset: the items' natural order". */
  @Test
  void runWithAPriorityQueueWithoutAScorePropertyShouldTakeItemsInTheirNaturalOrder() {
    contextRunner.withPropertyValues("baton.queues.words.order=priority",
        "baton.queues.words.capacity=3").run(context -> {
          AsyncQueue<String> words = context.getBean(PrimitiveRegistry.class).queue("words");
          assertThat(words.offer("pear")).isTrue();
          assertThat(words.offer("apple")).isTrue();
          assertThat(words.offer("fig")).isTrue();
          assertThat(words.offer("kiwi")).as("full at its capacity").isFalse();
          assertThat(List.of(words.poll(), words.poll(), words.poll()))
              .containsExactly("apple", "fig", "pear");
        });
  }

  /** A queue item with a getter to order by. */
  public static class Job {
    private final String name;
    private final Long rank;

    public Job(String name, Long rank) {
      this.name = name;
      this.rank = rank;
    }

    public String getName() {
      return name;
    }

    public Long getRank() {
      return rank;
    }
  }

  @Test
  void runWithAScorePropertyTheItemTypeLacksShouldFailNamingBoth() {
    contextRunner.withPropertyValues("baton.queues.tickets.order=priority",
        "baton.queues.tickets.item-type=" + Ticket.class.getName(),
        "baton.queues.tickets.score-property=title").run(context ->
            assertThat(context.getStartupFailure()).rootCause()
                .hasMessageContaining("baton.queues.tickets.score-property=title")
                .hasMessageContaining(Ticket.class.getName())
                .hasMessageContaining("title() and getTitle()"));
    contextRunner.withPropertyValues("baton.queues.tickets.order=priority",
        "baton.queues.tickets.score-property=severity").run(context ->
            assertThat(context.getStartupFailure()).rootCause()
                .hasMessageContaining("baton.queues.tickets.item-type"));
    contextRunner.withPropertyValues("baton.queues.tickets.score-property=severity").run(context ->
        assertThat(context.getStartupFailure()).rootCause()
            .hasMessageContaining("baton.queues.tickets.order=priority"));
  }

  @Test
  void runWithAMisspeltKeyUnderAPrimitiveShouldFailNamingIt() {
    contextRunner.withPropertyValues("baton.semaphores.payments.permit=3").run(context ->
        assertThat(context.getStartupFailure())
            .hasStackTraceContaining("baton.semaphores.payments.permit"));
  }

  @Test
  void runWithAMisspeltTopLevelOrNestedKeyShouldFailNamingIt() {
    for (String misspelt : new String[] {"baton.default-timout=5s",
        "baton.stalls.confirm-afer=1s", "baton.web.retry-afterr=2s"}) {
      contextRunner.withPropertyValues(misspelt).run(context ->
          assertThat(context.getStartupFailure()).as(misspelt)
              .hasStackTraceContaining(misspelt.substring(0, misspelt.indexOf('='))));
    }
  }

  @Test
  void runWithAnUnknownItemTypeShouldFailNamingTheProperty() {
    contextRunner.withPropertyValues("baton.queues.tickets.item-type=com.example.Nope")
        .run(context -> assertThat(context.getStartupFailure())
            .hasStackTraceContaining("baton.queues.tickets.item-type")
            .hasStackTraceContaining("com.example.Nope"));
  }

  @Test
  void runWhenAQueueIsAskedForWithAnotherItemTypeShouldFailNamingBoth() {
    contextRunner.withPropertyValues("baton.queues.tickets.item-type=" + Ticket.class.getName())
        .run(context -> {
          PrimitiveRegistry registry = context.getBean(PrimitiveRegistry.class);
          assertThat(registry.queue("tickets", Ticket.class))
              .isSameAs(registry.queue("tickets"));
          assertThatThrownBy(() -> registry.queue("tickets", String.class))
              .isInstanceOf(IllegalStateException.class)
              .hasMessageContaining(Ticket.class.getName()).hasMessageContaining("String");
          registry.queue("names", String.class);
          assertThatThrownBy(() -> registry.queue("names", Integer.class))
              .hasMessageContaining("java.lang.String items, not java.lang.Integer");
        });
  }

  @Test
  void runWithDeclaredPrimitivesShouldInjectTheRegistrysInstancesByQualifier() {
    contextRunner.withUserConfiguration(Consumers.class).withPropertyValues(
        "baton.locks.inventory.timeout=5s",
        "baton.semaphores.payments.permits=3",
        "baton.events.catalog-loaded.initially-set=true",
        "baton.queues.tickets.item-type=" + Ticket.class.getName(),
        "baton.barriers.round.parties=2").run(context -> {
          PrimitiveRegistry registry = context.getBean(PrimitiveRegistry.class);
          Consumers consumers = context.getBean(Consumers.class);
          assertThat(consumers.payments).isSameAs(registry.semaphore("payments"));
          assertThat(consumers.inventory).isSameAs(registry.lock("inventory"));
          assertThat(consumers.catalogLoaded).isSameAs(registry.event("catalog-loaded"));
          assertThat(consumers.tickets).isSameAs(registry.queue("tickets"));
          assertThat(consumers.round).isSameAs(registry.barrier("round"));
          assertThat(context.getBean("payments")).as("the application's own bean of that name")
              .isInstanceOf(String.class);
          assertThat(context.getBean(PrimitiveBeans.beanName("semaphore", "payments")))
              .isSameAs(consumers.payments);
          assertThat(context.getBean("baton.lock.inventory")).isSameAs(consumers.inventory);
          assertThat(context.getBean("baton.semaphore.payments")).isSameAs(consumers.payments);
          assertThat(context.getBean("baton.event.catalog-loaded"))
              .isSameAs(consumers.catalogLoaded);
          assertThat(context.getBean("baton.queue.tickets")).isSameAs(consumers.tickets);
          assertThat(context.getBean("baton.barrier.round")).isSameAs(consumers.round);
          assertThat(consumers.unqualified).as("never injected without a qualifier").isEmpty();
        });
  }

  /**
   * A semaphore declared without permits, which come from {@code @Limited}, is no bean: start-up
   * could not make it before the annotations give its permits.
   */
  @Test
  void runWithASemaphoreDeclaredWithoutPermitsShouldStartWithoutItsBean() {
    contextRunner.withPropertyValues("baton.semaphores.payments.timeout=2s").run(context -> {
      assertThat(context).hasNotFailed().doesNotHaveBean("baton.semaphore.payments")
          .doesNotHaveBean(AsyncSemaphore.class);
      assertThat(context.getBean(BatonProperties.class).semaphoreTimeout("payments"))
          .isEqualTo(Duration.ofSeconds(2));
    });
  }

  /**
   * "An unqualified AsyncSemaphore injection point never receives one, and declaring a second
   * semaphore breaks no injection. A queue bean is typed with its item-type when declared."
   */
  @Test
  void runWithSeveralDeclaredSemaphoresShouldLeaveTheApplicationsOwnUnqualifiedOneInjectable() {
    contextRunner.withUserConfiguration(OwnSemaphore.class)
        .withBean(OwnSemaphoreUser.class).withPropertyValues(
        "baton.semaphores.payments.permits=3", "baton.semaphores.refunds.permits=1",
        "baton.queues.tickets.item-type=" + Ticket.class.getName(),
        "baton.queues.jobs.capacity=5").run(context -> {
          assertThat(context).hasNotFailed();
          OwnSemaphoreUser own = context.getBean(OwnSemaphoreUser.class);
          assertThat(own.injected).isSameAs(context.getBean("ownSemaphore"));
          assertThat(own.injected.maxPermits()).isEqualTo(7);
          assertThat(context.getBeanNamesForType(
              ResolvableType.forClassWithGenerics(AsyncQueue.class, Ticket.class)))
              .contains("baton.queue.tickets").doesNotContain("baton.queue.jobs");
          assertThat(context.getBeanNamesForType(
              ResolvableType.forClassWithGenerics(AsyncQueue.class, Integer.class)))
              .doesNotContain("baton.queue.tickets");
        });
  }

  /** An application's own semaphore bean, injected without a qualifier. */
  @Configuration(proxyBeanMethods = false)
  static class OwnSemaphore {
    @Bean
    AsyncSemaphore ownSemaphore() {
      return AsyncSemaphore.create(7);
    }
  }

  /** A consumer of a semaphore, without a qualifier. */
  static class OwnSemaphoreUser {
    final AsyncSemaphore injected;

    OwnSemaphoreUser(AsyncSemaphore injected) {
      this.injected = injected;
    }
  }

  /** An application bean called like a primitive, and consumers of the primitives' beans. */
  @Configuration(proxyBeanMethods = false)
  static class Consumers {
    final AsyncSemaphore payments;
    final AsyncLock inventory;
    final AsyncEvent catalogLoaded;
    final AsyncQueue<Ticket> tickets;
    final AsyncBarrier round;
    final Optional<AsyncSemaphore> unqualified;

    Consumers(Optional<AsyncSemaphore> unqualified,
        @Qualifier("payments") AsyncSemaphore payments,
        @Qualifier("inventory") AsyncLock inventory,
        @Qualifier("catalog-loaded") AsyncEvent catalogLoaded,
        @Qualifier("tickets") AsyncQueue<Ticket> tickets,
        @Qualifier("round") AsyncBarrier round) {
      this.payments = payments;
      this.inventory = inventory;
      this.catalogLoaded = catalogLoaded;
      this.tickets = tickets;
      this.round = round;
      this.unqualified = unqualified;
    }

    @Bean
    String payments() {
      return "an application's own bean named payments";
    }
  }

  /** A queue item with a numeric property to order by. */
  public record Ticket(String title, int severity) {}

  @Test
  void runWithAnUnparsableDefaultTimeoutShouldFailNamingTheProperty() {
    contextRunner.withPropertyValues("baton.default-timeout=soon").run(context -> {
      assertThat(context).hasFailed();
      assertThat(context.getStartupFailure()).hasMessageContaining("baton");
      assertThat(context.getStartupFailure()).rootCause().hasMessageContaining("soon");
    });
  }

  @ParameterizedTest
  @ValueSource(strings = {"baton.default-timeout", "baton.locks.ledger.timeout",
      "baton.semaphores.payments.timeout", "baton.events.ready.timeout"})
  void runWithANegativeTimeoutShouldFailNamingTheProperty(String property) {
    contextRunner.withPropertyValues(property + "=-1").run(context -> {
      assertThat(context).hasFailed();
      assertThat(context.getStartupFailure()).rootCause()
          .hasMessageContaining(property + " must not be negative, was -1ms")
          .hasMessageContaining("0 fails at once unless free");
    });
  }

  /**
   * A duration out of range is shown as a property would be written, in the largest unit that
   * counts it exactly ({@code -1s}, {@code 1500ms}), never as Java's {@code PT-1S}.
   */
  @ParameterizedTest
  @CsvSource({"baton.default-timeout, -1s, -1s", "baton.locks.ledger.timeout, PT-90M, -90m",
      "baton.events.ready.timeout, -2d, -2d", "baton.stalls.confirm-after, -1500ms, -1500ms",
      "baton.stalls.primitives.ledger.held-too-long, 0ms, 0s",
      "baton.redis.lease, PT0.1S, 100ms", "baton.redis.command-timeout, -3us, -3us",
      "baton.web.retry-after, -1s, -1s"})
  void runWithADurationOutOfRangeShouldShowItAsAPropertyIsWritten(String property, String value,
      String shown) {
    contextRunner.withPropertyValues(property + "=" + value).run(context -> {
      assertThat(context).hasFailed();
      assertThat(context.getStartupFailure()).rootCause().hasMessageContaining(property)
          .hasMessageContaining("was " + shown)
          .hasMessageNotContaining("PT");
    });
  }

  /**
   * A data size out of range is shown as a property would be written, in the largest unit that
   * counts it exactly ({@code -1KB}), never as {@code DataSize} prints it ({@code -1024B}).
   */
  @ParameterizedTest
  @CsvSource({"-1KB, -1KB", "0MB, 0B", "3GB, 3GB", "-1536B, -1536B", "-2048KB, -2MB",
      "4096MB, 4GB"})
  void runWithADataSizeOutOfRangeShouldShowItAsAPropertyIsWritten(String value, String shown) {
    contextRunner.withPropertyValues("baton.queues.orders.max-item-size=" + value)
        .run(context -> {
          assertThat(context).hasFailed();
          assertThat(context.getStartupFailure()).rootCause()
              .hasMessageContaining("baton.queues.orders.max-item-size")
              .hasMessageEndingWith("was " + shown);
        });
  }

  @Test
  void runWithTheRedisBackendButNoRedisModuleShouldSayWhatIsMissing() {
    contextRunner.withPropertyValues("baton.backend=redis").run(context -> {
      assertThat(context).hasFailed();
      assertThat(context.getStartupFailure()).rootCause()
          .hasMessageContaining("baton.backend=redis").hasMessageContaining("baton-redis");
    });
  }

  @Configuration(proxyBeanMethods = false)
  static class UserRegistryConfiguration {
    final PrimitiveRegistry registry = new DefaultPrimitiveRegistry(
        new BatonProperties(true, BatonProperties.Backend.LOCAL, Duration.ofSeconds(1), false,
            0, null, null, null, null, null, null, null, null, null, null));

    @Bean
    PrimitiveRegistry userRegistry() {
      return registry;
    }
  }
}
