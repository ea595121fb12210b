package dev.baton.spring.aspect;

import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.AbstractPlatformTransactionManager;
import org.springframework.transaction.support.DefaultTransactionStatus;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * A real, resource-free {@code PlatformTransactionManager}: Spring's transaction machinery runs
 * as usual (synchronizations, rollback rules), and begin, commit and rollback are written to a
 * {@link TransactionJournal}. Like a JDBC transaction manager, it binds each transaction to the
 * thread that began it, so that a {@code REQUIRED} call on that thread joins it.
 */
final class RecordingTransactionManager extends AbstractPlatformTransactionManager {

  private static final long serialVersionUID = 1L;

  private final transient TransactionJournal journal;

  RecordingTransactionManager(TransactionJournal journal) {
    this.journal = journal;
  }

  /** One transaction object; {@code bound} is what marks its transaction on the thread. */
  private static final class RecordedTransaction {
    /** The marker bound to the thread for the transaction in progress; null when there is none. */
    Object bound;
  }

  @Override
  protected Object doGetTransaction() {
    RecordedTransaction transaction = new RecordedTransaction();
    transaction.bound = TransactionSynchronizationManager.getResource(this);
    return transaction;
  }

  @Override
  protected boolean isExistingTransaction(Object transaction) {
    return ((RecordedTransaction) transaction).bound != null;
  }

  @Override
  protected void doBegin(Object transaction, TransactionDefinition definition) {
    Object marker = new Object();
    TransactionSynchronizationManager.bindResource(this, marker);
    ((RecordedTransaction) transaction).bound = marker;
    journal.record("begin");
  }

  @Override
  protected Object doSuspend(Object transaction) {
    ((RecordedTransaction) transaction).bound = null;
    return TransactionSynchronizationManager.unbindResource(this);
  }

  @Override
  protected void doResume(Object transaction, Object suspendedResources) {
    TransactionSynchronizationManager.bindResource(this, suspendedResources);
  }

  @Override
  protected void doCommit(DefaultTransactionStatus status) {
    journal.record("commit");
  }

  @Override
  protected void doRollback(DefaultTransactionStatus status) {
    journal.record("rollback");
  }

  @Override
  protected void doCleanupAfterCompletion(Object transaction) {
    TransactionSynchronizationManager.unbindResource(this);
  }
}
