package dev.baton.sample.catalog;

import dev.baton.spring.PrimitiveRegistry;
import java.util.concurrent.CompletableFuture;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /catalog/products/{sku}} answers once the catalog has loaded (404 for an unknown
 * SKU). {@code POST /catalog/reload} clears {@code catalog-loaded} and loads again: product reads
 * made meanwhile wait for the new load, and the page's event card shows the event clear.
 */
@RestController
@RequestMapping("/catalog")
class CatalogController {

  private final ProductLookup lookup;
  private final CatalogLoader loader;
  private final PrimitiveRegistry registry;

  CatalogController(ProductLookup lookup, CatalogLoader loader, PrimitiveRegistry registry) {
    this.lookup = lookup;
    this.loader = loader;
    this.registry = registry;
  }

  @GetMapping("/products/{sku}")
  CompletableFuture<ResponseEntity<Product>> product(@PathVariable String sku) {
    return lookup.find(sku).thenApply(ResponseEntity::of);
  }

  @PostMapping("/reload")
  CompletableFuture<Reloaded> reload() {
    registry.event(CatalogLoader.LOADED).clear();
    return loader.load().thenApply(Reloaded::new);
  }

  /** The outcome of a reload: how many products the catalog holds. */
  record Reloaded(int products) {}
}
