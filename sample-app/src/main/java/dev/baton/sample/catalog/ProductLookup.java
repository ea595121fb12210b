package dev.baton.sample.catalog;

import dev.baton.annotation.AwaitsEvent;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.springframework.stereotype.Service;

/**
 * Product reads for request handlers. {@code @AwaitsEvent} holds each read until
 * {@code catalog-loaded} is set, without a thread, so no request sees a half-loaded catalog; a
 * read that waits longer than {@code baton.events.catalog-loaded.timeout} fails with
 * {@link dev.baton.AcquireTimeoutException}.
 */
@Service
public class ProductLookup {

  private final Catalog catalog;

  ProductLookup(Catalog catalog) {
    this.catalog = catalog;
  }

  /** The product with {@code sku} once the catalog has loaded; empty if it has no such product. */
  @AwaitsEvent(CatalogLoader.LOADED)
  public CompletableFuture<Optional<Product>> find(String sku) {
    return CompletableFuture.completedFuture(catalog.find(sku));
  }
}
