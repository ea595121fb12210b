package dev.baton.spring.aspect;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * The transaction state that Spring's {@link TransactionSynchronizationManager} binds to the
 * current thread (resources such as a JDBC connection, synchronizations, the current
 * transaction's name and attributes), taken off the thread by {@link #suspend} and put back by
 * {@link #close}. In between the thread has no transaction: code run there cannot join, use or
 * end the suspended one. Unlike a transaction manager's own suspension, nothing is told about it
 * (no synchronization callbacks), because the suspended transaction's code is not running: it is
 * further down the same thread's stack, waiting for the code run in between to return.
 */
final class SuspendedTransaction implements AutoCloseable {

  /** What a thread without any transaction state has: suspending it takes nothing off. */
  private static final SuspendedTransaction NOTHING =
      new SuspendedTransaction(Map.of(), null, null, false, null, false);

  /** The resources bound at suspension, by key; bound again on close. */
  private final Map<Object, Object> resources;
  /** The synchronizations registered at suspension; null if synchronization was not active. */
  private final List<TransactionSynchronization> synchronizations;
  private final String name;
  private final boolean readOnly;
  private final Integer isolationLevel;
  private final boolean actualTransactionActive;

  private SuspendedTransaction(Map<Object, Object> resources,
      List<TransactionSynchronization> synchronizations, String name, boolean readOnly,
      Integer isolationLevel, boolean actualTransactionActive) {
    this.resources = resources;
    this.synchronizations = synchronizations;
    this.name = name;
    this.readOnly = readOnly;
    this.isolationLevel = isolationLevel;
    this.actualTransactionActive = actualTransactionActive;
  }

  /** Takes the current thread's transaction state off the thread. */
  static SuspendedTransaction suspend() {
    if (!anythingBound()) {
      return NOTHING;
    }
    SuspendedTransaction suspended = new SuspendedTransaction(
        new HashMap<>(TransactionSynchronizationManager.getResourceMap()),
        TransactionSynchronizationManager.isSynchronizationActive()
            ? TransactionSynchronizationManager.getSynchronizations() : null,
        TransactionSynchronizationManager.getCurrentTransactionName(),
        TransactionSynchronizationManager.isCurrentTransactionReadOnly(),
        TransactionSynchronizationManager.getCurrentTransactionIsolationLevel(),
        TransactionSynchronizationManager.isActualTransactionActive());
    clearThread();
    return suspended;
  }

  /**
   * Puts the suspended state back, replacing whatever the code run in between left bound (a
   * transaction it began and did not end cannot outlive it on a thread that is not its own).
   */
  @Override
  public void close() {
    if (anythingBound()) {
      clearThread();
    }
    // The thread now has no transaction state: only what differs from that is set.
    resources.forEach(TransactionSynchronizationManager::bindResource);
    if (synchronizations != null) {
      TransactionSynchronizationManager.initSynchronization();
      synchronizations.forEach(TransactionSynchronizationManager::registerSynchronization);
    }
    if (name != null) {
      TransactionSynchronizationManager.setCurrentTransactionName(name);
    }
    if (readOnly) {
      TransactionSynchronizationManager.setCurrentTransactionReadOnly(true);
    }
    if (isolationLevel != null) {
      TransactionSynchronizationManager.setCurrentTransactionIsolationLevel(isolationLevel);
    }
    if (actualTransactionActive) {
      TransactionSynchronizationManager.setActualTransactionActive(true);
    }
  }

  /** Whether the current thread has any transaction state; reads only. */
  private static boolean anythingBound() {
    return !TransactionSynchronizationManager.getResourceMap().isEmpty()
        || TransactionSynchronizationManager.isSynchronizationActive()
        || TransactionSynchronizationManager.getCurrentTransactionName() != null
        || TransactionSynchronizationManager.isCurrentTransactionReadOnly()
        || TransactionSynchronizationManager.getCurrentTransactionIsolationLevel() != null
        || TransactionSynchronizationManager.isActualTransactionActive();
  }

  private static void clearThread() {
    List.copyOf(TransactionSynchronizationManager.getResourceMap().keySet())
        .forEach(TransactionSynchronizationManager::unbindResourceIfPossible);
    TransactionSynchronizationManager.clear();
  }
}
