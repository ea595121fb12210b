package dev.baton;

/** Argument checks whose messages name the argument. */
final class Arguments {

  private Arguments() {}

  static int requirePositive(int value, String name) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be positive, was " + value);
    }
    return value;
  }
}
