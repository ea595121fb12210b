package dev.baton.sample.catalog;

import dev.baton.annotation.SetsEvent;
import dev.baton.sample.SimulatedLatency;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.springframework.stereotype.Service;

/**
 * Loads the catalog from a slow supplier feed (simulated: {@value #LOAD_MILLIS} ms). When a load
 * completes normally, {@code @SetsEvent} sets the event {@code catalog-loaded}, releasing every
 * request that {@link ProductLookup} holds back; a failed load leaves the event as it was.
 */
@Service
public class CatalogLoader {

  /** The event that tells request handlers the catalog is ready. */
  public static final String LOADED = "catalog-loaded";

  private static final long LOAD_MILLIS = 1000;
  private static final List<Product> FEED = List.of(
      new Product("tea", "Green tea, 100 g", 650),
      new Product("coffee", "Espresso beans, 250 g", 890),
      new Product("cocoa", "Cocoa powder, 200 g", 420),
      new Product("mate", "Yerba mate, 500 g", 1150));

  private final Catalog catalog;

  CatalogLoader(Catalog catalog) {
    this.catalog = catalog;
  }

  /** Loads the feed into the catalog; completes with the number of products loaded. */
  @SetsEvent(LOADED)
  public CompletableFuture<Integer> load() {
    return SimulatedLatency.after(Duration.ofMillis(LOAD_MILLIS), () -> {
      catalog.putAll(FEED);
      return catalog.size();
    });
  }
}
