package dev.baton.sample.orders;

/**
 * An order waiting to be fulfilled.
 *
 * @param id its number, in the order it was accepted
 * @param sku what was ordered
 * @param quantity how many units
 */
public record Order(long id, String sku, int quantity) {}
