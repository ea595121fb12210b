package dev.baton.spring.redis;

import dev.baton.annotation.AwaitsEvent;
import dev.baton.annotation.Guarded;
import dev.baton.annotation.Limited;
import dev.baton.annotation.SetsEvent;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;

/**
 * One instance of an application using {@code baton.backend=redis}: annotated services whose
 * calls hold their permit or lock until the test completes the future it passed in. Tests start
 * two of these against one Redis; what the services see is kept in one {@link Journal} shared by
 * both, standing for the world outside the instances.
 */
@SpringBootConfiguration(proxyBeanMethods = false)
@EnableAutoConfiguration
class RedisTestApplication {

  @Bean
  Payments payments() {
    return new Payments();
  }

  @Bean
  Stock stock() {
    return new Stock();
  }

  @Bean
  Catalog catalog() {
    return new Catalog();
  }

  /** An item of the test's queues, with a score for the priority one. */
  public record Job(String id, int priority) {}

  /** What every instance's services did, in order: shared by all instances in this JVM. */
  static final class Journal {
    static final List<String> entered = new CopyOnWriteArrayList<>();
    static final AtomicInteger inFlight = new AtomicInteger();
    static final AtomicInteger mostInFlight = new AtomicInteger();

    private Journal() {}

    static void reset() {
      entered.clear();
      inFlight.set(0);
      mostInFlight.set(0);
    }
  }

  public static class Payments {
    /** Holds one of the shared permits of {@code payments} until {@code done} completes. */
    @Limited("payments")
    public CompletableFuture<String> pay(String call, CompletableFuture<String> done) {
      Journal.entered.add(call);
      Journal.mostInFlight.accumulateAndGet(Journal.inFlight.incrementAndGet(), Math::max);
      return done.whenComplete((result, failure) -> Journal.inFlight.decrementAndGet());
    }
  }

  public static class Stock {
    /** Holds the shared lock of {@code sku} until {@code done} completes. */
    @Guarded(value = "stock", key = "#sku")
    public CompletableFuture<String> reserve(String sku, String call,
        CompletableFuture<String> done) {
      Journal.entered.add(call);
      return done;
    }
  }

  public static class Catalog {
    @AwaitsEvent(value = "catalog-loaded", timeout = "20s")
    public CompletableFuture<String> browse() {
      Journal.entered.add("browse");
      return CompletableFuture.completedFuture("browsed");
    }

    @SetsEvent("catalog-loaded")
    public void load() {
      Journal.entered.add("load");
    }
  }
}
