package dev.baton.spring.stall;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.spring.observation.CallBits;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link HashBits} never answers "absent" for a hash added, answers "present" for others no more
 * often than its bits per hash allow, and keeps no more bits than a wait keeps of a hash.
 */
class HashBitsTest {

  private static final int HASH_MASK = (1 << CallBits.HASH_BITS) - 1;

  @Test
  void everyHashAddedIsPresentAndAddedOnlyOnce() {
    SplittableRandom random = new SplittableRandom(7);
    int[] hashes = random.ints(10_000, 0, HASH_MASK + 1).toArray();
    HashBits bits = new HashBits(hashes.length, HashBits.DENSE);

    for (int hash : hashes) {
      bits.add(hash);
    }

    for (int hash : hashes) {
      assertThat(bits.mayContain(hash)).as("hash %d was added", hash).isTrue();
      assertThat(bits.add(hash)).as("hash %d is added again", hash).isFalse();
    }
  }

  @Test
  void aHashNotAddedIsPresentLessThanOnceInItsBitsPerHash() {
    SplittableRandom random = new SplittableRandom(11);
    HashBits bits = new HashBits(1_000, HashBits.DENSE);
    for (int i = 0; i < 1_000; i++) {
      bits.add(random.nextInt(HASH_MASK + 1));
    }

    int asked = 100_000;
    int present = 0;
    for (int i = 0; i < asked; i++) {
      if (bits.mayContain(random.nextInt(HASH_MASK + 1))) {
        present++;
      }
    }

    assertThat(present).as("hashes never added answered present").isLessThan(asked / 16);
  }

  @Test
  void aTableForMoreHashesThanFitKeepsOneBitForEachHashAWaitCanKeep() {
    HashBits bits = new HashBits(1_000_000, HashBits.DENSE);

    bits.add(5);

    assertThat(bits.mayContain(5 | 1 << CallBits.HASH_BITS))
        .as("a hash differing only past the bits a wait keeps shares the bit: no table above them")
        .isTrue();
    assertThat(bits.mayContain(5 | 1 << (CallBits.HASH_BITS - 1))).isFalse();
  }
}
