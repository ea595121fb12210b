package dev.baton.sample.catalog;

/**
 * A product of the catalog.
 *
 * @param sku its stock-keeping unit, the key used by the stock service too
 * @param name what it is called
 * @param priceCents its price in cents
 */
public record Product(String sku, String name, long priceCents) {}
