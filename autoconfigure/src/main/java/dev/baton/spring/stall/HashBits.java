package dev.baton.spring.stall;

import dev.baton.spring.observation.CallBits;

/**
 * A set of the hashes waits keep of their calls ({@link CallBits#hash(int)}), kept as one bit each,
 * in a bit table of a power-of-two size: it may answer "present" for a hash never added (another
 * with the same low bits was), never "absent" for one added. It lets {@link WaitForGraph} tell,
 * from hashes it read once, which of many calls can be none of a few others, or are seen once only,
 * without reading the calls or filling a map with all of them; a "present" is then settled exactly
 * by a map.
 *
 * <p>With at least {@code b} bits of table per hash added, a hash not added is answered
 * "present" less than once in {@code b} times: {@link #DENSE} keeps a table for many hashes
 * within a processor's cache, {@link #SPARSE} suits a table for few. A table has at most
 * 2<sup>{@value CallBits#HASH_BITS}</sup> bits, one for each hash a wait can keep: a larger one
 * would leave its upper part unused.
 */
final class HashBits {

  /** Bits of table per hash, for a table of many hashes. */
  static final int DENSE = 16;
  /** Bits of table per hash, for a table of few hashes, read often. */
  static final int SPARSE = 256;
  /** The most bits a table has: one for each hash a wait can keep. */
  private static final long MOST_BITS = 1L << CallBits.HASH_BITS;

  private final long[] words;
  private final int mask;

  /** A table for about {@code hashes} hashes, with {@code bitsPerHash} bits each if it can. */
  HashBits(int hashes, int bitsPerHash) {
    long wanted = Math.min(MOST_BITS, Math.max(64L, (long) hashes * bitsPerHash));
    int bits = Integer.highestOneBit((int) wanted - 1) << 1;
    words = new long[bits >>> 6];
    mask = bits - 1;
  }

  /** Adds {@code hash}; false if its bit was set already (it, or one like it, was added). */
  boolean add(int hash) {
    int bit = hash & mask;
    long word = words[bit >>> 6];
    long set = word | 1L << bit;
    words[bit >>> 6] = set;
    return set != word;
  }

  /** Whether {@code hash}, or one with the same bit, was added. */
  boolean mayContain(int hash) {
    int bit = hash & mask;
    return (words[bit >>> 6] & 1L << bit) != 0;
  }
}
