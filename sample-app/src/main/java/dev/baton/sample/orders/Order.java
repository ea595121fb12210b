package dev.baton.sample.orders;

/**
 * An order waiting to be fulfilled. With the redis profile it travels through the shared
 * {@code orders} queue as JSON, so any instance may fulfil it.
 *
 * @param id its number among the orders placed on {@code placedBy}, in the order they came
 * @param sku what was ordered
 * @param quantity how many units
 * @param placedBy the {@linkplain dev.baton.sample.InstanceName name} of the instance it was
 *     placed on
 */
public record Order(long id, String sku, int quantity, String placedBy) {}
