package dev.baton.spring.aspect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.spring.aspect.TestServices.TransactionalService;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code @Transactional} with {@code @Guarded} at the default {@code baton.aspect-order}
 * ({@code LOWEST_PRECEDENCE - 100}) and the default transaction advisor order
 * ({@code LOWEST_PRECEDENCE}): Baton's aspects run outside the transaction.
 */
@BatonAspectsTest
@Timeout(30)
class TransactionalInterplayTest extends TransactionTestSupport {

  @Test
  void theLockIsTakenBeforeTheTransactionBeginsAndReleasedAfterItCommits() {
    service.update();

    assertThat(journal.entries()).containsExactly(
        "begin (lock held: true)",
        "body, transaction active: true (lock held: true)",
        "commit (lock held: true)");
    assertThat(registry.lock(TransactionalService.LOCK).isLocked()).isFalse();
  }

  @Test
  void theLockIsReleasedOnlyAfterTheTransactionRollsBack() {
    assertThatThrownBy(service::failingUpdate).isInstanceOf(IllegalStateException.class);

    assertThat(journal.entries()).containsExactly(
        "begin (lock held: true)",
        "body, transaction active: true (lock held: true)",
        "rollback (lock held: true)");
    assertThat(registry.lock(TransactionalService.LOCK).isLocked()).isFalse();
  }
}
