package dev.baton.sample.stock;

/**
 * The outcome of one reservation.
 *
 * @param sku what was reserved
 * @param quantity how many were asked for
 * @param accepted whether they were reserved (false: not enough stock, nothing changed)
 * @param remaining the stock level for {@code sku} afterwards
 */
public record Reservation(String sku, int quantity, boolean accepted, int remaining) {}
