package dev.baton.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.Test;

/**
 * {@link QueueScore}: an integer score beyond ±2^53 is refused by its size, also one a double
 * happens to hold (a multiple of a power of two), or an application whose scores are large
 * (epoch nanoseconds, snowflake ids) would pass its tests with round numbers and fail at random.
 */
class QueueScoreTest {

  private final ToDoubleFunction<Object> score = QueueScore.itemValue("ranks");

  @Test
  void everyIntegerScoreBeyondTwoToThe53IsRefusedNotOnlyThoseADoubleRounds() {
    long roundBeyond = 1L << 54; // held exactly by a double
    LongAdder added = new LongAdder();
    added.add(roundBeyond);
    for (Number beyond : new Number[] {roundBeyond, -roundBeyond, (1L << 53) + 1,
        1_000_000_000_000_000_000L, Long.MIN_VALUE, BigInteger.ONE.shiftLeft(80), added}) {
      assertThatThrownBy(() -> score.applyAsDouble(beyond)).as("score %s", beyond)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("priority queue 'ranks': the item is " + beyond)
          .hasMessageContaining("2^53");
    }
  }

  @Test
  void integersWithinTwoToThe53AndDecimalsAreTheirOwnScore() {
    long limit = 1L << 53;
    assertThat(score.applyAsDouble(limit)).isEqualTo(0x1p53);
    assertThat(score.applyAsDouble(-limit)).isEqualTo(-0x1p53);
    assertThat(score.applyAsDouble(BigInteger.valueOf(limit))).isEqualTo(0x1p53);
    assertThat(score.applyAsDouble(Integer.MIN_VALUE)).isEqualTo(Integer.MIN_VALUE);
    assertThat(score.applyAsDouble(1e300)).isEqualTo(1e300);
    assertThat(score.applyAsDouble(new BigDecimal("0.1"))).isEqualTo(0.1);
  }

  /** A static method reads no item: named as a score property, it fails start-up as no accessor. */
  @Test
  void aStaticMethodOfTheItemTypeIsNoScoreProperty() {
    assertThatThrownBy(() -> QueueScore.property("jobs", Ranked.class, "rank"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("baton.queues.jobs.score-property=rank names no public numeric"
            + " accessor of " + Ranked.class.getName());
  }

  /** An item type whose only {@code rank()} is static. */
  public static final class Ranked {
    public static int rank() {
      return 1;
    }
  }
}
