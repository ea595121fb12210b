package dev.baton.sample.catalog;

import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Starts the first catalog load once the application is ready, without waiting for it: the
 * server answers at once, and product requests wait (threadless) for {@code catalog-loaded}.
 */
@Component
class CatalogWarmUp {

  private final CatalogLoader loader;

  CatalogWarmUp(CatalogLoader loader) {
    this.loader = loader;
  }

  @EventListener(ApplicationReadyEvent.class)
  void loadCatalog() {
    loader.load();
  }
}
