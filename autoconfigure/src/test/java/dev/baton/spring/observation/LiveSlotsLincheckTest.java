package dev.baton.spring.observation;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Lincheck: {@link LiveSlots} of elements that leave by removal, as one stripe of a
 * {@link StripedSlots}, is a linearizable set under add, remove, contains and a membership test
 * made by walking it, and its size is exact once quiet ({@link SlotsHarness}). With six elements
 * over arrays of at least four slots, runs grow, compact and empty the array under concurrent
 * walks.
 */
@Tag("lincheck")
public class LiveSlotsLincheckTest extends SlotsHarness {

  public LiveSlotsLincheckTest() {
    super(new StripedSlots<>(1, false));
  }

  @Test
  public void modelChecking() {
    modelCheckingOptions().check(getClass());
  }

  @Test
  public void stress() {
    stressOptions().check(getClass());
  }
}
