package dev.baton.spring.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.Permit;
import dev.baton.spring.TestProperties;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The registry's per-key lock families: what they reveal and what they count. */
class KeyedLocksTests {

  private final LocalPrimitiveRegistry registry = new LocalPrimitiveRegistry(
      TestProperties.defaults(), List.of(site -> outcome -> { }), true);

  @Test
  void releasingAKeyPermitTwiceNamesTheFamilyButNeverTheKey() {
    Permit permit = registry.lock("accounts", "alice@example.com").acquire().join();
    permit.release();

    assertThatThrownBy(permit::release).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("lock 'accounts'")
        .hasMessageNotContaining("alice");
  }
}
