package dev.baton.spring.aspect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.spring.aspect.TestServices.TransactionalService;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Import;
import org.springframework.transaction.annotation.EnableTransactionManagement;

/**
 * {@code @Transactional} ordered first ({@code @EnableTransactionManagement(order = 0)}) with the
 * default {@code baton.aspect-order}: Baton's aspects run inside the transaction, so the lock is
 * taken after the transaction begins and released before it commits.
 */
@SpringBootTest(classes = BatonInsideTransactionTest.App.class, properties = {
    "spring.main.banner-mode=off",
    "logging.level.root=warn"})
@Timeout(30)
class BatonInsideTransactionTest extends TransactionTestSupport {

  @Test
  void theLockIsTakenAfterTheTransactionBeginsAndReleasedBeforeItCommits() {
    service.update();

    assertThat(journal.entries()).containsExactly(
        "begin (lock held: false)",
        "body, transaction active: true (lock held: true)",
        "commit (lock held: false)");
  }

  @Test
  void theLockIsReleasedBeforeTheTransactionRollsBack() {
    assertThatThrownBy(service::failingUpdate).isInstanceOf(IllegalStateException.class);

    assertThat(journal.entries()).containsExactly(
        "begin (lock held: false)",
        "body, transaction active: true (lock held: true)",
        "rollback (lock held: false)");
    assertThat(registry.lock(TransactionalService.LOCK).isLocked()).isFalse();
  }

  @SpringBootConfiguration(proxyBeanMethods = false)
  @EnableAutoConfiguration
  @EnableTransactionManagement(proxyTargetClass = true, order = 0)
  @Import(TransactionTestConfiguration.class)
  static class App {
  }
}
