package dev.baton;

import java.lang.reflect.Field;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The guard of a primitive, the lock its slow path takes: for tests that hold it to open a race
 * window on purpose, or read who waits for it.
 */
final class Guards {

  private Guards() {}

  /** The {@code guard} field of {@code primitive}. */
  static ReentrantLock of(Object primitive) throws ReflectiveOperationException {
    Field guard = primitive.getClass().getDeclaredField("guard");
    guard.setAccessible(true);
    return (ReentrantLock) guard.get(primitive);
  }
}
