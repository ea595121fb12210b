package dev.baton.sample.orders;

/** How the fulfilment of an order ended. */
public enum Outcome {
  /** Stock reserved and payment charged. */
  FULFILLED,
  /** Not enough stock: nothing was charged. */
  OUT_OF_STOCK,
  /** A step failed, for example a payment that waited too long for a permit. */
  FAILED
}
