package dev.baton.sample.catalog;

import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.stereotype.Component;

/**
 * The products known to the shop, filled by {@link CatalogLoader}. Reads never wait here:
 * {@link ProductLookup} is what holds requests back until the catalog has loaded. Thread-safe.
 */
@Component
public class Catalog {

  private final Map<String, Product> products = new ConcurrentHashMap<>();

  /** Adds or replaces {@code loaded}, keyed by SKU. */
  void putAll(Collection<Product> loaded) {
    loaded.forEach(product -> products.put(product.sku(), product));
  }

  /** The product with {@code sku}, if loaded. */
  public Optional<Product> find(String sku) {
    return Optional.ofNullable(products.get(sku));
  }

  /** How many products are loaded. */
  public int size() {
    return products.size();
  }
}
