package dev.baton.spring.observation;

/**
 * What a pending wait keeps of its {@link Call}, so that a walk of many waits reads no call: the
 * low {@value #HASH_BITS} bits of the call's {@link Call#hashCode()} and whether it was made from
 * another call, in the 24 bits of {@link #of}. A wait keeps them as a {@code short} and a
 * {@code byte} ({@link #low}, {@link #high}) in the three bytes its layout leaves free beside a
 * one-byte field, so that they cost no heap; {@link #join} puts them back together.
 *
 * <p>The hash part tells calls apart as a hash does: equal for one call, and for two calls only
 * by chance (once in 2<sup>{@value #HASH_BITS}</sup> pairs), so whoever groups waits by it
 * compares the calls themselves (by reference, which reads neither) when the hashes are equal.
 */
public final class CallBits {

  /** How many bits of the call's hash are kept. */
  public static final int HASH_BITS = 23;
  /** What a wait whose call is unknown keeps. */
  public static final int UNKNOWN = 0;

  private static final int HASH_MASK = (1 << HASH_BITS) - 1;
  private static final int MADE = 1 << HASH_BITS;

  private CallBits() {}

  /** The bits kept of {@code call}, or {@link #UNKNOWN} for null. */
  public static int of(Call call) {
    if (call == null) {
      return UNKNOWN;
    }
    return hash(call) | (call.parent() != null ? MADE : 0);
  }

  /** The hash part for {@code call}: equal to {@link #hash(int)} of the bits kept of it. */
  public static int hash(Call call) {
    return call.hashCode() & HASH_MASK;
  }

  /** The hash part of {@code bits}. */
  public static int hash(int bits) {
    return bits & HASH_MASK;
  }

  /** Whether the call of {@code bits} was made from another call. */
  public static boolean made(int bits) {
    return (bits & MADE) != 0;
  }

  /** The low 16 of the 24 bits, for a wait's {@code short} field. */
  static short low(int bits) {
    return (short) bits;
  }

  /** The high 8 of the 24 bits, for a wait's {@code byte} field. */
  static byte high(int bits) {
    return (byte) (bits >>> 16);
  }

  /** The 24 bits from a wait's two fields. */
  static int join(short low, byte high) {
    return (high & 0xFF) << 16 | low & 0xFFFF;
  }
}
