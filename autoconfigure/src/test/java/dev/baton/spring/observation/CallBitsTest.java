package dev.baton.spring.observation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A wait keeps its call's hash part and whether it was made from another call exactly, in two
 * fields whose parts are signed: the graph of the stall view reads them instead of the call.
 */
class CallBitsTest {

  @Test
  void aWaitKeepsItsCallsHashAndWhetherItWasMadeFromAnother() {
    Call caller = TestCalls.call("Orders.place");
    Call made = TestCalls.call("Ledger.post", caller);
    for (Call call : new Call[] {caller, made}) {
      PendingWait wait = new PlainWait(call, false) {
        @Override
        public WaitSite site() {
          throw new UnsupportedOperationException();
        }

        @Override
        public LiveHolds holders() {
          throw new UnsupportedOperationException();
        }
      };
      assertThat(wait.callBits()).isEqualTo(CallBits.of(call));
      assertThat(CallBits.hash(wait.callBits())).isEqualTo(CallBits.hash(call));
      assertThat(CallBits.made(wait.callBits())).isEqualTo(call.parent() != null);
    }
    assertThat(CallBits.made(CallBits.of(caller))).isFalse();
    assertThat(CallBits.made(CallBits.of(made))).isTrue();
  }

  @Test
  void theTwoPartsJoinBackWhateverTheirSigns() {
    for (int bits : new int[] {0, 1, 0x7FFF, 0x8000, 0xFFFF, 0x7F_0000, 0x80_0000, 0xFF_FFFF,
        0x80_8080, 0x12_3456}) {
      assertThat(CallBits.join(CallBits.low(bits), CallBits.high(bits))).isEqualTo(bits);
    }
  }

  @Test
  void aCallsHashIsFixedAndSpread() {
    Call call = TestCalls.call("Orders.place");
    assertThat(call.hashCode()).isEqualTo(call.hashCode());
    Set<Integer> parts = new HashSet<>();
    for (int i = 0; i < 1_000; i++) {
      parts.add(CallBits.hash(TestCalls.call("Orders.place")));
    }
    assertThat(parts).hasSizeGreaterThan(990); // 1,000 draws from 2^23: a clash or two at most
  }
}
