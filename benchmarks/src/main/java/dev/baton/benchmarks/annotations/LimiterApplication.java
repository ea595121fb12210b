package dev.baton.benchmarks.annotations;

import dev.baton.spring.observation.HoldTrackingRequest;
import dev.baton.spring.stall.StallView;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.springframework.boot.Banner;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.annotation.ImportCandidates;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.resilience.annotation.EnableResilientMethods;

/**
 * The Spring Boot application an annotation benchmark starts, one context per JMH trial, holding
 * one {@link CallTarget} bean and the machinery of its own limiter alone: Spring Boot's
 * auto-configuration (read from the shaded jar's merged {@code AutoConfiguration.imports}, so
 * Baton's and Resilience4j's aspects come from their starters as in an application), less Baton's
 * auto-configuration unless the limiter is Baton and less Resilience4j's unless it is Resilience4j;
 * {@code @EnableResilientMethods} only for Spring's {@code @ConcurrencyLimit}; no web server.
 *
 * <p>One limiter per context, so that a score carries only its own limiter's advisors and start-up:
 * an application that uses one of them has the others' starters neither. (A check with all three in
 * one context moved the warmed-up per-call costs by little.)
 *
 * <p>The {@code bench} limiter gets the permits asked for; {@code sanity} gets one permit;
 * Resilience4j's bulkheads wait up to 60 s, so none rejects a call.
 */
@Configuration(proxyBeanMethods = false)
@EnableAutoConfiguration
public class LimiterApplication {

  /** Added to the sources for Spring's {@code @ConcurrencyLimit}. */
  @Configuration(proxyBeanMethods = false)
  @EnableResilientMethods
  static class ResilientMethods {
  }

  /**
   * Starts a context for {@code limiter} ({@code plain}, {@code baton}, {@code batonObserved}:
   * Baton with a meter registry and holder tracking, as in an application with the actuator and
   * the {@code baton} endpoint, {@code batonStalls} and {@code batonObservedStalls}: the same two
   * with {@code baton.stalls.level=basic}, {@code spring}, {@code resilience4j}) whose
   * {@code bench} limiter has {@code permits} permits around {@code body}; the target bean is its
   * only {@link CallTarget}. A stall-view limiter's context must hold a {@link StallView}.
   */
  public static ConfigurableApplicationContext start(String limiter, Body body, int permits) {
    Function<Body, CallTarget> target = switch (limiter) {
      case "plain" -> PlainTarget::new;
      case "baton", "batonObserved", "batonStalls", "batonObservedStalls" ->
          BatonLimitedTarget::new;
      case "spring" -> SpringConcurrencyLimitTarget::new;
      case "resilience4j" -> Resilience4jBulkheadTarget::new;
      default -> throw new IllegalArgumentException("unknown limiter: " + limiter);
    };
    List<Class<?>> sources = new ArrayList<>(List.of(LimiterApplication.class));
    if (limiter.equals("spring")) {
      sources.add(ResilientMethods.class);
    }
    List<String> excluded = new ArrayList<>();
    boolean baton = limiter.startsWith("baton");
    if (!baton) {
      excluded.addAll(autoConfigurations("dev.baton."));
    }
    if (!limiter.equals("resilience4j")) {
      excluded.addAll(autoConfigurations("io.github.resilience4j."));
    }
    boolean stalls = hasStallView(limiter);
    CallTarget bean = target.apply(body);
    @SuppressWarnings("unchecked")
    Class<CallTarget> type = (Class<CallTarget>) bean.getClass();
    List<String> properties = new ArrayList<>(List.of(
        "spring.main.web-application-type=none",
        "spring.autoconfigure.exclude=" + String.join(",", excluded),
        "logging.level.root=warn",
        "bench.permits=" + permits,
        "baton.semaphores.bench.permits=" + permits,
        "resilience4j.bulkhead.instances.bench.max-concurrent-calls=" + permits,
        "resilience4j.bulkhead.instances.bench.max-wait-duration=60s",
        "resilience4j.bulkhead.instances.sanity.max-concurrent-calls=1",
        "resilience4j.bulkhead.instances.sanity.max-wait-duration=60s"));
    if (stalls) {
      // Otherwise unset, as in an application that never heard of it: the default, off.
      properties.add("baton.stalls.level=basic");
    }
    ConfigurableApplicationContext context = new SpringApplicationBuilder(
        sources.toArray(Class<?>[]::new))
        .web(WebApplicationType.NONE)
        .bannerMode(Banner.Mode.OFF)
        .logStartupInfo(false)
        .initializers(app -> {
          GenericApplicationContext registry = (GenericApplicationContext) app;
          registry.registerBean("target", type, () -> bean);
          if (limiter.startsWith("batonObserved")) {
            registry.registerBean(SimpleMeterRegistry.class);
            registry.registerBean(HoldTrackingRequest.class);
          }
        })
        .properties(properties.toArray(String[]::new))
        .run();
    if (stalls && context.getBeanProvider(StallView.class).getIfAvailable() == null) {
      context.close();
      throw new IllegalStateException(limiter + ": baton.stalls.level=basic, but the context has"
          + " no StallView: the stall view's auto-configuration is missing from the jar");
    }
    return context;
  }

  /** Whether {@code limiter} runs with the stall view on ({@code baton.stalls.level=basic}). */
  static boolean hasStallView(String limiter) {
    return limiter.startsWith("baton") && limiter.endsWith("Stalls");
  }

  /** The context's target bean, through its proxy if it has one. */
  static CallTarget target(ConfigurableApplicationContext context) {
    return context.getBean("target", CallTarget.class);
  }

  private static List<String> autoConfigurations(String packagePrefix) {
    List<String> names = new ArrayList<>();
    for (String name : ImportCandidates.load(AutoConfiguration.class,
        LimiterApplication.class.getClassLoader())) {
      if (name.startsWith(packagePrefix)) {
        names.add(name);
      }
    }
    return names;
  }
}
