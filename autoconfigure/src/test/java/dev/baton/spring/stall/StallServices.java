package dev.baton.spring.stall;

import dev.baton.annotation.Guarded;
import io.micrometer.context.ContextSnapshotFactory;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;

/**
 * Services that deadlock the way real ones do: {@link OrderService#place} locks an item's
 * inventory and then posts to the ledger; {@link LedgerService#transfer} locks the ledger and
 * then reserves inventory. Each continues, once {@code go} completes, on an executor wrapped with
 * a context snapshot taken in its body (Micrometer's context-propagation), so the inner call is
 * known as made from the outer one.
 */
final class StallServices {

  private static final ContextSnapshotFactory SNAPSHOTS = ContextSnapshotFactory.builder().build();

  private StallServices() {}

  /** {@code executor}, running tasks in the context current now. */
  static Executor inThisContext(Executor executor) {
    return SNAPSHOTS.captureAll().wrapExecutor(executor);
  }

  @SpringBootConfiguration(proxyBeanMethods = false)
  @EnableAutoConfiguration
  static class Application {

    @Bean(destroyMethod = "shutdownNow")
    ExecutorService continuations() {
      return Executors.newCachedThreadPool();
    }

    @Bean
    InventoryService inventoryService() {
      return new InventoryService();
    }

    @Bean
    LedgerService ledgerService(InventoryService inventory, ExecutorService continuations) {
      return new LedgerService(inventory, continuations);
    }

    @Bean
    OrderService orderService(LedgerService ledger, ExecutorService continuations) {
      return new OrderService(ledger, continuations);
    }
  }

  public static class InventoryService {

    @Guarded(value = "inventory", key = "#sku", timeout = "3s")
    public CompletableFuture<String> reserve(String sku) {
      return CompletableFuture.completedFuture("reserved");
    }
  }

  public static class LedgerService {
    private final InventoryService inventory;
    private final ExecutorService continuations;

    LedgerService(InventoryService inventory, ExecutorService continuations) {
      this.inventory = inventory;
      this.continuations = continuations;
    }

    /** Times out first, while the deadlock still holds, so its message can name it whole. */
    @Guarded(value = "ledger", timeout = "2s")
    public CompletableFuture<String> post() {
      return CompletableFuture.completedFuture("posted");
    }

    @Guarded(value = "ledger", timeout = "3s")
    public CompletableFuture<String> transfer(String sku, CompletableFuture<Void> go) {
      return go.thenComposeAsync(ready -> inventory.reserve(sku), inThisContext(continuations));
    }
  }

  public static class OrderService {
    private final LedgerService ledger;
    private final ExecutorService continuations;

    OrderService(LedgerService ledger, ExecutorService continuations) {
      this.ledger = ledger;
      this.continuations = continuations;
    }

    @Guarded(value = "inventory", key = "#sku", timeout = "3s")
    public CompletableFuture<String> place(String sku, CompletableFuture<Void> go) {
      return go.thenComposeAsync(ready -> ledger.post(), inThisContext(continuations));
    }
  }
}
