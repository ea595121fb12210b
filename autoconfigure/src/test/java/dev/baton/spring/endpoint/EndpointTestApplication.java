package dev.baton.spring.endpoint;

import dev.baton.annotation.Guarded;
import dev.baton.annotation.Limited;
import java.util.concurrent.CompletableFuture;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;

/**
 * A web application with Baton, the actuator and annotated services whose calls hold their lock
 * or permit until the test completes the future it passed in.
 */
@SpringBootConfiguration(proxyBeanMethods = false)
@EnableAutoConfiguration
class EndpointTestApplication {

  @Bean
  Ledger ledger() {
    return new Ledger();
  }

  @Bean
  Payments payments() {
    return new Payments();
  }

  @Bean
  Stock stock() {
    return new Stock();
  }

  public static class Ledger {
    @Guarded("ledger")
    public CompletableFuture<String> write(CompletableFuture<String> done) {
      return done;
    }
  }

  public static class Payments {
    @Limited(value = "payments", permits = 2)
    public CompletableFuture<String> charge(CompletableFuture<String> done) {
      return done;
    }
  }

  public static class Stock {
    @Guarded(value = "stock", key = "#sku")
    public CompletableFuture<String> reserve(String sku, CompletableFuture<String> done) {
      return done;
    }
  }
}
