package dev.baton.spring;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.core.Ordered;
import org.springframework.util.unit.DataSize;

/**
 * Configuration of Baton under the prefix {@code baton}. A key Baton does not know (a misspelt
 * {@code baton.semaphores.payments.permit}) fails start-up, naming it.
 *
 * @param enabled Whether Baton's auto-configuration is active.
 * @param backend Where primitives live: local (this JVM) or redis (shared through Redis; needs
 *     the baton-redis module).
 * @param defaultTimeout How long an annotated method waits when neither the annotation nor the
 *     primitive's properties give a timeout. Zero fails at once unless the primitive is free;
 *     a negative timeout, here or anywhere below, fails start-up.
 * @param strict Whether every name used in an annotation must be declared under baton.*; an
 *     undeclared name then fails start-up.
 * @param aspectOrder Order of the outermost Baton aspect (@SetsEvent); the next ones, for
 *     the annotations @AwaitsEvent, @Limited and @Guarded, follow at +1, +2 and +3, so values
 *     above Integer.MAX_VALUE - 3 count as that. The default runs outside the aspect of
 *     the annotation @Transactional, so a lock is held until the transaction has committed.
 * @param locks Named locks, each set with baton.locks.NAME.timeout (how long annotated methods
 *     wait for it; unset: baton.default-timeout) and, for a per-key family,
 *     baton.locks.NAME.key-order (none or ascending: the order in which one call takes several
 *     of its keys; ascending lets the stall view tell an ordered nesting from an inversion, and
 *     PrimitiveRegistry.lockAll takes keys in it; none by default).
 * @param semaphores Named semaphores, each set with baton.semaphores.NAME.permits (the number of
 *     permits, positive; unset: the annotation's permits give them) and
 *     baton.semaphores.NAME.timeout (how long annotated methods wait for a permit; unset:
 *     baton.default-timeout).
 * @param events Named events, each set with baton.events.NAME.initially-set (whether it starts
 *     set; false by default) and baton.events.NAME.timeout (how long annotated methods wait for
 *     it; unset: baton.default-timeout).
 * @param queues Named queues, each set with baton.queues.NAME.capacity (most items held; unset:
 *     unbounded), baton.queues.NAME.order (fifo, lifo or priority; fifo by default),
 *     baton.queues.NAME.item-type (class of the items; needed on Redis),
 *     baton.queues.NAME.score-property (a priority queue's numeric property of item-type, lowest
 *     first) and baton.queues.NAME.max-item-size (largest encoded item on Redis; 512KB by
 *     default).
 * @param barriers Named barriers, each set with baton.barriers.NAME.parties (how many parties
 *     each cycle waits for, positive).
 * @param metrics Meters and observations of waits and holds.
 * @param endpoint The baton actuator endpoint.
 * @param redis The Redis backend (baton.backend=redis).
 * @param web How a web application answers a timeout that escapes a controller.
 * @param stalls The stall view: who waits for whom among annotated calls, deadlocks and
 *     re-entries.
 */
