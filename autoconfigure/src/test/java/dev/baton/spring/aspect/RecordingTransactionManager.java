package dev.baton.spring.aspect;

import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.AbstractPlatformTransactionManager;
import org.springframework.transaction.support.DefaultTransactionStatus;

/**
 * A real, resource-free {@code PlatformTransactionManager}: Spring's transaction machinery runs
 * as usual (synchronizations, rollback rules), and begin, commit and rollback are written to a
 * {@link TransactionJournal}.
 */
final class RecordingTransactionManager extends AbstractPlatformTransactionManager {

  private static final long serialVersionUID = 1L;

  private final transient TransactionJournal journal;

  RecordingTransactionManager(TransactionJournal journal) {
    this.journal = journal;
  }

  @Override
  protected Object doGetTransaction() {
    return new Object();
  }

  @Override
  protected void doBegin(Object transaction, TransactionDefinition definition) {
    journal.record("begin");
  }

  @Override
  protected void doCommit(DefaultTransactionStatus status) {
    journal.record("commit");
  }

  @Override
  protected void doRollback(DefaultTransactionStatus status) {
    journal.record("rollback");
  }
}
