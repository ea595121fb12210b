package dev.baton.spring.aspect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.transaction.support.TransactionSynchronizationManager.bindResource;
import static org.springframework.transaction.support.TransactionSynchronizationManager.getCurrentTransactionIsolationLevel;
import static org.springframework.transaction.support.TransactionSynchronizationManager.getCurrentTransactionName;
import static org.springframework.transaction.support.TransactionSynchronizationManager.getResourceMap;
import static org.springframework.transaction.support.TransactionSynchronizationManager.getSynchronizations;
import static org.springframework.transaction.support.TransactionSynchronizationManager.initSynchronization;
import static org.springframework.transaction.support.TransactionSynchronizationManager.isActualTransactionActive;
import static org.springframework.transaction.support.TransactionSynchronizationManager.isCurrentTransactionReadOnly;
import static org.springframework.transaction.support.TransactionSynchronizationManager.isSynchronizationActive;
import static org.springframework.transaction.support.TransactionSynchronizationManager.registerSynchronization;
import static org.springframework.transaction.support.TransactionSynchronizationManager.setActualTransactionActive;
import static org.springframework.transaction.support.TransactionSynchronizationManager.setCurrentTransactionIsolationLevel;
import static org.springframework.transaction.support.TransactionSynchronizationManager.setCurrentTransactionName;
import static org.springframework.transaction.support.TransactionSynchronizationManager.setCurrentTransactionReadOnly;

import java.sql.Connection;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * A body run away from its caller sees no transaction, and the running thread gets back exactly
 * the transaction state it had: its own when it had one, none when it had none, whatever the body
 * left bound.
 */
class SuspendedTransactionTest {

  @AfterEach
  void leaveTheThreadClean() {
    List.copyOf(getResourceMap().keySet())
        .forEach(TransactionSynchronizationManager::unbindResourceIfPossible);
    TransactionSynchronizationManager.clear();
  }

  @Test
  void aThreadsTransactionIsOffItWhileSuspendedAndBackExactlyAfterwards() {
    TransactionSynchronization synchronization = new TransactionSynchronization() { };
    bindResource("data source", "connection");
    initSynchronization();
    registerSynchronization(synchronization);
    setCurrentTransactionName("releaser");
    setCurrentTransactionReadOnly(true);
    setCurrentTransactionIsolationLevel(Connection.TRANSACTION_SERIALIZABLE);
    setActualTransactionActive(true);

    try (SuspendedTransaction suspended = SuspendedTransaction.suspend()) {
      assertNothingBound();
      bindResource("data source", "the body's connection");
      setCurrentTransactionName("body");
    }

    assertThat(getResourceMap()).isEqualTo(Map.of("data source", "connection"));
    assertThat(getSynchronizations()).containsExactly(synchronization);
    assertThat(getCurrentTransactionName()).isEqualTo("releaser");
    assertThat(isCurrentTransactionReadOnly()).isTrue();
    assertThat(getCurrentTransactionIsolationLevel())
        .isEqualTo(Connection.TRANSACTION_SERIALIZABLE);
    assertThat(isActualTransactionActive()).isTrue();
  }

  @Test
  void whatABodyLeavesBoundOnAThreadWithoutATransactionIsCleared() {
    try (SuspendedTransaction suspended = SuspendedTransaction.suspend()) {
      bindResource("data source", "the body's connection");
      initSynchronization();
      setCurrentTransactionName("body");
      setCurrentTransactionReadOnly(true);
      setCurrentTransactionIsolationLevel(Connection.TRANSACTION_SERIALIZABLE);
      setActualTransactionActive(true);
    }

    assertNothingBound();
  }

  private static void assertNothingBound() {
    assertThat(getResourceMap()).isEmpty();
    assertThat(isSynchronizationActive()).isFalse();
    assertThat(getCurrentTransactionName()).isNull();
    assertThat(isCurrentTransactionReadOnly()).isFalse();
    assertThat(getCurrentTransactionIsolationLevel()).isNull();
    assertThat(isActualTransactionActive()).isFalse();
  }
}