@ConfigurationProperties(prefix = "baton", ignoreUnknownFields = false)
public record BatonProperties(
    @DefaultValue("true") boolean enabled,
    @DefaultValue("local") Backend backend,
    @DefaultValue("30s") Duration defaultTimeout,
    @DefaultValue("false") boolean strict,
    @DefaultValue("" + DEFAULT_ASPECT_ORDER) int aspectOrder,
    Map<String, Lock> locks,
    Map<String, Semaphore> semaphores,
    Map<String, Event> events,
    Map<String, Queue> queues,
    Map<String, Barrier> barriers,
    Metrics metrics,
    Endpoint endpoint,
    Redis redis,
    Web web,
    Stalls stalls) {

  /** Runs Baton's aspects just outside {@code @Transactional}, whose order is the lowest. */
  public static final int DEFAULT_ASPECT_ORDER = Ordered.LOWEST_PRECEDENCE - 100;

  /** The longest duration that counts in nanoseconds, as a {@code long}: about 292 years. */
  private static final Duration LONGEST = Duration.ofNanos(Long.MAX_VALUE);

  /** The units {@link #written} tries, largest first; a duration none counts is in nanoseconds. */
  private static final List<ChronoUnit> WRITTEN_UNITS = List.of(ChronoUnit.DAYS, ChronoUnit.HOURS,
      ChronoUnit.MINUTES, ChronoUnit.SECONDS, ChronoUnit.MILLIS, ChronoUnit.MICROS);

  public BatonProperties {
    aspectOrder = capAspectOrder(aspectOrder);
    locks = locks == null ? Map.of() : Map.copyOf(locks);
    semaphores = semaphores == null ? Map.of() : Map.copyOf(semaphores);
    events = events == null ? Map.of() : Map.copyOf(events);
    queues = queues == null ? Map.of() : Map.copyOf(queues);
    barriers = barriers == null ? Map.of() : Map.copyOf(barriers);
    metrics = metrics == null ? new Metrics(false, List.of(), true) : metrics;
    endpoint = endpoint == null ? new Endpoint(false) : endpoint;
    redis = redis == null ? new Redis(null, null, null) : redis;
    web = web == null ? new Web(true, null) : web;
    stalls = stalls == null ? new Stalls(Stalls.Level.OFF, null, null, null, null) : stalls;
    requireNotNegative(defaultTimeout, "baton.default-timeout");
    requireNames(locks, "baton.locks");
    requireNames(semaphores, "baton.semaphores");
    requireNames(events, "baton.events");
    requireNames(queues, "baton.queues");
    requireNames(barriers, "baton.barriers");
    locks.forEach((name, lock) ->
        requireNotNegative(lock.timeout(), "baton.locks." + name + ".timeout"));
    semaphores.forEach((name, s) -> {
      if (s.permits() != null) {
        requirePositive(s.permits(), "semaphores", name, "permits");
      }
      requireNotNegative(s.timeout(), "baton.semaphores." + name + ".timeout");
    });
    events.forEach((name, event) ->
        requireNotNegative(event.timeout(), "baton.events." + name + ".timeout"));
    queues.forEach(BatonProperties::check);
    barriers.forEach((name, b) -> requirePositive(b.parties(), "barriers", name, "parties"));
  }

  /** {@code aspectOrder}, lowered so that the three aspects after it still have an order. */
  public static int capAspectOrder(int aspectOrder) {
    return Math.min(aspectOrder, Ordered.LOWEST_PRECEDENCE - 3);
  }

  /** The key order the per-key lock family {@code name} declares. */
  public KeyOrder keyOrder(String name) {
    Lock lock = locks.get(name);
    return lock == null ? KeyOrder.NONE : lock.keyOrder();
  }

  /** How long annotated methods wait for the lock {@code name}. */
  public Duration lockTimeout(String name) {
    Lock lock = locks.get(name);
    return lock != null && lock.timeout() != null ? lock.timeout() : defaultTimeout;
  }

  /** How long annotated methods wait for a permit of the semaphore {@code name}. */
  public Duration semaphoreTimeout(String name) {
    Semaphore semaphore = semaphores.get(name);
    return semaphore != null && semaphore.timeout() != null ? semaphore.timeout() : defaultTimeout;
  }

  /** How long annotated methods wait for the event {@code name}. */
  public Duration eventTimeout(String name) {
    Event event = events.get(name);
    return event != null && event.timeout() != null ? event.timeout() : defaultTimeout;
  }

  private static void check(String name, Queue queue) {
    requirePositive(queue.capacity(), "queues", name, "capacity");
    if (queue.scoreProperty() != null && queue.order() != QueueOrder.PRIORITY) {
      throw new IllegalArgumentException("baton.queues." + name + ".score-property orders a"
          + " priority queue only: set baton.queues." + name + ".order=priority or remove it");
    }
    if (queue.maxItemSize().toBytes() <= 0 || queue.maxItemSize().toBytes() > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("baton.queues." + name + ".max-item-size must be"
          + " positive and under 2GB, was " + written(queue.maxItemSize()));
    }
  }

  /**
   * Refuses a negative wait limit: the primitives read one as zero (fail at once unless free),
   * which is never what a negative number was written to mean, such as "no limit".
   */
  private static void requireNotNegative(Duration timeout, String what) {
    if (timeout != null && timeout.isNegative()) {
      throw new IllegalArgumentException(negativeTimeout(what, written(timeout)));
    }
  }

  /**
   * Why the negative wait limit {@code what} is refused, {@code shown} as its user wrote it (an
   * annotation's attribute) or as {@link #written} writes it (a bound property).
   */
  public static String negativeTimeout(String what, String shown) {
    return what + " must not be negative, was " + shown
        + ": 0 fails at once unless free; for a long wait give a long duration";
  }

  /**
   * {@code duration} as a property would be written, in the largest of Spring Boot's units that
   * counts it exactly: {@code -1s}, {@code 1500ms}, {@code 0s}, rather than Java's {@code PT-1S}.
   */
  public static String written(Duration duration) {
    if (duration.isZero()) {
      return "0s";
    }
    for (ChronoUnit unit : WRITTEN_UNITS) {
      if (duration.truncatedTo(unit).equals(duration)) {
        return DurationStyle.SIMPLE.print(duration, unit);
      }
    }
    return DurationStyle.SIMPLE.print(duration, ChronoUnit.NANOS);
  }

  /**
   * {@code size} as a property would be written, in the largest of Spring's units that counts it
   * exactly: {@code -1KB}, {@code 1536B}, rather than {@code DataSize}'s {@code -1024B}.
   */
  static String written(DataSize size) {
    long bytes = size.toBytes();
    String[] suffixes = {"TB", "GB", "MB", "KB"};
    for (int i = 0; i < suffixes.length && bytes != 0; i++) {
      long unit = 1L << (10 * (suffixes.length - i));
      if (bytes % unit == 0) {
        return bytes / unit + suffixes[i];
      }
    }
    return bytes + "B";
  }

  /**
   * Refuses, among the keys of {@code declared}, the map under {@code property}, a blank name (no
   * annotation or registry call can name it, and the registry refuses it) and two names that
   * differ only in case: Spring binds keys written without brackets case-insensitively, so the
   * properties of one may have been read for the other.
   */
  private static void requireNames(Map<String, ?> declared, String property) {
    Map<String, String> byLowerCase = new HashMap<>();
    for (String name : new TreeSet<>(declared.keySet())) {
      if (name.isBlank()) {
        throw new IllegalArgumentException(
            property + "[" + name + "]: a primitive's name must not be blank");
      }
      String other = byLowerCase.put(name.toLowerCase(Locale.ROOT), name);
      if (other != null) {
        throw new IllegalArgumentException(property + " declares '" + other + "' and '" + name
            + "', names that differ only in case: Spring binds keys written without brackets"
            + " case-insensitively, so the properties of one may be read for the other; rename"
            + " one of them");
      }
    }
  }

  private static void requirePositive(int value, String kind, String name, String property) {
    if (value <= 0) {
      throw new IllegalArgumentException(
          "baton." + kind + "." + name + "." + property + " must be positive, was " + value);
    }
  }

  /**
   * The stall view.
   *
   * @param level off (the default: nothing is recorded and every call takes the same path as
   *     without the view), basic (record each annotated call's waits and holds, explain
   *     timeouts, report re-entries, lock-order inversions, deadlocks and stalls), or strict (for
   *     tests: a re-entry, an inversion or a confirmed deadlock fails the request or wait with a
   *     DeadlockException naming it).
   * @param confirmAfter How long a suspected deadlock must stay unchanged (the same waits and
   *     holds) to be confirmed; the watchdog looks twice as often.
   * @param heldTooLong How long a lock or semaphore permit may be held before the hold is
   *     reported as a stall (logged once, listed by the batonstalls endpoint); a hold that lasts
   *     half as long is watched for being dropped unreleased (a leaked permit).
   * @param waitedTooLong How long a lock, semaphore or event wait may be pending before it is
   *     reported as a stall (an event wait only while no running call is to set the event).
   * @param primitives Thresholds of their own for the primitives of a name, each set with
   *     baton.stalls.primitives.NAME.held-too-long and baton.stalls.primitives.NAME.waited-too-long
   *     (each, when unset, the global one). Any of these durations longer than nanoseconds can
   *     count (about 292 years) counts as that longest one, as a wait's timeout does.
   */
  public record Stalls(@DefaultValue("off") Level level, @DefaultValue("1s") Duration confirmAfter,
      @DefaultValue("30s") Duration heldTooLong, @DefaultValue("30s") Duration waitedTooLong,
      Map<String, Thresholds> primitives) {

    /** The property that turns the stall view on; read before the properties are bound. */
    public static final String LEVEL_PROPERTY = "baton.stalls.level";

    public Stalls {
      level = level == null ? Level.OFF : level;
      confirmAfter = requirePositive(confirmAfter, Duration.ofSeconds(1), "confirm-after");
      heldTooLong = requirePositive(heldTooLong, Duration.ofSeconds(30), "held-too-long");
      waitedTooLong = requirePositive(waitedTooLong, Duration.ofSeconds(30), "waited-too-long");
      primitives = primitives == null ? Map.of() : Map.copyOf(primitives);
      requireNames(primitives, "baton.stalls.primitives");
      primitives.forEach((name, thresholds) -> {
        requirePositive(thresholds.heldTooLong(), null, "primitives." + name + ".held-too-long");
        requirePositive(thresholds.waitedTooLong(), null,
            "primitives." + name + ".waited-too-long");
      });
    }

    private static Duration requirePositive(Duration value, Duration otherwise, String key) {
      if (value == null) {
        return otherwise;
      }
      if (value.isNegative() || value.isZero()) {
        throw new IllegalArgumentException(
            "baton.stalls." + key + " must be positive, was " + written(value));
      }
      return atMostLongest(value);
    }

    /** The view counts in nanoseconds: a longer duration counts as the longest they hold. */
    private static Duration atMostLongest(Duration value) {
      return value == null || value.compareTo(LONGEST) <= 0 ? value : LONGEST;
    }

    /** How long a hold of a primitive named {@code name} may last before it is a stall. */
    public Duration heldTooLong(String name) {
      Thresholds own = primitives.get(name);
      return own != null && own.heldTooLong() != null ? own.heldTooLong() : heldTooLong;
    }

    /** How long a wait for a primitive named {@code name} may last before it is a stall. */
    public Duration waitedTooLong(String name) {
      Thresholds own = primitives.get(name);
      return own != null && own.waitedTooLong() != null ? own.waitedTooLong() : waitedTooLong;
    }

    /**
     * The stall thresholds of the primitives of one name.
     *
     * @param heldTooLong How long a hold may last before it is a stall; unset: the global one.
     * @param waitedTooLong How long a wait may be pending before it is a stall; unset: the
     *     global one.
     */
    public record Thresholds(Duration heldTooLong, Duration waitedTooLong) {

      public Thresholds {
        heldTooLong = atMostLongest(heldTooLong);
        waitedTooLong = atMostLongest(waitedTooLong);
      }
    }

    /** How much the stall view does. */
    public enum Level {
      /** Nothing: the default. */
      OFF,
      /**
       * Records calls, waits and holds; reports re-entries, lock-order inversions, deadlocks,
       * stalls and leaked permits, and explains timeouts.
       */
      BASIC,
      /** As basic, and a re-entry, an inversion or a confirmed deadlock fails the wait. */
      STRICT
    }
  }

  /** Where primitives live. */
  public enum Backend {
    /** In this JVM. */
    LOCAL,
    /** In Redis, shared by every JVM that uses the same Redis; needs the baton-redis module. */
    REDIS
  }

  /**
   * A named lock.
   *
   * @param timeout How long annotated methods wait for it; unset: baton.default-timeout.
   * @param keyOrder For a per-key family, the order in which one call takes several of its keys:
   *     none (the default), or ascending (the keys' natural order; keys must be Comparable).
   */
  public record Lock(Duration timeout, @DefaultValue("none") KeyOrder keyOrder) {

    public Lock {
      keyOrder = keyOrder == null ? KeyOrder.NONE : keyOrder;
    }
  }

  /** The order in which one call takes several keys of a per-key lock family. */
  public enum KeyOrder {
    /** No order is declared: the stall view reports any nesting of two keys. */
    NONE,
    /**
     * Ascending natural order of the keys, which must be {@code Comparable}: the stall view
     * reports only a nesting against it.
     */
    ASCENDING
  }

  /**
   * A named semaphore.
   *
   * @param permits Number of permits; must be positive. Unset: @Limited(permits = ...) gives them,
   *     and the semaphore exists once an annotated method names it.
   * @param timeout How long annotated methods wait for a permit; unset: baton.default-timeout.
   */
  public record Semaphore(Integer permits, Duration timeout) {}

  /**
   * A named event.
   *
   * @param initiallySet Whether the event starts set. With baton.backend=redis the event is set
   *     in Redis by every instance that starts, also when another instance had cleared it.
   * @param timeout How long annotated methods wait for it; unset: baton.default-timeout.
   */
  public record Event(@DefaultValue("false") boolean initiallySet, Duration timeout) {}

  /**
   * A named queue.
   *
   * @param capacity Most items the queue holds; unset: unbounded.
   * @param order Order in which items leave the queue: fifo (the default), lifo or priority.
   * @param itemType Class of the queue's items, such as com.example.Order. With
   *     baton.backend=redis every queue needs one: items are written as JSON through the
   *     application's JSON mapper and read back as this type (String items are stored as they
   *     are, byte[] items as Base64, neither as JSON). The registry's queue(name, type) must name
   *     the same type.
   * @param scoreProperty For a priority queue: the numeric property of item-type (a record
   *     component or getter) whose lowest value leaves first, equal scores in arrival order. Unset:
   *     the items' natural order, which Redis can keep only for numbers, so a priority queue of
   *     other items on Redis needs this.
   * @param maxItemSize Largest item a put accepts, encoded, with baton.backend=redis.
   */
  public record Queue(@DefaultValue("" + Integer.MAX_VALUE) int capacity,
      @DefaultValue("fifo") QueueOrder order, Class<?> itemType, String scoreProperty,
      @DefaultValue("512KB") DataSize maxItemSize) {

    public Queue {
      maxItemSize = maxItemSize == null ? DataSize.ofKilobytes(512) : maxItemSize;
      if (scoreProperty != null && scoreProperty.isBlank()) {
        scoreProperty = null;
      }
    }
  }

  /** The order in which items leave a queue. */
  public enum QueueOrder {
    /** First in, first out. */
    FIFO,
    /** Last in, first out. */
    LIFO,
    /** Least first: by the score property when one is set, else by the items' natural order. */
    PRIORITY
  }

  /**
   * A named barrier.
   *
   * @param parties How many parties each cycle waits for; must be positive.
   */
  public record Barrier(int parties) {}

  /**
   * Meters and observations of waits and holds.
   *
   * @param percentileHistogram Whether the baton.wait and baton.held timers publish histogram
   *     buckets, for percentiles aggregated by the monitoring system (Prometheus
   *     histogram_quantile, the Grafana dashboard).
   * @param percentiles Percentiles the timers compute in this JVM, such as 0.5, 0.95, 0.99.
   * @param observations Whether each wait is also a Micrometer Observation (a span when tracing
   *     is set up), when an ObservationRegistry bean exists.
   */
  public record Metrics(@DefaultValue("false") boolean percentileHistogram,
      List<Double> percentiles, @DefaultValue("true") boolean observations) {

    public Metrics {
      if (percentiles != null && percentiles.stream().anyMatch(Objects::isNull)) {
        throw new IllegalArgumentException("baton.metrics.percentiles has an empty element,"
            + " was " + percentiles.stream().map(p -> p == null ? "" : p.toString())
                .collect(Collectors.joining(",")));
      }
      percentiles = percentiles == null ? List.of() : List.copyOf(percentiles);
      percentiles.forEach(p -> {
        if (!(p > 0 && p < 1)) {
          throw new IllegalArgumentException(
              "baton.metrics.percentiles must lie between 0 and 1 (exclusive), was " + p);
        }
      });
    }
  }

  /**
   * The baton actuator endpoint.
   *
   * @param showKeys Whether per-key lock families list their keys; keys often carry user data
   *     such as account ids, so they are hidden by default.
   */
  public record Endpoint(@DefaultValue("false") boolean showKeys) {}

  /**
   * How a web application answers an AcquireTimeoutException that escapes a controller.
   *
   * @param enabled Whether it answers 503 Service Unavailable with a problem detail naming the
   *     primitive, instead of a 500; an @ExceptionHandler of the application still wins.
   * @param retryAfter What the Retry-After header of that answer advises, in whole seconds
   *     (rounded up).
   */
  public record Web(@DefaultValue("true") boolean enabled,
      @DefaultValue("1s") Duration retryAfter) {

    public Web {
      retryAfter = retryAfter == null ? Duration.ofSeconds(1) : retryAfter;
      if (retryAfter.isNegative()) {
        throw new IllegalArgumentException(
            "baton.web.retry-after must not be negative, was " + written(retryAfter));
      }
    }
  }

  /**
   * The Redis backend (baton.backend=redis), which connects where spring.data.redis.* points.
   *
   * @param lease How long a held permit or a waiting call survives without renewal: an instance
   *     that dies loses its permits this long after its last renewal; also how long a Redis
   *     that restarted grants nothing. At least 300ms, at most 106751d.
   * @param keyPrefix First part of every Redis key and channel Baton uses, so that several
   *     applications can share one Redis. Must not be blank, contain braces, nor start or end
   *     with whitespace (a trailing space a .properties file keeps would name other keys).
   * @param commandTimeout How long one Redis command may take before the call fails; unset:
   *     spring.data.redis.timeout if set, else 5s. At most 106751d (what a long counts in
   *     nanoseconds): every command has a timeout, so a longer one cannot mean none.
   */
  public record Redis(@DefaultValue("30s") Duration lease, @DefaultValue("baton") String keyPrefix,
      Duration commandTimeout) {

    /** The shortest lease: renewals run every third of it. */
    public static final Duration MIN_LEASE = Duration.ofMillis(300);

    public Redis {
      lease = lease == null ? Duration.ofSeconds(30) : lease;
      keyPrefix = keyPrefix == null ? "baton" : keyPrefix;
      if (lease.compareTo(MIN_LEASE) < 0 || lease.compareTo(LONGEST) > 0) {
        throw new IllegalArgumentException("baton.redis.lease must be at least "
            + written(MIN_LEASE) + " and at most what a long counts in nanoseconds (about 292"
            + " years), was " + written(lease));
      }
      if (keyPrefix.isBlank() || keyPrefix.contains("{") || keyPrefix.contains("}")) {
        throw new IllegalArgumentException("baton.redis.key-prefix must be non-blank and free of"
            + " '{' and '}' (Redis Cluster's hash-tag delimiters), was '" + keyPrefix + "'");
      }
      if (!keyPrefix.equals(keyPrefix.strip())) {
        throw new IllegalArgumentException("baton.redis.key-prefix must not start or end with"
            + " whitespace, which other instances may read otherwise, was '" + keyPrefix + "'");
      }
      if (commandTimeout != null && (commandTimeout.isNegative() || commandTimeout.isZero()
          || commandTimeout.compareTo(LONGEST) > 0)) {
        throw new IllegalArgumentException("baton.redis.command-timeout must be positive and at"
            + " most what a long counts in nanoseconds (about 292 years), was "
            + written(commandTimeout));
      }
    }
  }
}
