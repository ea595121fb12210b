package dev.baton.spring.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.AsyncQueue;
import dev.baton.redis.ItemCodec;
import dev.baton.redis.RedisServer;
import dev.baton.spring.BatonAutoConfiguration;
import dev.baton.spring.PrimitiveRegistry;
import dev.baton.spring.redis.RedisTestApplication.Job;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.databind.DefaultTyping;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.jsontype.BasicPolymorphicTypeValidator;

/**
 * How queues declared under {@code baton.queues.*} are kept on Redis: what start-up refuses, and
 * how items are written, against a real {@code redis-server}.
 */
class RedisQueueDeclarationsTest {

  static RedisServer server;

  private ApplicationContextRunner contextRunner;

  @BeforeAll
  static void start() {
    server = RedisServer.startedAhead();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private ApplicationContextRunner runner() {
    if (contextRunner == null) {
      contextRunner = new ApplicationContextRunner()
          .withConfiguration(AutoConfigurations.of(JacksonAutoConfiguration.class,
              DataRedisAutoConfiguration.class, BatonRedisAutoConfiguration.class,
              BatonAutoConfiguration.class))
          .withPropertyValues("baton.backend=redis", "spring.data.redis.host=127.0.0.1",
              "spring.data.redis.port=" + server.port());
    }
    return contextRunner;
  }

  @Test
  void runWithAQueueWithoutItemTypeShouldFailSayingWhichPropertyToSet() {
    runner().withPropertyValues("baton.queues.jobs.capacity=5").run(context ->
        assertThat(context.getStartupFailure()).rootCause()
            .hasMessageContaining("queue 'jobs' on Redis needs the type of its items")
            .hasMessageContaining("baton.queues.jobs.item-type"));
  }

  /** {@code java.lang.Object} names no type to read JSON back as: a record would become a Map. */
  @Test
  void runWithObjectAsTheItemTypeShouldFailSayingItNeedsARealOne() {
    runner().withPropertyValues("baton.queues.jobs.item-type=java.lang.Object").run(context ->
        assertThat(context.getStartupFailure()).rootCause()
            .hasMessageContaining("queue 'jobs' needs an item type to read its items' JSON as")
            .hasMessageContaining("not java.lang.Object"));
  }

  @Test
  void runWhenAnUndeclaredQueueIsAskedForWithoutItsTypeShouldSayHowToGiveIt() {
    runner().run(context -> assertThatThrownBy(
        () -> context.getBean(PrimitiveRegistry.class).queue("adhoc"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("queue(\"adhoc\", ItemType.class)"));
  }

  @Test
  void runWithAPriorityQueueOfItemsRedisCannotOrderShouldFailSayingWhy() {
    runner().withPropertyValues("baton.queues.jobs.order=priority",
        "baton.queues.jobs.item-type=" + Job.class.getName()).run(context ->
            assertThat(context.getStartupFailure()).rootCause()
                .hasMessageContaining("priority queue 'jobs' on Redis needs a number")
                .hasMessageContaining("baton.queues.jobs.score-property"));
  }

  @Test
  void runWithAScorePropertyTheItemTypeLacksShouldFailNamingTheProperty() {
    runner().withPropertyValues("baton.queues.jobs.order=priority",
        "baton.queues.jobs.item-type=" + Job.class.getName(),
        "baton.queues.jobs.score-property=severity").run(context ->
            assertThat(context.getStartupFailure()).rootCause()
                .hasMessageContaining("baton.queues.jobs.score-property=severity")
                .hasMessageContaining(Job.class.getName()));
  }

  @Test
  void runWithAnItemTypeThatDoesNotExistShouldFailNamingTheProperty() {
    runner().withPropertyValues("baton.queues.jobs.item-type=com.example.shop.Nope")
        .run(context -> assertThat(context.getStartupFailure())
            .hasStackTraceContaining("baton.queues.jobs.item-type")
            .hasStackTraceContaining("com.example.shop.Nope"));
  }

  /**
   * A priority queue of numbers takes the least first, a lifo one the last put, a fifo one the
   * first put.
   */
  @ParameterizedTest
  @CsvSource({"priority, -2, 7, 30", "lifo, 7, -2, 30", "fifo, 30, -2, 7"})
  void runWithAQueueOfNumbersShouldTakeThemInItsOrder(String order, long first, long second,
      long third) {
    runner().withPropertyValues("baton.queues.numbers.order=" + order,
        "baton.queues.numbers.item-type=java.lang.Long").run(context -> {
          AsyncQueue<Long> numbers = context.getBean(PrimitiveRegistry.class).queue("numbers");
          List.of(30L, -2L, 7L).forEach(numbers::offer);
          assertThat(List.of(numbers.poll(), numbers.poll(), numbers.poll()))
              .containsExactly(first, second, third);
          List.of(1, 2, 3).forEach(i -> numbers.taskDone());
        });
  }

  /** A double would tie 2^53 + 1 with 2^53: an item beyond 2^53 is refused, not misordered. */
  @Test
  void runWithAPriorityQueueOfLongsShouldRefuseOneBeyondTwoToThe53() {
    runner().withPropertyValues("baton.queues.ranks.order=priority",
        "baton.queues.ranks.item-type=java.lang.Long").run(context -> {
          AsyncQueue<Long> numbers = context.getBean(PrimitiveRegistry.class).queue("ranks");
          long limit = 1L << 53;
          assertThat(numbers.offer(limit)).isTrue();
          assertThat(numbers.offer(-limit)).isTrue();
          for (long beyond : new long[] {limit + 1, 2 * limit, Long.MAX_VALUE, Long.MIN_VALUE}) {
            assertThatThrownBy(() -> numbers.offer(beyond))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("priority queue 'ranks'")
                .hasMessageContaining(Long.toString(beyond))
                .hasMessageContaining("2^53");
          }
          assertThat(List.of(numbers.poll(), numbers.poll())).containsExactly(-limit, limit);
          assertThat(numbers.poll()).as("no refused item went in").isNull();
          List.of(1, 2).forEach(i -> numbers.taskDone());
        });
  }

  @Test
  void runWithAnItemLargerThanTheLimitShouldRefuseItNamingTheQueueAndBothSizes() {
    runner().withPropertyValues("baton.queues.notes.item-type=java.lang.String",
        "baton.queues.notes.max-item-size=1KB").run(context -> {
          AsyncQueue<String> notes = context.getBean(PrimitiveRegistry.class).queue("notes");
          assertThatThrownBy(() -> notes.put("x".repeat(1025)))
              .isInstanceOf(IllegalArgumentException.class)
              .hasMessageContaining("queue 'notes'").hasMessageContaining("1025 bytes")
              .hasMessageContaining("1024 bytes");
          assertThat(notes.size()).isZero();
        });
  }

  @Test
  void runWithAnApplicationMapperShouldWriteItemsWithItsSettingsButNeverWithTypeNames() {
    runner().withUserConfiguration(TypingMapper.class)
        .withPropertyValues("baton.queues.stamps.item-type=" + Stamp.class.getName())
        .run(context -> {
          AsyncQueue<Stamp> stamps = context.getBean(PrimitiveRegistry.class).queue("stamps");
          Stamp stamp =
              new Stamp("boot", Instant.parse("2026-12-03T06:00:00Z"), List.of("a", "b"));
          stamps.offer(stamp);

          String stored = server.cli("HVALS", "{baton:queue:stamps}:data");
          assertThat(stored).contains("\"Name\":\"boot\"").contains("2026-12-03T06:00:00Z")
              .contains("\"Tags\":[\"a\",\"b\"]").doesNotContain("java.")
              .doesNotContain(Stamp.class.getName());
          assertThat(stamps.poll()).isEqualTo(stamp);
          stamps.taskDone();
        });
  }

  @Test
  void runWithoutJacksonShouldKeepStringQueuesAndRefuseOthersNamingTheDependency() {
    runner().withClassLoader(new FilteredClassLoader(JsonMapper.class))
        .withPropertyValues("baton.queues.notes.item-type=java.lang.String",
            "baton.queues.jobs.item-type=" + Job.class.getName())
        .run(context -> assertThat(context.getStartupFailure()).rootCause()
            .hasMessageContaining("queue 'jobs'")
            .hasMessageContaining("spring-boot-starter-jackson"));
  }

  @Test
  void runWithASubclassItemShouldWriteAndReadItAsExactlyTheDeclaredType() {
    runner().withPropertyValues("baton.queues.notes.item-type=" + Note.class.getName())
        .run(context -> {
          AsyncQueue<Note> notes = context.getBean(PrimitiveRegistry.class).queue("notes");
          SecretNote secret = new SecretNote();
          secret.text = "hello";
          secret.secret = "hunter2";
          notes.offer(secret);
          assertThat(server.cli("HVALS", "{baton:queue:notes}:data"))
              .isEqualTo("{\"text\":\"hello\"}");
          Note read = notes.poll();
          assertThat(read).isExactlyInstanceOf(Note.class);
          assertThat(read.text).isEqualTo("hello");
          notes.taskDone();
        });
  }

  /** A declared item type that is not final. */
  public static class Note {
    public String text;
  }

  /** An item of a subclass of the declared type, with a property the declared type lacks. */
  public static class SecretNote extends Note {
    public String secret;
  }

  @Test
  void runWithStringAndByteArrayItemsShouldStoreThemWithoutJson() {
    runner().withPropertyValues("baton.queues.notes.item-type=java.lang.String").run(context -> {
      PrimitiveRegistry registry = context.getBean(PrimitiveRegistry.class);
      AsyncQueue<String> notes = registry.queue("notes");
      notes.offer("say \"hi\"");
      assertThat(server.cli("HVALS", "{baton:queue:notes}:data")).isEqualTo("say \"hi\"");
      assertThat(notes.poll()).isEqualTo("say \"hi\"");
      notes.taskDone();

      AsyncQueue<byte[]> blobs = registry.queue("blobs", byte[].class);
      blobs.offer(new byte[] {1, 2, 3, (byte) 0xff});
      assertThat(server.cli("HVALS", "{baton:queue:blobs}:data")).isEqualTo("AQID/w==");
      assertThat(blobs.poll()).containsExactly(1, 2, 3, 0xff);
      blobs.taskDone();
    });
  }

  /** The bean is asked for every item type, String included, and its codec is used. */
  @Test
  void runWithAQueueCodecsBeanShouldWriteItemsWithItInsteadOfJson() {
    SlashCodecs.askedFor.clear();
    runner().withUserConfiguration(SlashCodecs.class)
        .withPropertyValues("baton.queues.jobs.item-type=" + Job.class.getName(),
            "baton.queues.notes.item-type=java.lang.String")
        .run(context -> {
          AsyncQueue<Job> jobs = context.getBean(PrimitiveRegistry.class).queue("jobs");
          jobs.offer(new Job("j1", 3));
          assertThat(server.cli("HVALS", "{baton:queue:jobs}:data")).isEqualTo("j1/3");
          assertThat(jobs.poll()).isEqualTo(new Job("j1", 3));
          jobs.taskDone();
          assertThat(SlashCodecs.askedFor).containsExactlyInAnyOrder(Job.class, String.class);
        });
  }

  /** Codecs of the application's own that write a {@link Job} as {@code id/priority}. */
  @Configuration(proxyBeanMethods = false)
  static class SlashCodecs {

    static final List<Class<?>> askedFor = new java.util.concurrent.CopyOnWriteArrayList<>();

    @Bean
    QueueCodecs slashCodecs() {
      return new QueueCodecs() {
        @Override
        @SuppressWarnings("unchecked")
        public <T> ItemCodec<T> codec(String queue, Class<T> itemType) {
          askedFor.add(itemType);
          if (itemType != Job.class) {
            return QueueCodecs.unchanged(itemType).orElseThrow();
          }
          return (ItemCodec<T>) new ItemCodec<Job>() {
            @Override
            public String encode(Job job) {
              return job.id() + "/" + job.priority();
            }

            @Override
            public Job decode(String encoded) {
              String[] parts = encoded.split("/");
              return new Job(parts[0], Integer.parseInt(parts[1]));
            }
          };
        }
      };
    }
  }

  /**
   * An item whose JSON needs the mapper's java.time support, with a field of a non-final type
   * (which default typing would tag with its class).
   */
  public record Stamp(String name, Instant at, List<String> tags) {}

  /**
   * An application mapper that names properties in UpperCamelCase, which queues follow, and
   * writes class names into the JSON, which queues must not do.
   */
  @Configuration(proxyBeanMethods = false)
  static class TypingMapper {

    @Bean
    JsonMapper jsonMapper() {
      return JsonMapper.builder().activateDefaultTyping(
          BasicPolymorphicTypeValidator.builder().allowIfBaseType(Object.class).build(),
          DefaultTyping.NON_FINAL)
          .propertyNamingStrategy(PropertyNamingStrategies.UPPER_CAMEL_CASE).build();
    }
  }
}
